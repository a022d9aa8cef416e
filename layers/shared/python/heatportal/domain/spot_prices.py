"""Monthly average spot prices per bidding zone (the Norwegian heat price is the
zone's monthly average spot price plus the transfer cost of the period).

One set of rules checks a price whether staff type it into the admin route or
a file under ``spot-prices/`` delivers it: the zone is a Nordic bidding zone,
the month is ``YYYY-MM``, the price per kWh is a positive decimal (a decimal
comma is accepted, as Nordic spreadsheets write it) below ``MAX_PRICE_PER_KWH``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from heatportal.domain.errors import ValidationFailed

# Nord Pool bidding zones of the countries whose profiles use spot prices.
ZONE_PATTERN = re.compile(r"^(NO[1-5]|SE[1-4]|DK[12]|FI)$")
MONTH_PATTERN = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
# Monthly averages peaked near 5 NOK/kWh (NO2, August 2022). A value of 20 or
# more is almost surely a price per MWh or in øre/öre typed by mistake, which
# would bill customers a hundred or a thousand times too much.
MAX_PRICE_PER_KWH = Decimal(20)
MAX_DECIMALS = 6
MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 5_000
COLUMNS = ("zone", "month", "price_per_kwh")


@dataclass(frozen=True)
class SpotPrice:
    zone: str
    month: str  # YYYY-MM
    price_per_kwh: Decimal


@dataclass(frozen=True)
class SpotRowProblem:
    line: int  # line in the file (1 is the header)
    code: str
    zone: str | None = None
    month: str | None = None


def check_zone(zone: str) -> str:
    normalized = zone.strip().upper()
    if not ZONE_PATTERN.match(normalized):
        raise ValidationFailed("Unknown bidding zone.", code="spot_zone_invalid")
    return normalized


def check_month(month: str) -> str:
    normalized = month.strip()
    if not MONTH_PATTERN.match(normalized):
        raise ValidationFailed("The month must be written YYYY-MM.", code="spot_month_invalid")
    return normalized


def check_year(year: int) -> int:
    if not 2000 <= year <= 2099:
        raise ValidationFailed("The year must be between 2000 and 2099.", code="spot_year_invalid")
    return year


def parse_price(text: str) -> Decimal:
    """A price per kWh from text: ``0.8512`` or ``0,8512``; no thousands separators."""
    cleaned = text.strip().replace(",", ".")
    if not re.fullmatch(r"-?[0-9]{1,6}(\.[0-9]+)?", cleaned):  # ASCII digits only, as the API documents
        raise ValidationFailed("The price must be a decimal number.", code="spot_price_invalid")
    try:
        price = Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only decimal digits
        raise ValidationFailed("The price must be a decimal number.", code="spot_price_invalid") from error
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise ValidationFailed(
            "The price has too many decimals.", code="spot_price_decimals", params={"decimals": str(MAX_DECIMALS)}
        )
    if not Decimal(0) < price < MAX_PRICE_PER_KWH:
        raise ValidationFailed(
            "The price per kWh must be above 0 and below the maximum.",
            code="spot_price_out_of_range",
            params={"maximum": str(MAX_PRICE_PER_KWH)},
        )
    return price


def spot_price(zone: str, month: str, price: str) -> SpotPrice:
    """A checked spot price, or ValidationFailed with the first problem's code."""
    return SpotPrice(check_zone(zone), check_month(month), parse_price(price))


@dataclass
class SpotFile:
    prices: list[tuple[int, SpotPrice]]  # (line, price) of the good rows, in file order
    problems: list[SpotRowProblem]
    duplicates: int  # rows repeating an earlier row of the file with the same price


def _delimiter(header: str) -> str:
    return ";" if ";" in header else ","


def read_spot_file(body: bytes) -> SpotFile:
    """Parse a CSV of ``zone;month;price_per_kwh`` (or comma-separated).

    Raises ValueError with a code as its message when the file as a whole cannot
    be read; a bad row becomes a problem with its line and the others still count.
    """
    if len(body) > MAX_FILE_BYTES:
        raise ValueError("spot_file_too_large")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError("spot_file_unreadable") from error
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValueError("spot_file_header")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    header = [cell.strip().lower() for cell in next(reader)]
    if sorted(header) != sorted(COLUMNS):
        raise ValueError("spot_file_header")
    index = {name: header.index(name) for name in COLUMNS}
    prices: list[tuple[int, SpotPrice]] = []
    problems: list[SpotRowProblem] = []
    seen: dict[tuple[str, str], Decimal] = {}
    duplicates = 0
    rows = 0
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise ValueError("spot_file_too_large")
        if len(cells) != len(COLUMNS):
            problems.append(SpotRowProblem(line, "spot_row_columns"))
            continue
        zone_text, month_text = cells[index["zone"]].strip(), cells[index["month"]].strip()
        try:
            price = spot_price(zone_text, month_text, cells[index["price_per_kwh"]])
        except ValidationFailed as error:
            problems.append(SpotRowProblem(line, error.code, zone_text or None, month_text or None))
            continue
        earlier = seen.get((price.zone, price.month))
        if earlier is not None:
            if earlier == price.price_per_kwh:
                duplicates += 1
            else:
                problems.append(SpotRowProblem(line, "spot_row_conflict", price.zone, price.month))
            continue
        seen[(price.zone, price.month)] = price.price_per_kwh
        prices.append((line, price))
    return SpotFile(prices, problems, duplicates)
