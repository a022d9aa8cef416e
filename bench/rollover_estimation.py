"""Estimates and charts on meters whose register wraps: what the wrap costs.

The demo heat meters' readings are put on a register that wraps in the middle
of the last year: each value is shifted so that it passes 10^N - 1 half way
between two monthly readings, stored modulo 10^N, and the first reading after the wrap is marked
as a rollover (as ``ReadingService.record`` marks it). Then, as in
``bench.estimation``, each month-end reading of the last year is hidden and
estimated by ``ReadingService.value_at`` from the rest, once on the wrapped
history and once on the same history unwrapped (the same meter with a register
that never wraps). Reported: the mean absolute percentage error (MAPE) of the
month's consumption for both, over all months and over the months whose end
estimate crosses the top of the register, where the estimate is capped at
10^N - 1 (see ``services.readings.within_register``): that cap is the price,
and the next bill recovers it. Also checked: the monthly chart of a hand-read
meter (``monthly_from_readings``) counts the wrap month exactly as the
unwrapped meter does.

Run: ``.venv/bin/python -m bench.rollover_estimation``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "shared" / "python"))

from bench.estimation import TODAY, _Clock, _month_starts, _Readings
from heatportal.domain.consumption import monthly_from_readings
from heatportal.domain.model import Meter, MeterKind, Reading
from heatportal.domain.profile import load_profile
from heatportal.services.readings import ReadingService
from infra.local.demo import generate


@dataclass
class Errors:
    wrapped: list[float] = field(default_factory=list)
    unwrapped: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        def mape(values: list[float]) -> str:
            return f"{100 * sum(values) / len(values):5.1f} %" if values else "    – "

        return f"{name:<40} n={len(self.wrapped):4d}  wrapped MAPE {mape(self.wrapped)}   unwrapped MAPE {mape(self.unwrapped)}"


def wrap_history(meter: Meter, readings: list[Reading], wrap_on: date) -> tuple[Meter, list[Reading], Decimal]:
    """The same readings on a register that passes its top on ``wrap_on``."""
    ordered = sorted(readings, key=lambda r: r.read_on)
    before = [r for r in ordered if r.read_on < wrap_on]
    after = [r for r in ordered if r.read_on >= wrap_on]
    low = before[-1].value if before else ordered[0].value
    high = after[0].value if after else low
    digits = max(len(str(int(ordered[-1].value))), 4)
    span = Decimal(10) ** digits
    # The register passes its top half way between the readings around wrap_on.
    offset = span - 1 - ((low + high) / 2).to_integral_value()
    wrapped, previous = [], None
    for r in ordered:
        value = (r.value + offset) % span
        rolled = previous is not None and value < previous
        wrapped.append(r.model_copy(update={"value": value, "rollover": rolled}))
        previous = value
    return meter.model_copy(update={"register_digits": digits}), wrapped, span


def flag_rollovers(readings: list[Reading]) -> list[Reading]:
    """Mark each reading below the one before it as a rollover, as recording
    them in this order would (a hidden reading moves the mark to the next)."""
    result, previous = [], None
    for r in sorted(readings, key=lambda r: r.read_on):
        result.append(r.model_copy(update={"rollover": previous is not None and r.value < previous}))
        previous = r.value
    return result


def run(profile_id: str) -> tuple[Errors, Errors, int, int]:
    profile = load_profile(profile_id)
    data = generate(profile, customers=60, today=TODAY)
    by_meter: dict[str, list[Reading]] = {}
    for r in data.readings:
        if not r.estimated:
            by_meter.setdefault(r.meter_number, []).append(r)
    months = _month_starts(date(TODAY.year - 1, TODAY.month, 1), date(TODAY.year, TODAY.month, 1))
    wrap_on = months[len(months) // 2]
    all_months, crossing = Errors(), Errors()
    charts_equal = charts = 0
    for meter in data.meters:
        if meter.kind != MeterKind.HEAT or meter.removed_on or meter.number not in by_meter:
            continue
        plain = by_meter[meter.number]
        wrapped_meter, wrapped, span = wrap_history(meter, plain, wrap_on)
        # The chart of the wrapped register equals the chart of the plain one.
        charts += 1
        chart_plain = {m.month: m.quantity for m in monthly_from_readings(plain)}
        chart_wrapped = {m.month: m.quantity for m in monthly_from_readings(wrapped, span)}
        charts_equal += chart_plain == chart_wrapped
        known_plain = {r.read_on: r for r in plain}
        known_wrapped = {r.read_on: r for r in wrapped}
        for start, end in pairwise(months):
            if start not in known_plain or end not in known_plain or start <= meter.installed_on:
                continue
            actual = known_plain[end].value - known_plain[start].value
            if actual <= 0:
                continue
            visible_wrapped = flag_rollovers([r for d, r in known_wrapped.items() if d != end])
            visible_plain = [r for d, r in known_plain.items() if d != end]
            # value_at needs only readings: no customers, no access.
            service = ReadingService(
                None,  # type: ignore[arg-type]  # value_at reads no customer
                _Readings(visible_wrapped),
                None,  # type: ignore[arg-type]  # value_at checks no access
                _Clock(),
                climate_station=profile.climate_station,
            )
            plain_service = ReadingService(
                None,  # type: ignore[arg-type]  # value_at reads no customer
                _Readings(visible_plain),
                None,  # type: ignore[arg-type]  # value_at checks no access
                _Clock(),
                climate_station=profile.climate_station,
            )
            estimate = service.value_at(wrapped_meter, end).value
            start_value = known_wrapped[start].value
            used = estimate - start_value if estimate >= start_value else estimate + span - start_value
            plain_used = plain_service.value_at(meter, end).value - known_plain[start].value
            error = float(abs(used - actual) / actual)
            plain_error = float(abs(plain_used - actual) / actual)
            all_months.wrapped.append(error)
            all_months.unwrapped.append(plain_error)
            if start_value + plain_used >= span:  # the estimate would pass the top: capped
                crossing.wrapped.append(error)
                crossing.unwrapped.append(plain_error)
    return all_months, crossing, charts_equal, charts


def main() -> None:
    print("Register rollover: one reading hidden between two known, wrapped vs the same meter unwrapped, demo data")
    for profile_id in ("no", "nl", "de", "se"):
        all_months, crossing, equal, charts = run(profile_id)
        print(all_months.line(f"  {profile_id}: every month"))
        print(crossing.line(f"  {profile_id}: months the estimate crosses the top"))
        print(f"  {profile_id}: monthly charts equal to the unwrapped meter's: {equal} of {charts}")


if __name__ == "__main__":
    main()
