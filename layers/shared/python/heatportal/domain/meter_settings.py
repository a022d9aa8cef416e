"""A change of a meter's register settings by customer service, kept as history.

The number of digits of the register (``register_digits``) decides whether a
value below the previous one is a rollover; the decimals decide what a
reading may look like; the removal date ends the meter's life. Data import
sets them for new meters; this is how customer service sets or corrects them
for a meter already in use, with who changed what, when and why kept.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from heatportal.domain.model import Frozen

NOTE_MAX_LENGTH = 500


class MeterSettingsChange(Frozen):
    meter_number: str
    customer_number: str
    previous_register_digits: int | None
    register_digits: int | None
    previous_decimals: int
    decimals: int
    previous_removed_on: date | None
    removed_on: date | None
    reason: str = Field(min_length=1, max_length=NOTE_MAX_LENGTH)
    changed_at: datetime
    changed_by: str


def digits_of(value: Decimal) -> int:
    """Digits before the decimals of a non-negative register value (0 has one)."""
    return len(str(int(value)))


def decimals_of(value: Decimal) -> int:
    """Decimals a register value needs (``12.50`` needs one: DynamoDB keeps no trailing zeros either)."""
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0
