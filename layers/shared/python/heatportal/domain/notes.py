"""Typed parameters of the texts an invoice prints (calculation notes, hold
reasons, component names).

A stored invoice keeps each sentence as a catalog key and its parameters,
never as rendered text: the sentence is written at view time in the reader's
language, with local numbers, units, dates and month names. A parameter is a
string ``<kind>:<value>`` so it survives JSON and DynamoDB exactly (Decimals
as their digits) and the renderer (``heatportal.documents.invoice_text``)
knows how to print it:

| kind | value | printed (nb) |
| --- | --- | --- |
| ``money`` | ``1480.20`` | ``1 480,20 kr`` |
| ``price`` | ``1.2340`` | ``1,2340 kr`` (a unit price: 2 to 4 decimals) |
| ``qty`` | ``kWh:1200.5`` | ``1 200,5 kWh`` |
| ``num`` | ``42.50`` | ``42,50`` |
| ``pct`` | ``0.10`` | ``10 %`` |
| ``temp`` | ``38.5`` | ``38,5 °C`` |
| ``date`` | ``2025-01-31`` | ``31. jan. 2025`` |
| ``month`` | ``2025-01`` | ``januar 2025`` |
| ``months`` | ``2025-01..2025-12`` | ``januar–desember 2025`` |
| ``monthset`` | ``11,12,1,2,3`` | ``nov., des., jan., feb., mars`` |
| ``qtylist`` | ``kW:20.00;19.00`` | ``20,00 kW, 19,00 kW`` |
| ``frac`` | ``7/12`` | ``7/12`` |
| ``key`` | ``invoice.component.metering`` | the catalog text |
| ``text`` | anything | as written |
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

KINDS = frozenset(
    {
        "money",
        "price",
        "qty",
        "qtylist",
        "num",
        "pct",
        "temp",
        "date",
        "month",
        "months",
        "monthset",
        "frac",
        "key",
        "text",
    }
)


def money(value: Decimal) -> str:
    return f"money:{value}"


def price(value: Decimal) -> str:
    return f"price:{value}"


def qty(value: Decimal, unit: str) -> str:
    return f"qty:{unit}:{value}"


def num(value: Decimal) -> str:
    return f"num:{value}"


def pct(value: Decimal) -> str:
    """A rate as a fraction: ``0.10`` prints as 10 %."""
    return f"pct:{value}"


def temp(value: Decimal) -> str:
    return f"temp:{value}"


def day(value: date) -> str:
    return f"date:{value.isoformat()}"


def month(key: str) -> str:
    """A month as ``YYYY-MM``."""
    return f"month:{key}"


def months(first: str, last: str) -> str:
    """A run of months, ``YYYY-MM`` to ``YYYY-MM`` (the same month twice is one month)."""
    return f"months:{first}..{last}"


def monthset(numbers: tuple[int, ...]) -> str:
    """Months of the year (1-12), e.g. a season."""
    return "monthset:" + ",".join(str(n) for n in numbers)


def qtylist(values: list[Decimal], unit: str) -> str:
    return f"qtylist:{unit}:" + ";".join(str(v) for v in values)


def frac(value: Fraction | tuple[int, int]) -> str:
    """A share as printed: a Fraction in lowest terms, or (numerator, denominator) as
    given (a settlement's 12/12 of a year says how many months it adds up)."""
    numerator, denominator = (value.numerator, value.denominator) if isinstance(value, Fraction) else value
    return f"frac:{numerator}/{denominator}"


def key(catalog_key: str) -> str:
    return f"key:{catalog_key}"


def text(value: str) -> str:
    return f"text:{value}"


def split(param: str) -> tuple[str, str]:
    """(kind, value) of a parameter; an untyped one (older invoices) is text."""
    kind, sep, value = param.partition(":")
    if sep and kind in KINDS:
        return kind, value
    return "text", param
