"""DynamoDB items of a meter's lifecycle (a new meter, a replacement), on the
single table (keys and access patterns in docs/data-model.md).

A new meter is one transaction (Put the meter if absent, Put the number marker
if absent, Put its first reading); a replacement is one transaction (Update
the old meter's ``removed_on`` if it has none, Put its final reading unless an
actual one is stored that day, Put the new meter, its marker and first
reading, Put the settings-change item of the removal). The marker makes a
number unique across customers at write time (the GSI1 lookup by meter number
the service makes first is eventually consistent); demo meters have no
marker, the lookup finds them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, dump_item, meter_from_item, meter_item, reading_item
from heatportal.adapters.dynamo_meter_settings import settings_change_item
from heatportal.domain.meter_settings import MeterSettingsChange
from heatportal.domain.model import Meter, Reading


def number_marker_item(meter: Meter) -> dict[str, Any]:
    return {
        **keys.meter_number_marker(meter.number).item(),
        "type": "meter_number",
        "number": meter.number,
        "customer_number": meter.customer_number,
    }


class DynamoMeterLifecycleStore:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def _put_if_absent(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table.name,
                "Item": dump_item(item),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _put_reading(self, reading: Reading) -> dict[str, Any]:
        # As DynamoRepository.add_reading: an estimate is replaced, an actual one kept.
        return {
            "Put": {
                "TableName": self.table.name,
                "Item": dump_item(reading_item(reading)),
                "ConditionExpression": "attribute_not_exists(PK) OR estimated = :yes",
                "ExpressionAttributeValues": dump_item({":yes": True}),
            }
        }

    def _new_meter(self, meter: Meter, first: Reading) -> list[dict[str, Any]]:
        return [
            self._put_if_absent(meter_item(meter)),
            self._put_if_absent(number_marker_item(meter)),
            self._put_reading(first),
        ]

    def add_meter(self, meter: Meter, first: Reading) -> bool:
        return self.table.transact(self._new_meter(meter, first))

    def replace_meter(
        self,
        old: Meter,
        removed_on: date,
        final: Reading | None,
        new: Meter,
        first: Reading,
        change: MeterSettingsChange,
    ) -> bool:
        removal = {
            "Update": {
                "TableName": self.table.name,
                "Key": dump_item(keys.meter(old.customer_number, old.number).item()),
                "UpdateExpression": "SET removed_on = :on",
                "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(removed_on)",
                "ExpressionAttributeValues": dump_item({":on": removed_on.isoformat()}),
            }
        }
        items = [removal, *([self._put_reading(final)] if final is not None else [])]
        items += [*self._new_meter(new, first), self._put_if_absent(settings_change_item(change))]
        return self.table.transact(items)

    def get_meter(self, customer_number: str, meter_number: str) -> Meter | None:
        item = self.table.get(keys.meter(customer_number, meter_number), consistent=True)
        return meter_from_item(item) if item else None
