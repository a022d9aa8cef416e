"""A building's power signature: its daily average power against the day's
mean outdoor temperature over the past year, with the fitted line and the
balance temperature (where the weather-dependent load starts).

The model has a change point: for heating ``P = base + slope x max(0, Tb - T)``
(below the balance temperature Tb the building needs more power the colder it
gets; above it only the base load remains: hot water, losses); for cooling the
mirror image ``P = base + slope x max(0, T - Tb)``. Tb is found by a grid
search (0.5 °C steps) minimising the squared error of the least-squares line
at each candidate. Pure; floats inside the fit, ``Decimal`` out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

MIN_POINTS = 30  # about a month of days
MIN_SPREAD_C = 8.0  # the days must span some weather for a slope to mean anything
_HEATING_GRID = (5.0, 20.0)
_COOLING_GRID = (8.0, 24.0)
_STEP = 0.5


@dataclass(frozen=True)
class SignaturePoint:
    outdoor_temp: Decimal
    power_kw: Decimal


@dataclass(frozen=True)
class PowerSignature:
    cooling: bool
    base_kw: Decimal  # the power that does not depend on the weather
    slope_kw_per_c: Decimal  # the extra power per degree beyond the balance temperature
    balance_temp: Decimal  # °C
    r_squared: Decimal  # share of the day-to-day variation the line explains
    points: int

    def power_at(self, outdoor_temp: Decimal) -> Decimal:
        """The fitted line's daily average power at an outdoor temperature."""
        beyond = outdoor_temp - self.balance_temp if self.cooling else self.balance_temp - outdoor_temp
        return self.base_kw + self.slope_kw_per_c * max(beyond, Decimal(0))

    def design_power(self, design_temp: Decimal) -> Decimal:
        """The power the line reaches at a design outdoor temperature (e.g. -18 °C)."""
        return self.power_at(design_temp).quantize(Decimal("0.1"))


def _dec(value: float, places: str) -> Decimal:
    return Decimal(f"{value:.6f}").quantize(Decimal(places))


def fit_signature(points: Sequence[SignaturePoint], *, cooling: bool = False) -> PowerSignature | None:
    """The change-point line through the days; None with too few days, too
    little spread in the weather, or no weather-dependent load at all."""
    data = [(float(p.outdoor_temp), float(p.power_kw)) for p in points]
    if len(data) < MIN_POINTS:
        return None
    temps = [t for t, _ in data]
    if max(temps) - min(temps) < MIN_SPREAD_C:
        return None
    mean_power = sum(p for _, p in data) / len(data)
    total = sum((p - mean_power) ** 2 for _, p in data)
    low, high = _COOLING_GRID if cooling else _HEATING_GRID
    best: tuple[float, float, float, float] | None = None  # (sse, base, slope, balance)
    steps = round((high - low) / _STEP)
    for index in range(steps + 1):
        balance = low + index * _STEP
        xs = [max(0.0, t - balance) if cooling else max(0.0, balance - t) for t in temps]
        active = sum(1 for x in xs if x > 0)
        if active < MIN_POINTS // 3 or active > len(xs) - 3:
            continue  # a change point needs days on both sides of it
        mean_x = sum(xs) / len(xs)
        sxx = sum((x - mean_x) ** 2 for x in xs)
        if sxx <= 0:
            continue
        sxy = sum((x - mean_x) * (p - mean_power) for x, (_, p) in zip(xs, data, strict=True))
        slope = sxy / sxx
        if slope <= 0:
            continue
        base = mean_power - slope * mean_x
        sse = sum((p - base - slope * x) ** 2 for x, (_, p) in zip(xs, data, strict=True))
        if best is None or sse < best[0]:
            best = (sse, base, slope, balance)
    if best is None:
        return None
    sse, base, slope, balance = best
    r_squared = 1.0 - sse / total if total > 0 else 0.0
    if not math.isfinite(r_squared):
        return None
    return PowerSignature(
        cooling=cooling,
        base_kw=_dec(max(base, 0.0), "0.1"),
        slope_kw_per_c=_dec(slope, "0.01"),
        balance_temp=_dec(balance, "0.1"),
        r_squared=_dec(max(r_squared, 0.0), "0.01"),
        points=len(data),
    )
