"""DynamoDB storage of service interruptions, in the single table (keys and
access pattern in docs/data-model.md): the start page reads one Query of the
interruptions starting from 90 days ago to 30 days ahead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable
from heatportal.domain.interruption import ServiceInterruption


def interruption_item(interruption: ServiceInterruption) -> dict[str, Any]:
    return {
        **keys.interruption(interruption.starts_at, interruption.id).item(),
        "type": "interruption",
        "id": interruption.id,
        "planned": interruption.planned,
        "starts_at": interruption.starts_at.isoformat(),
        "ends_at": interruption.ends_at.isoformat() if interruption.ends_at else None,
        "title": interruption.title,
        "details": interruption.details,
        "postcodes": list(interruption.postcodes),
    }


def interruption_from_item(item: dict[str, Any]) -> ServiceInterruption:
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
        bounds = keys.interruptions_starting(start, end)
        return [interruption_from_item(i) for i in self.table.query(keys.UTILITY, sk_between=bounds)]
