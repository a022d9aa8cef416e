"""Secondary registers over time: what a meter's volume (or other) register
counted per calendar month, from the readings that carry its value.

Pure: no I/O. The main register's months come from
``heatportal.domain.consumption.monthly_from_readings``; this does the same for
one secondary register of a meter read by hand (readings on the 1st give exact
months; otherwise the count between two readings is spread over the days).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import pairwise

from heatportal.domain.model import Reading


def _month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def register_months(
    readings: Iterable[Reading], name: str, register_range: Decimal | None = None
) -> dict[str, Decimal]:
    """Quantity counted by register ``name`` per month (YYYY-MM).

    Only actual readings that carry the register count. A value below the one
    before is a wrap when that reading records a rollover of the register and
    its range is known; otherwise nothing is counted between those two."""
    carrying = sorted((r for r in readings if not r.estimated and name in r.registers), key=lambda r: r.read_on)
    months: dict[str, Decimal] = {}
    for before, after in pairwise(carrying):
        span = (after.read_on - before.read_on).days
        used = after.registers[name] - before.registers[name]
        if used < 0:
            if name not in after.register_rollovers or register_range is None:
                continue
            used += register_range
        if span <= 0:
            continue
        day = before.read_on
        while day < after.read_on:
            nxt = min(after.read_on, date(day.year + day.month // 12, day.month % 12 + 1, 1))
            months[_month_key(day)] = months.get(_month_key(day), Decimal(0)) + used * (nxt - day).days / span
            day = nxt
    return months
