"""DynamoDB items of a meter's settings changes, on the single table (keys and
access patterns in docs/data-model.md). A change is one transaction: Update
the meter item's ``register_digits``, ``decimals`` and ``removed_on`` if they
are still the values read, Put the settings-change item if absent. Only the
three settings are written (an Update, not a Put of the whole meter), so the
meter's other attributes stay as they are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, dump_item
from heatportal.domain.errors import Conflict
from heatportal.domain.meter_settings import MeterSettingsChange
from heatportal.domain.model import Meter


def settings_change_item(change: MeterSettingsChange) -> dict[str, Any]:
    return {
        **keys.meter_settings_change(change.meter_number, change.changed_at).item(),
        "type": "meter_settings_change",
        "meter_number": change.meter_number,
        "customer_number": change.customer_number,
        "previous_register_digits": change.previous_register_digits,
        "register_digits": change.register_digits,
        "previous_decimals": change.previous_decimals,
        "decimals": change.decimals,
        "previous_removed_on": change.previous_removed_on.isoformat() if change.previous_removed_on else None,
        "removed_on": change.removed_on.isoformat() if change.removed_on else None,
        "reason": change.reason,
        "changed_at": change.changed_at.isoformat(),
        "changed_by": change.changed_by,
    }


def _optional_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _optional_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def settings_change_from_item(item: dict[str, Any]) -> MeterSettingsChange:
    return MeterSettingsChange(
        meter_number=item["meter_number"],
        customer_number=item["customer_number"],
        previous_register_digits=_optional_int(item.get("previous_register_digits")),
        register_digits=_optional_int(item.get("register_digits")),
        previous_decimals=int(item["previous_decimals"]),
        decimals=int(item["decimals"]),
        previous_removed_on=_optional_date(item.get("previous_removed_on")),
        removed_on=_optional_date(item.get("removed_on")),
        reason=item["reason"],
        changed_at=datetime.fromisoformat(item["changed_at"]),
        changed_by=item["changed_by"],
    )


class DynamoMeterSettingsStore:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def change_meter_settings(self, current: Meter, changed: Meter, change: MeterSettingsChange) -> None:
        # Optimistic: each setting must still be what the change was made
        # against (an absent attribute is an unset one; _dump drops None).
        conditions = ["attribute_exists(PK)", "decimals = :old_decimals"]
        values: dict[str, Any] = {":old_decimals": current.decimals, ":decimals": changed.decimals}
        if current.register_digits is None:
            conditions.append("attribute_not_exists(register_digits)")
        else:
            conditions.append("register_digits = :old_digits")
            values[":old_digits"] = current.register_digits
        if current.removed_on is None:
            conditions.append("attribute_not_exists(removed_on)")
        else:
            conditions.append("removed_on = :old_removed")
            values[":old_removed"] = current.removed_on.isoformat()
        sets = ["decimals = :decimals"]
        removes = []
        if changed.register_digits is None:
            removes.append("register_digits")
        else:
            sets.append("register_digits = :digits")
            values[":digits"] = changed.register_digits
        if changed.removed_on is None:
            removes.append("removed_on")
        else:
            sets.append("removed_on = :removed")
            values[":removed"] = changed.removed_on.isoformat()
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            self.table.call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table.name,
                            "Key": dump_item(keys.meter(current.customer_number, current.number).item()),
                            "UpdateExpression": update,
                            "ConditionExpression": " AND ".join(conditions),
                            "ExpressionAttributeValues": dump_item(values),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": dump_item(settings_change_item(change)),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ],
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            raise Conflict(
                "The meter was changed in the meantime. Please reload and try again.",
                code="meter_changed",
                params={"meter": current.number},
            ) from error

    def meter_settings_history(self, meter_number: str) -> list[MeterSettingsChange]:
        items = self.table.query(keys.meter_pk(meter_number), sk_prefix=keys.METER_SETTINGS_CHANGES)
        return [settings_change_from_item(i) for i in items]
