"""Request field types that read only what the OpenAPI document says.

pydantic reads a ``date`` from a number (``0`` is 1970-01-01) or a numeric
string, and a ``Decimal`` from text like ``1e3``, `` 12``, ``1_000`` or
``１２`` (full-width digits), while the document it generates says "a date"
and gives decimals a pattern that, unanchored in one branch, matches any
text at all. The API's inputs use these types instead: a date is
``YYYY-MM-DD`` text, a date-time ISO 8601 text with an offset, and decimal
text is plain ASCII digits with an optional fraction, with the pattern the
document shows being exactly the one the server checks. JSON numbers stay
numbers (bounds as ``minimum``/``maximum``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ISO_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("a date as YYYY-MM-DD")


def _iso_date_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE_TIME.fullmatch(value):
        return value
    raise ValueError("a date and time in ISO 8601 with its offset, e.g. 2026-05-01T08:00:00+02:00")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A date, only as ``YYYY-MM-DD``."""

IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_date_time)]
"""A moment, only as ISO 8601 text with an offset."""


def decimal_pattern(places: int, integer_digits: int = 14, *, signed: bool = False) -> str:
    sign = "-?" if signed else ""
    fraction = rf"(\.[0-9]{{1,{places}}})?" if places else ""
    return rf"^{sign}[0-9]{{1,{integer_digits}}}{fraction}$"


class DecimalText:
    """Metadata of a Decimal input: a JSON number, or text matching ``pattern``
    (checked by the server, shown in the document)."""

    def __init__(self, places: int, integer_digits: int = 14, *, signed: bool = False) -> None:
        self.pattern = decimal_pattern(places, integer_digits, signed=signed)
        self._compiled = re.compile(self.pattern)

    def _check(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("a number")
        if isinstance(value, str) and not self._compiled.fullmatch(value):
            raise ValueError("a decimal number like 1234.5 (digits, a point, no spaces)")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        generated = handler(schema)
        for branch in generated.get("anyOf", []):
            if branch.get("type") == "string":
                branch["pattern"] = self.pattern
        return generated


RegisterValue = Annotated[Decimal, DecimalText(6)]
"""A meter register's value: up to 14 digits and 6 decimals (bounds with ``Field``).
More decimals than the meter shows (at most 3) are the services' to refuse, with
their own message."""

Money = Annotated[Decimal, DecimalText(2, 12)]
"""An amount of money: up to 12 digits and 2 decimals (bounds with ``Field``)."""

SignedMoney = Annotated[Decimal, DecimalText(2, 12, signed=True)]
"""An amount of money that may be negative (a filter on invoice totals)."""
