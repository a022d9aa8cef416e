"""Consumption views over the local API gateway, and the DynamoDB requests each makes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo_readings import DynamoReadingsStore
from heatportal.domain.model import DailyConsumption, Role
from tests.integration.conftest import body


def with_daily_data(repo, seeded, first: date, days: int, per_day: str = "50") -> None:
    store = DynamoReadingsStore(repo.table)
    store.put_daily(
        [
            DailyConsumption(
                meter_number=seeded.meter.number,
                day=first + timedelta(days=i),
                quantity=Decimal(per_day),
                mean_outdoor_temp=Decimal("2.0"),
            )
            for i in range(days)
        ]
    )


def url(seeded, query: str) -> str:
    return f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/consumption?{query}"


@pytest.mark.parametrize(
    ("query", "requests"),
    [
        # Each also reads the caller's sign-out record (one GetItem on every signed-in request).
        # the customer's record Query (membership and meter in one) + one Query of MONTH# items covering both years
        ("view=year&year=2024", 3),
        # record Query + Query of the month's DAY# items + GetItem of last year's MONTH#
        ("view=month&year=2024&month=2", 4),
        # record Query + one Query of every MONTH# item + one Query of the READ# items (what the
        # register counted since installation)
        ("view=total", 4),
    ],
)
def test_each_view_makes_a_fixed_number_of_dynamodb_requests(http, repo, seed, query, requests):
    seeded = seed()
    with_daily_data(repo, seeded, date(2023, 1, 1), 500)
    table = composition.repository().table
    before = table.requests
    resp = http.get(url(seeded, query), headers=seeded.auth)
    assert resp.status_code == 200, resp.text
    assert table.requests - before == requests


def test_year_view_in_megawatt_hours(http, repo, seed):
    seeded = seed()
    with_daily_data(repo, seeded, date(2023, 1, 1), 500)
    resp = http.get(url(seeded, "view=year&year=2024&unit=MWh"), headers=seeded.auth)
    data = body(resp)
    assert data["unit"] == "MWh"
    assert data["bars"][0] == {
        "key": "2024-01",
        "quantity": "1.550",
        "previous": "1.550",
        "degree_days": "465.0",
        "normalised": data["bars"][0]["normalised"],
        "previous_normalised": data["bars"][0]["previous_normalised"],
        "volume_m3": None,  # the seeded meter has no volume register
        "partial": False,
    }
    assert Decimal(data["total"]) == Decimal("50") * (500 - 365) / 1000


def test_month_view_by_day(http, repo, seed):
    seeded = seed()
    with_daily_data(repo, seeded, date(2024, 2, 1), 29, per_day="12.5")
    data = body(http.get(url(seeded, "view=month&year=2024&month=2&unit=kWh"), headers=seeded.auth))
    assert len(data["bars"]) == 29
    assert data["total"] == "362.5"
    assert data["previous_total"] is None


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("view=week", 422, "validation_failed"),
        ("view=month&month=13", 422, "validation_failed"),
        ("view=year&unit=m3", 422, "consumption_unit_invalid"),
        ("view=year&unit=BTU", 422, "validation_failed"),
    ],
)
def test_bad_queries_are_refused_with_a_code(http, seed, query, status, code):
    seeded = seed()
    resp = http.get(url(seeded, query), headers={**seeded.auth, "Accept-Language": "nb"})
    assert resp.status_code == status
    assert body(resp)["code"] == code
    assert body(resp)["message"]


def test_another_customers_meter_is_not_visible(http, seed):
    mine, theirs = seed(), seed(role=Role.READ)
    resp = http.get(
        f"/api/customers/{theirs.customer.number}/meters/{theirs.meter.number}/consumption", headers=mine.auth
    )
    assert resp.status_code == 403
    resp = http.get(
        f"/api/customers/{mine.customer.number}/meters/{theirs.meter.number}/consumption", headers=mine.auth
    )
    assert resp.status_code == 404
    assert body(resp)["code"] == "meter_not_found"


def test_a_meter_read_by_hand_shows_its_months_in_one_more_query(http, seed):
    seeded = seed(monthly_kwh=1200)  # monthly readings on the 1st, no daily data
    table = composition.repository().table
    before = table.requests
    resp = http.get(url(seeded, "view=total"), headers=seeded.auth)
    # sign-out record GetItem + the customer's record Query + MONTH# Query (empty) + READ# Query
    # (read once: for the months and for what the register counted)
    assert table.requests - before == 4
    data = body(resp)
    # The total is what the register counted from its start value to the last reading (six
    # readings of 1 200 kWh each); the months charted are the five between the readings.
    assert Decimal(data["total"]) == Decimal(1200 * 6)
    assert sum(Decimal(b["quantity"]) for b in data["bars"]) == Decimal(1200 * 5)
    assert Decimal(data["earlier"]) == Decimal(1200) and data["counted_until"]  # said, not hidden
