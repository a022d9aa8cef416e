"""Trial settlement (prøveavregning) through the invoices API on moto:
the same pricing as the real bill, and nothing stored."""

from __future__ import annotations

from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import DynamoTable
from heatportal.domain.model import BillingPeriod
from infra.local.lambdas import cold_start
from tests.dates import local_today

from .conftest import body

WRITES = {"put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items"}


@pytest.fixture
def operations(monkeypatch) -> list[str]:
    seen: list[str] = []
    original = DynamoTable.call

    def counting(self, operation, **kwargs):
        seen.append(operation)
        return original(self, operation, **kwargs)

    monkeypatch.setattr(DynamoTable, "call", counting)
    return seen


@pytest.fixture
def spot(repo) -> None:
    today = local_today()
    last = BillingPeriod(year=today.year, month=today.month).previous()
    repo.put_spot_price("NO1", last.key, Decimal("0.6120"))
    repo.put_spot_price("NO1", last.previous().key, Decimal("0.6120"))
    # A container that starts after the import: a warm one prices trials with the averages it read less
    # than a minute ago (services.billing.reads.SPOT_KEPT_FOR), perhaps before another test loaded these.
    cold_start()


def test_trial_with_an_entered_reading_prices_like_the_bill_and_stores_nothing(http, repo, seed, spot, operations):
    person = seed()
    path = f"/api/customers/{person.customer.number}/trial-settlement"
    today = local_today()
    period = BillingPeriod(year=today.year, month=today.month)

    latest = http.get(path, headers=person.auth)
    assert latest.status_code == 200, latest.text
    start = Decimal(body(latest)["meters"][0]["start_value"])
    entered = start + 750
    before_invoices = repo.list_invoices(person.customer.number)
    del operations[:]

    resp = http.post(
        path, json={"readings": [{"meter": person.meter.number, "value": str(entered)}]}, headers=person.auth
    )
    assert resp.status_code == 200, resp.text
    trial = body(resp)
    assert not WRITES & set(operations), operations
    assert trial["stored"] is False
    assert trial["period"] == period.key
    [meter] = trial["meters"]
    assert meter["entered"] is True
    assert Decimal(meter["end_value"]) == entered
    assert Decimal(meter["quantity"]) == Decimal(750)
    energy = next(line for line in trial["lines"] if line["component"] == "spot_energy")
    assert Decimal(energy["quantity"]) == Decimal(750)
    # The Norwegian consumer list includes VAT: the lines add up to the total.
    assert sum(Decimal(line["amount"]) for line in trial["lines"]) == Decimal(trial["total"])
    assert Decimal(trial["total"]) == Decimal(trial["net_total"]) + Decimal(trial["vat_total"])
    assert energy["includes_vat"] is True and energy["notes"]  # the calculation in the customer's words

    # The same code as the real bill: the pricing service with the same end value.
    from heatportal.services.readings import RegisterValue

    priced, _values = composition.pricing_service().price(
        person.customer, period, {person.meter.number: RegisterValue(entered, False)}, 3
    )
    assert Decimal(trial["total"]) == priced.total
    assert repo.list_invoices(person.customer.number) == before_invoices
    assert repo.latest_reading(person.meter.number).value != entered


def test_trial_refuses_a_foreign_meter_a_too_low_reading_and_a_stranger(http, seed, spot):
    person = seed()
    stranger = seed()
    path = f"/api/customers/{person.customer.number}/trial-settlement"

    foreign = http.post(path, json={"readings": [{"meter": stranger.meter.number, "value": "1"}]}, headers=person.auth)
    assert foreign.status_code == 404
    assert body(foreign)["code"] == "trial_meter_unknown"

    low = http.post(
        path,
        json={"readings": [{"meter": person.meter.number, "value": "1"}]},
        headers={**person.auth, "Accept-Language": "nb"},
    )
    assert low.status_code == 422
    assert body(low)["code"] == "trial_reading_too_low"
    assert "lavere" in body(low)["message"]

    decimals = http.post(
        path, json={"readings": [{"meter": person.meter.number, "value": "99999.5"}]}, headers=person.auth
    )
    assert body(decimals)["code"] == "trial_reading_invalid"
    assert http.get(path, headers=stranger.auth).status_code == 403
