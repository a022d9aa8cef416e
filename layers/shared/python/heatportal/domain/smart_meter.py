"""Smart-meter interval data: parsing, validation and daily aggregation. Pure.

Files (CSV or JSON) carry one row per meter and interval:

``meter,start,interval,energy,volume,flow,supply_temp,return_temp[,quality]``

- ``start`` is ISO 8601; without an offset it is read in the utility's time
  zone. ``interval`` is ``hour`` or ``day`` (a day starts at local midnight).
- ``energy`` is in the meter's unit (kWh, MWh, GJ); ``volume`` in m3, the
  quantity of a hot-tap-water meter; ``flow`` in m3/h; temperatures in °C.
  Empty cells are missing values. ``quality`` (optional) is ``measured`` (the
  default) or ``estimated``: a value the meter or its collection system filled in.
- JSON is ``{"values": [{...same keys...}, ...]}``.

A day's consumption is the sum of its hourly values when it has any, else its
daily value; its peak load is the largest hourly energy (kW); its return
temperature is energy-weighted (what the Swedish return-temperature bonus
uses), its supply temperature the mean of its values; its highest flow the
largest hourly flow (m3/h). A day is estimated when one of its values is, and
corrected when a later file replaced one of its stored values.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from heatportal.domain.model import DailyConsumption, DayQuality, Frozen, Meter
from heatportal.domain.money import EnergyUnit, convert, is_energy

Interval = Literal["hour", "day"]
COLUMNS = ("meter", "start", "interval", "energy", "volume", "flow", "supply_temp", "return_temp", "quality")
MAX_ROWS = 200_000
_TEMP_RANGE = (Decimal(-60), Decimal(160))


class IntervalValue(Frozen):
    meter_number: str
    start: datetime  # aware
    interval: Interval
    day: date  # local day of the interval
    energy: Decimal | None = None
    volume_m3: Decimal | None = None
    flow_m3h: Decimal | None = None
    supply_temp: Decimal | None = None
    return_temp: Decimal | None = None
    estimated: bool = False
    # Set when this value replaced a different one stored for the same interval.
    replaced: bool = False

    @property
    def key(self) -> str:
        return f"{self.start.astimezone(ZoneInfo('UTC')).strftime('%Y-%m-%dT%H:%M')}#{self.interval}"

    def same_values(self, other: IntervalValue) -> bool:
        fields = ("energy", "volume_m3", "flow_m3h", "supply_temp", "return_temp", "estimated")
        return all(getattr(self, f) == getattr(other, f) for f in fields)


@dataclass(frozen=True)
class RowProblem:
    line: int  # 1-based data row (CSV: line in the file; JSON: position in "values")
    code: str
    meter: str | None = None


@dataclass(frozen=True)
class ParsedRow:
    line: int
    raw: dict[str, str]


def read_rows(body: bytes, kind: Literal["csv", "json"]) -> list[ParsedRow]:
    """Rows as text cells; raises ValueError when the file itself is unreadable."""
    text = body.decode("utf-8-sig")
    if kind == "json":
        document = json.loads(text)
        values = document.get("values") if isinstance(document, dict) else None
        if not isinstance(values, list):
            raise ValueError('a JSON import is {"values": [...]}')
        rows = [
            ParsedRow(i + 1, {k: "" if v is None else str(v) for k, v in row.items()} if isinstance(row, dict) else {})
            for i, row in enumerate(values)
        ]
    else:
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or not {"meter", "start"} <= {f.strip() for f in reader.fieldnames}:
            raise ValueError("a CSV import needs a header with at least meter and start")
        rows = [
            ParsedRow(reader.line_num, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k})
            for row in reader
        ]
    if len(rows) > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS} rows per file")
    return rows


def _number(text: str) -> Decimal | None:
    if text == "":
        return None
    value = Decimal(text.replace(",", "."))
    if not value.is_finite():
        raise InvalidOperation
    return value


def validate_row(row: ParsedRow, meter: Meter | None, zone: ZoneInfo, now: datetime) -> IntervalValue | RowProblem:
    """One row checked against its meter: known, in service, sane values."""
    raw = row.raw
    number = raw.get("meter", "")
    if meter is None:
        return RowProblem(row.line, "import_unknown_meter", number or None)
    interval = raw.get("interval", "hour") or "hour"
    if interval not in ("hour", "day"):
        return RowProblem(row.line, "import_bad_interval", number)
    try:
        start = datetime.fromisoformat(raw.get("start", ""))
    except ValueError:
        return RowProblem(row.line, "import_bad_time", number)
    start = start.replace(tzinfo=zone) if start.tzinfo is None else start
    local = start.astimezone(zone)
    if interval == "day" and local.time() != time(0):
        return RowProblem(row.line, "import_bad_time", number)
    if interval == "hour" and (local.minute or local.second or local.microsecond):
        return RowProblem(row.line, "import_bad_time", number)
    length = timedelta(hours=1) if interval == "hour" else timedelta(days=1)
    if start + length > now:
        return RowProblem(row.line, "import_in_future", number)
    if local.date() < meter.installed_on or (meter.removed_on and local.date() >= meter.removed_on):
        return RowProblem(row.line, "import_outside_meter_life", number)
    try:
        values = {
            "energy": _number(raw.get("energy", "")),
            "volume_m3": _number(raw.get("volume", "")),
            "flow_m3h": _number(raw.get("flow", "")),
            "supply_temp": _number(raw.get("supply_temp", "")),
            "return_temp": _number(raw.get("return_temp", "")),
        }
    except InvalidOperation:
        return RowProblem(row.line, "import_not_a_number", number)
    quality = raw.get("quality", "").strip().lower() or "measured"
    if quality not in ("measured", "estimated"):
        return RowProblem(row.line, "import_bad_quality", number)
    quantity = values["energy"] if is_energy(meter.unit) else values["volume_m3"]
    if quantity is None:
        return RowProblem(row.line, "import_missing_quantity", number)
    if any(v is not None and v < 0 for k, v in values.items() if k in ("energy", "volume_m3", "flow_m3h")):
        return RowProblem(row.line, "import_negative", number)
    for name in ("supply_temp", "return_temp"):
        temp = values[name]
        if temp is not None and not _TEMP_RANGE[0] <= temp <= _TEMP_RANGE[1]:
            return RowProblem(row.line, "import_bad_temperature", number)
    return IntervalValue(
        meter_number=meter.number,
        start=start,
        interval=interval,
        day=local.date(),
        estimated=quality == "estimated",
        **values,
    )


def daily_from_intervals(meter: Meter, day: date, values: list[IntervalValue]) -> DailyConsumption | None:
    """The day's consumption from its stored intervals (see module docstring)."""
    hourly = [v for v in values if v.interval == "hour"]
    chosen = hourly or [v for v in values if v.interval == "day"]
    if not chosen:
        return None

    def quantity(v: IntervalValue) -> Decimal:
        return (v.energy if is_energy(meter.unit) else v.volume_m3) or Decimal(0)

    total = sum((quantity(v) for v in chosen), Decimal(0))
    volumes = [v.volume_m3 for v in chosen if v.volume_m3 is not None]
    peak = None
    if hourly and is_energy(meter.unit):
        peak = convert(max(quantity(v) for v in hourly), meter.unit, EnergyUnit.KWH).quantize(Decimal("0.01"))
    weighted = [(v.return_temp, quantity(v)) for v in chosen if v.return_temp is not None]
    weight = sum((q for _, q in weighted), Decimal(0))
    mean_return = (
        (sum((t * q for t, q in weighted), Decimal(0)) / weight).quantize(Decimal("0.1")) if weight > 0 else None
    )
    supplies = [v.supply_temp for v in chosen if v.supply_temp is not None]
    flows = [v.flow_m3h for v in hourly if v.flow_m3h is not None] or [
        v.volume_m3 for v in hourly if v.volume_m3 is not None
    ]
    quality: DayQuality = "measured"
    if any(v.estimated for v in chosen):
        quality = "estimated"
    elif any(v.replaced for v in chosen):
        quality = "corrected"
    return DailyConsumption(
        meter_number=meter.number,
        day=day,
        quantity=total,
        peak_load_kw=peak,
        mean_return_temp=mean_return,
        volume_m3=sum(volumes, Decimal(0)) if volumes else None,
        mean_supply_temp=(sum(supplies, Decimal(0)) / len(supplies)).quantize(Decimal("0.1")) if supplies else None,
        max_flow_m3h=max(flows).quantize(Decimal("0.001")) if flows else None,
        quality=quality,
    )
