"""Register rollover over the local API gateway: the real handler, Cognito tokens, moto."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.adapters.dynamo import meter_item, reading_item
from tests.dates import local_today
from tests.integration.conftest import body

# The seeded history (1500 kWh a month) moved up by this much ends at 99000.
SHIFT = Decimal(80000)


@pytest.fixture
def near_the_top(seed, repo):
    """A customer whose five-digit register (wraps after 99999) read 99000 on the 1st of last month."""
    seeded = seed()
    meter = seeded.meter.model_copy(update={"register_digits": 5, "start_value": seeded.meter.start_value + SHIFT})
    history = repo.list_readings(meter.number, date(2020, 1, 1), local_today())
    repo.table.batch_put(
        [meter_item(meter), *[reading_item(r.model_copy(update={"value": r.value + SHIFT})) for r in history]]
    )
    assert repo.latest_reading(meter.number).value == Decimal(99000)
    seeded.meter = meter
    return seeded


def url_of(seeded) -> str:
    return f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"


def test_a_reading_past_the_top_of_the_register_is_stored_as_a_rollover(http, repo, near_the_top):
    today = local_today()
    # When 400 is read: 400 + 100000 - 99000 = 1400 kWh since the previous reading
    first = http.post(
        url_of(near_the_top), json={"value": "400", "read_on": today.isoformat()}, headers=near_the_top.auth
    )
    retry = http.post(
        url_of(near_the_top), json={"value": "400", "read_on": today.isoformat()}, headers=near_the_top.auth
    )
    assert (first.status_code, retry.status_code) == (201, 201), first.text
    assert body(first)["consumption_since_previous"] == "1400"
    # Then it is stored once, marked as a rollover
    stored = repo.list_readings(near_the_top.meter.number, today, today)
    assert [(r.value, r.rollover) for r in stored] == [(Decimal(400), True)]


@pytest.mark.parametrize(
    ("value", "code", "german"),
    [
        ("48000", "reading_implausible", "unplausiblen Verbrauch"),
        ("50000", "reading_below_previous", "niedriger"),  # more than half the register: a typo
        ("100000", "reading_exceeds_register", "Zählwerk"),
    ],
)
def test_an_implausible_wrap_or_a_value_beyond_the_register_is_refused(http, repo, near_the_top, value, code, german):
    today = local_today()
    resp = http.post(
        url_of(near_the_top),
        json={"value": value, "read_on": today.isoformat()},
        headers={**near_the_top.auth, "Accept-Language": "de"},
    )
    assert resp.status_code == 422
    assert body(resp)["code"] == code
    assert german in body(resp)["message"]
    assert repo.list_readings(near_the_top.meter.number, today, today) == []
