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


# Exact factors to kWh: 1 MWh = 1000 kWh; 1 GJ = 1/3.6 MWh = 277.777... kWh.
_TO_KWH: dict[EnergyUnit, Decimal] = {
    EnergyUnit.KWH: Decimal(1),
    EnergyUnit.MWH: Decimal(1000),
    EnergyUnit.GJ: Decimal(1000) / Decimal("3.6"),
}


def is_energy(unit: EnergyUnit) -> bool:
    return unit in _TO_KWH


def convert(quantity: Decimal, source: EnergyUnit, target: EnergyUnit) -> Decimal:
    """Convert an energy quantity; volume (m3) converts only to itself."""
    if source == target:
        return quantity
    if not (is_energy(source) and is_energy(target)):
        raise ValueError(f"cannot convert {source} to {target}")
    return quantity * _TO_KWH[source] / _TO_KWH[target]
