"""Smart-meter interval data: parsing, validation and daily aggregation. Pure.

Files (CSV or JSON) carry one row per meter and interval:

``meter,start,interval,energy,volume,flow,supply_temp,return_temp[,quality]``

- ``start`` is ISO 8601; without an offset it is read in the utility's time
  zone. ``interval`` is ``hour`` or ``day`` (a day starts at local midnight).
- ``energy`` is in the meter's unit (kWh, MWh, GJ); ``volume`` in m3, the
  quantity of a hot-tap-water meter; ``flow`` in m3/h; temperatures in °C.
  Empty cells are missing values.
- ``quality`` is ``measured`` (empty: the same) or ``estimated`` (the meter
  head or the collector filled a gap). A stored value delivered again with
  another value becomes ``corrected``; an estimate replaced by a measured
  value is ``measured``.
- JSON is ``{"values": [{...same keys...}, ...]}``.

A day's consumption is the sum of its hourly values when it has any, else its
daily value; its peak load is the largest hourly energy (kW); its supply and
return temperatures are energy-weighted (what the Swedish return-temperature
bonus uses), its flow the mean of its values, its highest flow the largest
hourly flow (m3/h), and its quality the worst of its values (estimated, then
corrected, then measured).
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
Quality = DayQuality
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
    quality: Quality = "measured"

    @property
    def key(self) -> str:
        return f"{start_key(self.start)}#{self.interval}"

    def same_values(self, other: IntervalValue) -> bool:
        """The same delivery: the same numbers, both estimated or both not (a
        stored ``corrected`` is what the meter delivered, like ``measured``)."""
        fields = ("energy", "volume_m3", "flow_m3h", "supply_temp", "return_temp")
        estimated = (self.quality == "estimated") == (other.quality == "estimated")
        return estimated and all(getattr(self, f) == getattr(other, f) for f in fields)

    def replacing(self, stored: IntervalValue) -> IntervalValue:
        """This value as it replaces ``stored`` (delivered before, with other
        values): a correction of a measured value, unless this one is an estimate."""
        if self.quality == "estimated" or stored.quality == "estimated":
            return self
        return self.model_copy(update={"quality": "corrected"})


def start_key(moment: datetime) -> str:
    """An interval's start in the one form its key uses: UTC, to the minute."""
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M")


_QUALITY_RANK: dict[str, int] = {"measured": 0, "corrected": 1, "estimated": 2}


def worst_quality(qualities: list[Quality]) -> Quality:
    """The quality of a sum: estimated if any part is, else corrected if any part is."""
    return max(qualities, key=_QUALITY_RANK.__getitem__, default="measured")


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
        quality="estimated" if quality == "estimated" else "measured",
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
    flows = [v.flow_m3h for v in chosen if v.flow_m3h is not None]
    hourly_flows = [v.flow_m3h for v in hourly if v.flow_m3h is not None] or [
        v.volume_m3 for v in hourly if v.volume_m3 is not None
    ]
    return DailyConsumption(
        meter_number=meter.number,
        day=day,
        quantity=total,
        peak_load_kw=peak,
        mean_return_temp=_weighted([(v.return_temp, quantity(v)) for v in chosen]),
        mean_supply_temp=_weighted([(v.supply_temp, quantity(v)) for v in chosen]),
        mean_flow_m3h=(sum(flows, Decimal(0)) / len(flows)).quantize(Decimal("0.001")) if flows else None,
        volume_m3=sum(volumes, Decimal(0)) if volumes else None,
        max_flow_m3h=max(hourly_flows).quantize(Decimal("0.001")) if hourly_flows else None,
        quality=worst_quality([v.quality for v in chosen]),
    )


def _weighted(pairs: list[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """A temperature's mean weighted by the energy of each interval (to 0.1 °C)."""
    present = [(t, q) for t, q in pairs if t is not None]
    weight = sum((q for _, q in present), Decimal(0))
    if weight <= 0:
        return None
    return (sum((t * q for t, q in present), Decimal(0)) / weight).quantize(Decimal("0.1"))
