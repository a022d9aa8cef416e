"""A correction of a stored meter reading, kept as history: by customer
service, or the customer's replacement of a reading that came by SMS.

The reading itself is replaced (billing and estimates use the corrected
value); the version it replaced is kept with who corrected it, when and why,
so a customer and customer service can see what changed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from heatportal.domain.model import Frozen, ReadingSource

REASON_MAX_LENGTH = 500


class ReadingCorrection(Frozen):
    meter_number: str
    read_on: date
    previous_value: Decimal
    previous_source: ReadingSource
    previous_estimated: bool
    previous_recorded_at: datetime
    previous_recorded_by: str | None = None
    value: Decimal
    # Secondary register values (e.g. volume) before and after, by name: only
    # those the correction changed.
    previous_registers: dict[str, Decimal] = Field(default_factory=dict)
    registers: dict[str, Decimal] = Field(default_factory=dict)
    reason: str = Field(min_length=1, max_length=REASON_MAX_LENGTH)
    corrected_at: datetime
    corrected_by: str
    # The customer replaced a reading that came by SMS (not customer service).
    by_customer: bool = False
