"""DynamoDB items of the portfolio (keys in ``adapters.dynamo_keys``, the
design in docs/data-model.md, "Portfolio"): a customer's directory, a
facility's figures per supply, its operating protocols, and a person's groups
and tiles.

Figures are written when data arrive and read many at a time: a page over
many facilities asks one BatchGetItem per 100 of them. Large structures are
stored as JSON text (Decimals stay exact as strings): nothing queries inside
them, and the directory's last readings are a map of their own so a new
reading updates one entry in place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, conditional_check_failed, dump_item
from heatportal.domain.errors import Conflict
from heatportal.domain.facility_groups import FacilityGroup, OperatingProtocol, PortfolioSettings, TileSetting
from heatportal.domain.model import Reading
from heatportal.domain.portfolio import (
    CustomerDirectory,
    DirectoryFacility,
    FacilityAggregate,
    FacilityDay,
    FacilityMonth,
    InvoiceSummary,
    Supply,
)

_QUALITY = {"measured": "m", "estimated": "e", "corrected": "c"}
_QUALITY_BACK = {v: k for k, v in _QUALITY.items()}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- a customer's directory ----------------------------------------------------------------------


def directory_item(directory: CustomerDirectory) -> dict[str, Any]:
    facilities = [f.model_dump(mode="json", exclude={"meters"}) for f in directory.facilities]
    meters = {
        f.id: [m.model_dump(mode="json", exclude={"last_value", "last_read_on", "last_estimated"}) for m in f.meters]
        for f in directory.facilities
    }
    return {
        **keys.directory(directory.number).item(),
        "type": "directory",
        "customer_number": directory.number,
        "name": directory.name,
        "facilities": json.dumps(facilities),
        "meters": json.dumps(meters),
        "invoices": directory.invoices.model_dump_json() if directory.invoices else None,
        "as_of": directory.as_of.isoformat() if directory.as_of else None,
        # Always a map, so one reading can be set in it with an UpdateItem.
        "last_readings": {
            m.number: {"value": m.last_value, "read_on": m.last_read_on.isoformat(), "estimated": m.last_estimated}
            for f in directory.facilities
            for m in f.meters
            if m.last_value is not None and m.last_read_on is not None
        },
    }


def directory_from_item(item: dict[str, Any]) -> CustomerDirectory:
    meters = json.loads(item["meters"])
    last = item.get("last_readings") or {}
    facilities = []
    for raw in json.loads(item["facilities"]):
        listed = []
        for meter in meters.get(raw["id"], []):
            reading = last.get(meter["number"])
            last_reading = (
                {
                    "last_value": str(reading["value"]),
                    "last_read_on": reading["read_on"],
                    "last_estimated": bool(reading.get("estimated", False)),
                }
                if reading is not None
                else {}
            )
            listed.append({**meter, **last_reading})
        facilities.append(DirectoryFacility.model_validate({**raw, "meters": listed}))
    return CustomerDirectory(
        number=item["customer_number"],
        name=item["name"],
        facilities=tuple(facilities),
        invoices=InvoiceSummary.model_validate_json(item["invoices"]) if item.get("invoices") else None,
        as_of=datetime.fromisoformat(item["as_of"]) if item.get("as_of") else None,
    )


# --- a facility's figures of one supply ----------------------------------------------------------------


def _day_row(day: FacilityDay) -> list[str | None]:
    return [
        day.day.isoformat(),
        str(day.energy_kwh),
        _text(day.outdoor_temp),
        _text(day.peak_hour_kw),
        _text(day.return_temp),
        _text(day.supply_temp),
        _text(day.volume_m3),
        _text(day.max_flow_m3h),
        _QUALITY[day.quality],
    ]


def _day_from_row(row: list[str | None]) -> FacilityDay:
    on, energy, outdoor, peak, ret, sup, volume, flow, quality = row
    return FacilityDay(
        day=date.fromisoformat(str(on)),
        energy_kwh=Decimal(str(energy)),
        outdoor_temp=_number(outdoor),
        peak_hour_kw=_number(peak),
        return_temp=_number(ret),
        supply_temp=_number(sup),
        volume_m3=_number(volume),
        max_flow_m3h=_number(flow),
        quality=_QUALITY_BACK[str(quality)],
    )


def aggregate_item(aggregate: FacilityAggregate) -> dict[str, Any]:
    return {
        **keys.facility_aggregate(aggregate.customer_number, aggregate.facility_id, aggregate.supply).item(),
        "type": "facility_aggregate",
        "customer_number": aggregate.customer_number,
        "facility_id": aggregate.facility_id,
        "supply": aggregate.supply,
        "as_of": aggregate.as_of.isoformat(),
        "months": json.dumps([m.model_dump(mode="json", exclude_defaults=True) for m in aggregate.months]),
        # Compact rows: a year of days in about 20 kB.
        "days": json.dumps([_day_row(d) for d in aggregate.days], separators=(",", ":")),
    }


def aggregate_from_item(item: dict[str, Any]) -> FacilityAggregate:
    return FacilityAggregate(
        customer_number=item["customer_number"],
        facility_id=item["facility_id"],
        supply=item["supply"],
        months=tuple(FacilityMonth.model_validate(m) for m in json.loads(item["months"])),
        days=tuple(_day_from_row(r) for r in json.loads(item["days"])),
        as_of=datetime.fromisoformat(item["as_of"]),
    )


def protocol_item(protocol: OperatingProtocol) -> dict[str, Any]:
    return {
        **keys.operating_protocol(
            protocol.customer_number, protocol.facility_id, protocol.uploaded_at, protocol.id
        ).item(),
        "type": "operating_protocol",
        **protocol.model_dump(mode="json"),
    }


def protocol_from_item(item: dict[str, Any]) -> OperatingProtocol:
    fields = set(OperatingProtocol.model_fields)
    return OperatingProtocol.model_validate({k: v for k, v in item.items() if k in fields})


# --- a person's groups and tiles -------------------------------------------------------------------------


def settings_item(settings: PortfolioSettings) -> dict[str, Any]:
    return {
        **keys.portfolio_settings(settings.user_id).item(),
        "type": "portfolio_settings",
        "user_id": settings.user_id,
        "groups": json.dumps([g.model_dump(mode="json") for g in settings.groups]),
        "tiles": json.dumps([t.model_dump(mode="json") for t in settings.tiles]),
        "version": settings.version,
    }


def settings_from_item(item: dict[str, Any]) -> PortfolioSettings:
    return PortfolioSettings(
        user_id=item["user_id"],
        groups=tuple(FacilityGroup.model_validate(g) for g in json.loads(item["groups"])),
        tiles=tuple(TileSetting.model_validate(t) for t in json.loads(item["tiles"])),
        version=int(item["version"]),
    )


class DynamoPortfolioStore:
    """Implements services.portfolio.ports.PortfolioStore and PortfolioSettingsStore."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # directories
    def directories(self, customer_numbers: Sequence[str]) -> dict[str, CustomerDirectory]:
        items = self.table.batch_get(keys.directory(n) for n in customer_numbers).values()
        return {d.number: d for d in (directory_from_item(i) for i in items)}

    def put_directory(self, directory: CustomerDirectory) -> None:
        self.table.put(directory_item(directory))

    def note_reading(self, customer_number: str, reading: Reading) -> None:
        """The meter's last reading in its customer's directory, if the
        directory exists and has no newer one (one UpdateItem)."""
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.directory(customer_number).item()),
                UpdateExpression="SET last_readings.#m = :r",
                ConditionExpression="attribute_exists(PK) AND "
                "(attribute_not_exists(last_readings.#m) OR last_readings.#m.read_on <= :day)",
                ExpressionAttributeNames={"#m": reading.meter_number},
                ExpressionAttributeValues=dump_item(
                    {
                        ":r": {
                            "value": reading.value,
                            "read_on": reading.read_on.isoformat(),
                            "estimated": reading.estimated,
                        },
                        ":day": reading.read_on.isoformat(),
                    }
                ),
            )
        except ClientError as error:
            if not conditional_check_failed(error):
                raise

    # figures
    def aggregates(self, wanted: Sequence[tuple[str, str, Supply]]) -> list[FacilityAggregate]:
        items = self.table.batch_get(keys.facility_aggregate(*w) for w in wanted).values()
        return [aggregate_from_item(i) for i in items]

    def put_aggregates(self, aggregates: Sequence[FacilityAggregate]) -> None:
        self.table.batch_put([aggregate_item(a) for a in aggregates])

    def facility(
        self, customer_number: str, facility_id: str
    ) -> tuple[list[FacilityAggregate], list[OperatingProtocol]]:
        """A facility's figures and protocols (newest first) in one Query."""
        items = self.table.query(keys.facility_figures_pk(customer_number, facility_id))
        aggregates = [aggregate_from_item(i) for i in items if i.get("type") == "facility_aggregate"]
        protocols = [protocol_from_item(i) for i in items if i.get("type") == "operating_protocol"]
        return aggregates, sorted(protocols, key=lambda p: p.uploaded_at, reverse=True)

    def put_protocol(self, protocol: OperatingProtocol) -> None:
        self.table.put(protocol_item(protocol), condition="attribute_not_exists(PK)")

    # groups and tiles
    def settings(self, user_id: str) -> PortfolioSettings:
        item = self.table.get(keys.portfolio_settings(user_id))
        return settings_from_item(item) if item else PortfolioSettings(user_id=user_id)

    def save_settings(self, settings: PortfolioSettings) -> PortfolioSettings:
        """Store the settings as the next version; Conflict when another save
        moved the version since ``settings`` was read."""
        stored = settings.model_copy(update={"version": settings.version + 1})
        try:
            if settings.version == 0:
                self.table.put(settings_item(stored), condition="attribute_not_exists(PK)")
            else:
                self.table.call(
                    "put_item",
                    TableName=self.table.name,
                    Item=dump_item(settings_item(stored)),
                    ConditionExpression="version = :v",
                    ExpressionAttributeValues=dump_item({":v": settings.version}),
                )
        except ClientError as error:
            if conditional_check_failed(error):
                raise Conflict(
                    "Your groups were changed in another window. Please try again.", code="settings_changed"
                ) from error
            raise
        return stored
