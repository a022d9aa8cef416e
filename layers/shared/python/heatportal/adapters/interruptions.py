"""DynamoDB storage of service interruptions, in the single table.

| entity       | PK      | SK                                   |
|--------------|---------|--------------------------------------|
| interruption | UTILITY | INTERRUPTION#<start, UTC ISO>#<id>   |

Access pattern: the start page = one Query PK=UTILITY with SK BETWEEN
INTERRUPTION#<now - 90 days> and INTERRUPTION#<now + 30 days> (starts sort
as text because they are written in one fixed UTC format).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from heatportal.adapters.dynamo import DynamoTable
from heatportal.domain.interruption import ServiceInterruption

PK = "UTILITY"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _sortable(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_FORMAT)


def interruption_item(interruption: ServiceInterruption) -> dict[str, Any]:
    return {
        "PK": PK,
        "SK": f"INTERRUPTION#{_sortable(interruption.starts_at)}#{interruption.id}",
        "type": "interruption",
        "id": interruption.id,
        "planned": interruption.planned,
        "starts_at": interruption.starts_at.isoformat(),
        "ends_at": interruption.ends_at.isoformat() if interruption.ends_at else None,
        "title": interruption.title,
        "details": interruption.details,
        "postcodes": list(interruption.postcodes),
    }


def _interruption(item: dict[str, Any]) -> ServiceInterruption:
    return ServiceInterruption(
        id=item["id"],
        planned=bool(item["planned"]),
        starts_at=datetime.fromisoformat(item["starts_at"]),
        ends_at=datetime.fromisoformat(item["ends_at"]) if item.get("ends_at") else None,
        title=item["title"],
        details=item.get("details", ""),
        postcodes=tuple(item.get("postcodes", [])),
    )


class DynamoInterruptions:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def put_interruption(self, interruption: ServiceInterruption) -> None:
        self.table.put(interruption_item(interruption))

    def interruptions_starting(self, start: datetime, end: datetime) -> list[ServiceInterruption]:
        # "~" sorts after "#<id>", so an interruption starting exactly at ``end`` is included.
        bounds = (f"INTERRUPTION#{_sortable(start)}", f"INTERRUPTION#{_sortable(end)}~")
        return [_interruption(i) for i in self.table.query(PK, sk_between=bounds)]
