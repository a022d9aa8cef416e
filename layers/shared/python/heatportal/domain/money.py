"""Money and energy quantities. Never float.

Amounts are ``Decimal``; an invoice line is rounded exactly once, to the minor
unit of its currency (Babel knows the digits of every ISO currency).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache

from babel.numbers import get_currency_precision


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (commercial rounding)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, got {type(amount).__name__}")
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


class EnergyUnit(StrEnum):
    KWH = "kWh"
    MWH = "MWh"
    GJ = "GJ"
    M3 = "m3"


# Factors to kWh as exact ratios (numerator, denominator): 1 MWh = 1000 kWh;
# 1 GJ = 1/3.6 MWh = 2500/9 kWh. Multiplying first and dividing last keeps
# kWh -> GJ exact (x 0.0036) instead of dividing by a rounded 277.77...8.
_TO_KWH: dict[EnergyUnit, tuple[int, int]] = {
    EnergyUnit.KWH: (1, 1),
    EnergyUnit.MWH: (1000, 1),
    EnergyUnit.GJ: (2500, 9),
}


def is_energy(unit: EnergyUnit) -> bool:
    return unit in _TO_KWH


def convert(quantity: Decimal, source: EnergyUnit, target: EnergyUnit) -> Decimal:
    """Convert an energy quantity; volume (m3) converts only to itself."""
    if source == target:
        return quantity
    if not (is_energy(source) and is_energy(target)):
        raise ValueError(f"cannot convert {source} to {target}")
    source_num, source_den = _TO_KWH[source]
    target_num, target_den = _TO_KWH[target]
    return quantity * (source_num * target_den) / (source_den * target_num)
