"""Spot prices per bidding zone and month: the checks shared by the staff route
and the CSV import, the file reader's row-by-row report, and the service's
staff rule and idempotency, against an in-memory store."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.spot_prices import MAX_PRICE_PER_KWH, SpotPrice, parse_price, read_spot_file, spot_price
from heatportal.services.access import Principal
from heatportal.services.spot_prices import SpotPriceService
from tests.fakes.spot_prices import InMemorySpotPriceStore

STAFF = Principal("staff-1", "kundeservice@example.com", frozenset({"staff"}))
CUSTOMER = Principal("user-1", "kari@example.com")


def code_of(zone: str, month: str, price: str) -> str:
    with pytest.raises(ValidationFailed) as raised:
        spot_price(zone, month, price)
    return raised.value.code


# --- the checks ------------------------------------------------------------------


def test_a_price_with_decimal_point_or_comma_is_the_same_decimal():
    assert spot_price("NO1", "2024-01", "0.8512") == SpotPrice("NO1", "2024-01", Decimal("0.8512"))
    assert spot_price(" no1 ", "2024-01", " 0,8512 ").price_per_kwh == Decimal("0.8512")
    assert isinstance(parse_price("1"), Decimal)


@pytest.mark.parametrize(
    ("zone", "month", "price", "code"),
    [
        ("NO6", "2024-01", "0.5", "spot_zone_invalid"),
        ("SE5", "2024-01", "0.5", "spot_zone_invalid"),
        ("", "2024-01", "0.5", "spot_zone_invalid"),
        ("NO1", "2024-13", "0.5", "spot_month_invalid"),
        ("NO1", "2024-1", "0.5", "spot_month_invalid"),
        ("NO1", "24-01", "0.5", "spot_month_invalid"),
        ("NO1", "2024-01-01", "0.5", "spot_month_invalid"),
        ("NO1", "2024-01", "abc", "spot_price_invalid"),
        ("NO1", "2024-01", "-0.5", "spot_price_out_of_range"),
        ("NO1", "2024-01", "1e3", "spot_price_invalid"),
        ("NO1", "2024-01", "NaN", "spot_price_invalid"),
        ("NO1", "2024-01", "Infinity", "spot_price_invalid"),
        ("NO1", "2024-01", "1.000,5", "spot_price_invalid"),
        ("NO1", "2024-01", "", "spot_price_invalid"),
        ("NO1", "2024-01", "0", "spot_price_out_of_range"),
        ("NO1", "2024-01", "0.000", "spot_price_out_of_range"),
        ("NO1", "2024-01", "20", "spot_price_out_of_range"),
        ("NO1", "2024-01", "851.2", "spot_price_out_of_range"),  # a price per MWh typed by mistake
        ("NO1", "2024-01", "0.1234567", "spot_price_decimals"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(zone, month, price, code):
    assert code_of(zone, month, price) == code


def test_the_out_of_range_message_names_the_maximum():
    with pytest.raises(ValidationFailed) as raised:
        parse_price("25")
    assert raised.value.params == {"maximum": str(MAX_PRICE_PER_KWH)}


@given(st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("19.999999"), places=6))
def test_every_sane_price_survives_both_decimal_marks(price):
    assert parse_price(str(price)) == price
    assert parse_price(str(price).replace(".", ",")) == price


# --- the file ----------------------------------------------------------------------


def test_a_semicolon_file_with_decimal_commas_is_read_and_bad_rows_have_their_line():
    text = (
        "\ufeffzone;month;price_per_kwh\n"
        "NO1;2024-01;0,8512\n"
        "\n"
        "NO1;2024-02;lots\n"
        "NO9;2024-03;0,5\n"
        "NO1;2024-03\n"
        "NO2;2024-01;0,9100\n"
        "NO1;2024-01;0,85120\n"  # the same price again: a duplicate, not a problem
        "NO1;2024-01;0,90\n"  # a different price for the same month: refused
    )
    parsed = read_spot_file(text.encode("utf-8"))
    assert [(line, p.zone, p.month, p.price_per_kwh) for line, p in parsed.prices] == [
        (2, "NO1", "2024-01", Decimal("0.8512")),
        (7, "NO2", "2024-01", Decimal("0.9100")),
    ]
    assert [(p.line, p.code) for p in parsed.problems] == [
        (4, "spot_price_invalid"),
        (5, "spot_zone_invalid"),
        (6, "spot_row_columns"),
        (9, "spot_row_conflict"),
    ]
    assert parsed.duplicates == 1


def test_a_comma_file_in_any_column_order_with_a_quoted_decimal_comma():
    text = 'month,price_per_kwh,zone\n2024-05,"0,4200",SE3\n2024-06,0.3900,se3\n'
    parsed = read_spot_file(text.encode())
    assert [p for _line, p in parsed.prices] == [
        SpotPrice("SE3", "2024-05", Decimal("0.4200")),
        SpotPrice("SE3", "2024-06", Decimal("0.3900")),
    ]
    assert parsed.problems == []


def test_an_unquoted_decimal_comma_in_a_comma_file_is_a_column_problem_not_a_wrong_price():
    parsed = read_spot_file(b"zone,month,price_per_kwh\nNO1,2024-01,0,85\n")
    assert parsed.prices == [] and [(p.line, p.code) for p in parsed.problems] == [(2, "spot_row_columns")]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "spot_file_header"),
        (b"NO1;2024-01;0,85\n", "spot_file_header"),
        (b"zone;month;price\nNO1;2024-01;0,85\n", "spot_file_header"),
        (b"zone;month;price_per_kwh\nNO1;2024-01;0,85\xff\n", "spot_file_unreadable"),
        (b"zone;month;price_per_kwh\n" + b"NO1;2024-01;0,85\n" * 70_000, "spot_file_too_large"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_raises_its_code(body, error):
    with pytest.raises(ValueError, match=f"^{error}$"):
        read_spot_file(body)


# --- the service ---------------------------------------------------------------


def test_only_staff_set_or_list_prices_and_nothing_is_read_or_written_for_others():
    store = InMemorySpotPriceStore()
    service = SpotPriceService(store)
    for call in (
        lambda: service.set_price(CUSTOMER, "NO1", "2024-01", "0.85"),
        lambda: service.year(CUSTOMER, "NO1", 2024),
    ):
        with pytest.raises(Forbidden) as raised:
            call()
        assert raised.value.code == "spot_staff_only"
    assert (store.gets, store.queries, store.puts) == (0, 0, 0)


def test_staff_set_a_price_once_a_retry_changes_nothing_and_a_correction_replaces_it():
    store = InMemorySpotPriceStore()
    service = SpotPriceService(store)
    assert service.set_price(STAFF, "no1", "2024-01", "0,8512") == (
        SpotPrice("NO1", "2024-01", Decimal("0.8512")),
        "created",
    )
    assert service.set_price(STAFF, "NO1", "2024-01", "0.85120")[1] == "unchanged"
    assert store.puts == 1
    assert service.set_price(STAFF, "NO1", "2024-01", "0.9")[1] == "corrected"
    assert store.prices == {("NO1", "2024-01"): Decimal("0.9")}


def test_a_refused_price_stores_nothing():
    store = InMemorySpotPriceStore()
    with pytest.raises(ValidationFailed):
        SpotPriceService(store).set_price(STAFF, "NO1", "2024-01", "851.2")
    assert store.prices == {} and store.puts == 0


def test_a_year_is_listed_by_month_with_one_query():
    store = InMemorySpotPriceStore()
    store.prices = {
        ("NO1", "2024-02"): Decimal("0.7"),
        ("NO1", "2024-01"): Decimal("0.8"),
        ("NO1", "2023-12"): Decimal("0.9"),
        ("NO2", "2024-01"): Decimal("1.1"),
    }
    listed = SpotPriceService(store).year(STAFF, "no1", 2024)
    assert [(p.month, p.price_per_kwh) for p in listed] == [("2024-01", Decimal("0.8")), ("2024-02", Decimal("0.7"))]
    assert store.queries == 1
    with pytest.raises(ValidationFailed) as raised:
        SpotPriceService(store).year(STAFF, "NO1", 1999)
    assert raised.value.code == "spot_year_invalid"


FILE = (
    "zone;month;price_per_kwh\n"
    "NO1;2023-11;0,6100\n"
    "NO1;2023-12;0,7000\n"
    "NO1;2024-01;0,8512\n"
    "SE3;2024-01;0,5000\n"
    "NO1;2024-02;-1\n"
)


def test_an_import_stores_good_rows_reports_bad_ones_and_a_second_import_changes_nothing():
    store = InMemorySpotPriceStore()
    service = SpotPriceService(store)
    first = service.import_file("spot-prices/2024.csv", FILE.encode())
    assert (first.rows, first.stored, first.corrected, first.unchanged, first.error) == (5, 4, 0, 0, None)
    assert [(p.line, p.code, p.zone, p.month) for p in first.problems] == [
        (6, "spot_price_out_of_range", "NO1", "2024-02")
    ]
    # One Query per zone and year (NO1 2023, NO1 2024, SE3 2024), never a read per row.
    assert (store.queries, store.gets) == (3, 0)
    assert store.prices[("NO1", "2024-01")] == Decimal("0.8512")

    assert (store.puts, store.batches) == (4, 1)

    again = service.import_file("spot-prices/2024.csv", FILE.encode())
    assert (again.stored, again.unchanged) == (0, 4)
    assert (store.puts, store.batches) == (4, 1)

    fixed = service.import_file("spot-prices/fix.csv", b"zone;month;price_per_kwh\nNO1;2024-01;0,8600\n")
    assert (fixed.stored, fixed.corrected) == (1, 1)
    assert store.prices[("NO1", "2024-01")] == Decimal("0.8600")


@pytest.mark.parametrize(
    ("key", "body", "error"),
    [
        ("spot-prices/2024.xlsx", FILE.encode(), "spot_file_format"),
        ("spot-prices/2024.csv", b"no header here\n", "spot_file_header"),
    ],
)
def test_an_unreadable_file_is_reported_and_stores_nothing(key, body, error):
    store = InMemorySpotPriceStore()
    report = SpotPriceService(store).import_file(key, body)
    assert (report.error, report.stored, store.puts) == (error, 0, 0)
