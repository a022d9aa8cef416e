"""Whether a meter value looks right: the consumption it implies since the
previous value, against what the meter's own history predicts for those days.

A value outside the band is never refused. The person is shown what they
entered, the consumption it implies and the range expected, and either
corrects it or sends it anyway (the reading step); the trial settlement shows
the same words next to a value it prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

# Generous band: weather alone moves monthly heat use by a factor of 2-3.
PLAUSIBLE_FACTOR_HIGH = Decimal(3)
PLAUSIBLE_EXTRA_DAYS = 2


@dataclass(frozen=True)
class ImplausibleValue:
    """A value to check, with what it implies and what was expected."""

    value: Decimal
    read_on: date
    previous: Decimal  # the register's previous value (or its start value)
    previous_on: date
    consumption: Decimal  # what the register counted since (through a wrap when it rolled over)
    days: int
    # None when the meter has no history to judge by (a rollover to confirm).
    expected: Decimal | None
    upper: Decimal | None
    unit: str
    rollover: bool

    def params(self) -> dict[str, str]:
        """The error's parameters (text, as the API's error body carries them)."""
        found = {
            "value": str(self.value),
            "read_on": self.read_on.isoformat(),
            "previous": str(self.previous),
            "previous_on": self.previous_on.isoformat(),
            "consumption": str(self.consumption),
            "days": str(self.days),
            "unit": self.unit,
            "rollover": "yes" if self.rollover else "no",
        }
        if self.expected is not None and self.upper is not None:
            found["expected"] = str(self.expected)
            found["upper"] = str(self.upper)
        return found

    @classmethod
    def from_params(cls, params: dict[str, object]) -> ImplausibleValue | None:
        """Back from an error's parameters (the portal shows them); None if they are not complete."""
        try:
            expected = params.get("expected")
            upper = params.get("upper")
            return cls(
                value=Decimal(str(params["value"])),
                read_on=date.fromisoformat(str(params["read_on"])),
                previous=Decimal(str(params["previous"])),
                previous_on=date.fromisoformat(str(params["previous_on"])),
                consumption=Decimal(str(params["consumption"])),
                days=int(str(params["days"])),
                expected=Decimal(str(expected)) if expected is not None else None,
                upper=Decimal(str(upper)) if upper is not None else None,
                unit=str(params["unit"]),
                rollover=params.get("rollover") == "yes",
            )
        except (KeyError, ValueError, ArithmeticError):
            return None


def judge(
    *,
    value: Decimal,
    read_on: date,
    previous: Decimal,
    previous_on: date,
    consumption: Decimal,
    daily: Decimal | None,
    unit: str,
    rollover: bool,
    decimals: int = 0,
) -> ImplausibleValue | None:
    """The value to check, or None when it is plausible. ``daily`` is the
    meter's mean daily consumption over the past year (None: no history, when
    only a rollover is asked about). Expected and upper are rounded to the
    register's ``decimals``."""
    days = max((read_on - previous_on).days, 1)
    if daily is None or daily <= 0:
        if not rollover:
            return None
        return ImplausibleValue(value, read_on, previous, previous_on, consumption, days, None, None, unit, rollover)
    expected = daily * days
    upper = expected * PLAUSIBLE_FACTOR_HIGH + daily * PLAUSIBLE_EXTRA_DAYS
    if consumption <= upper:
        return None
    step = Decimal(1).scaleb(-decimals)
    return ImplausibleValue(
        value,
        read_on,
        previous,
        previous_on,
        consumption,
        days,
        expected.quantize(step, rounding=ROUND_HALF_UP),
        # Rounded down, so the consumption shown is always above the limit shown.
        upper.quantize(step, rounding=ROUND_FLOOR),
        unit,
        rollover,
    )
