"""Spot prices loaded by customer service through the staff route and from CSV
files put in S3 under spot-prices/, then used by billing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.domain.model import BillingPeriod
from heatportal.domain.tariff import MissingPrice
from heatportal.i18n import translate
from infra.local.lambdas import invoke
from infra.local.resources import clients

from .conftest import body, staff_headers

STAFF_EMAIL = "kundeservice-spot@example.com"


@pytest.fixture(scope="module")
def staff_auth(stack, http) -> dict[str, str]:
    return staff_headers(stack, http, STAFF_EMAIL)


def put_file(stack, key: str, text: str) -> None:
    clients(stack.resources.endpoint)["s3"].put_object(Bucket=stack.resources.bucket_name, Key=key, Body=text.encode())


def report_of(stack, key: str) -> dict:
    s3 = clients(stack.resources.endpoint)["s3"]
    return json.loads(
        s3.get_object(Bucket=stack.resources.bucket_name, Key=f"import-reports/{key}.json")["Body"].read()
    )


def test_staff_put_a_price_a_retry_changes_nothing_and_the_year_lists_it(http, repo, staff_auth):
    first = http.put("/api/spot-prices/NO3/2021-02", json={"price_per_kwh": "0.8512"}, headers=staff_auth)
    assert first.status_code == 200, first.text
    assert body(first) == {"zone": "NO3", "month": "2021-02", "price_per_kwh": "0.8512", "outcome": "created"}
    again = body(http.put("/api/spot-prices/no3/2021-02", json={"price_per_kwh": "0,85120"}, headers=staff_auth))
    assert again["outcome"] == "unchanged"
    fixed = body(http.put("/api/spot-prices/NO3/2021-01", json={"price_per_kwh": "0,6"}, headers=staff_auth))
    assert fixed["outcome"] == "created"
    assert repo.spot_price("NO3", "2021-02") == Decimal("0.8512")  # the item billing reads

    table = composition.repository().table  # the handlers run in this process and share it
    before = table.requests
    listed = http.get("/api/spot-prices/NO3?year=2021", headers=staff_auth)
    # the caller's sign-out record (GetItem) + one Query on SPOT#NO3, whatever the number of months
    assert table.requests - before == 2
    assert listed.status_code == 200
    assert [(p["month"], p["price_per_kwh"]) for p in body(listed)] == [("2021-01", "0.6"), ("2021-02", "0.8512")]
    assert body(http.get("/api/spot-prices/NO3?year=2020", headers=staff_auth)) == []


@pytest.mark.parametrize(
    ("path", "price", "code"),
    [
        ("/api/spot-prices/NO3/2021-13", "0.5", "spot_month_invalid"),
        ("/api/spot-prices/NO3/march", "0.5", "spot_month_invalid"),
        ("/api/spot-prices/NO9/2021-03", "0.5", "spot_zone_invalid"),
        ("/api/spot-prices/NO3/2021-03", "0", "spot_price_out_of_range"),
        ("/api/spot-prices/NO3/2021-03", "851.20", "spot_price_out_of_range"),
        ("/api/spot-prices/NO3/2021-03", "cheap", "spot_price_invalid"),
        ("/api/spot-prices/NO3/2021-03", "0.12345678", "spot_price_decimals"),
    ],
)
def test_bad_input_is_422_with_a_code_and_a_translated_message_and_nothing_is_stored(
    http, repo, staff_auth, path, price, code
):
    resp = http.put(path, json={"price_per_kwh": price}, headers={**staff_auth, "Accept-Language": "nb"})
    assert resp.status_code == 422
    assert body(resp)["code"] == code
    # The Norwegian text of the code, with the maximum filled in; never the English fallback.
    expected = translate(f"error.{code}", "nb", maximum="20", decimals="6")
    assert body(resp)["message"] == expected and "{" not in expected
    assert repo.spot_price("NO3", "2021-03") is None and repo.spot_price("NO9", "2021-03") is None


def test_a_missing_or_malformed_body_or_year_is_422(http, staff_auth):
    assert http.put("/api/spot-prices/NO3/2021-03", json={}, headers=staff_auth).status_code == 422
    assert http.put("/api/spot-prices/NO3/2021-03", json={"price_per_kwh": 0.5}, headers=staff_auth).status_code == 422
    assert http.get("/api/spot-prices/NO3", headers=staff_auth).status_code == 422
    assert http.get("/api/spot-prices/NO3?year=1999", headers=staff_auth).status_code == 422


def test_a_customer_is_refused_and_an_anonymous_caller_must_log_in(http, repo, seed):
    customer = seed()
    refused = http.put("/api/spot-prices/NO4/2021-03", json={"price_per_kwh": "0.5"}, headers=customer.auth)
    assert refused.status_code == 403 and body(refused)["code"] == "spot_staff_only"
    assert http.get("/api/spot-prices/NO4?year=2021", headers=customer.auth).status_code == 403
    assert http.put("/api/spot-prices/NO4/2021-03", json={"price_per_kwh": "0.5"}).status_code == 401
    assert http.get("/api/spot-prices/NO4?year=2021").status_code == 401
    assert repo.spot_price("NO4", "2021-03") is None


def test_a_file_in_s3_loads_prices_that_billing_then_uses_and_a_second_import_changes_nothing(stack, http, seed):
    seeded = seed(readings_until=date(2023, 6, 1), months=6)
    period = BillingPeriod(year=2023, month=3)
    pricing = composition.pricing_service()
    with pytest.raises(MissingPrice):
        pricing.price(seeded.customer, period)

    key = "spot-prices/no1-2023.csv"
    put_file(
        stack,
        key,
        "zone;month;price_per_kwh\nNO1;2023-02;0,5500\nNO1;2023-03;0,6000\nNO1;2023-04;lots\nNO7;2023-03;0,5\n",
    )
    summary = body(http.post(f"/_local/jobs/spot-prices?key={key}"))
    assert (summary["rows"], summary["stored"], summary["rejected"], summary["error"]) == (4, 2, 2, None)
    assert [(p["line"], p["code"]) for p in report_of(stack, key)["problems"]] == [
        (4, "spot_price_invalid"),
        (5, "spot_zone_invalid"),
    ]

    priced, _values = pricing.price(seeded.customer, period)
    line = next(line for line in priced.lines if line.component == "spot_energy")
    # The spot-indexed rule by hand, incl. VAT: (spot 0.6000 x 1.25 = 0.7500 + transfer 0.4801 for 2023)
    # less 10 % = 1.10709, rounded to 1.1071, below the cap 1.5922.
    assert line.unit_price == Decimal("1.1071")
    assert line.quantity == Decimal(1500)

    # The S3 event EventBridge delivers on AWS, with the same file: nothing new.
    event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": stack.resources.bucket_name}, "object": {"key": key}},
    }
    table = composition.repository().table
    before = table.requests
    again = invoke("NotificationsFunction", event)
    assert table.requests - before == 1  # one Query for NO1 2023; nothing written
    assert (again["stored"], again["unchanged"], again["rejected"]) == (0, 2, 2)

    # A correction file replaces the month's price and billing follows it.
    fix = "spot-prices/no1-2023-03-fix.csv"
    put_file(stack, fix, "zone,month,price_per_kwh\nNO1,2023-03,0.9000\n")
    assert body(http.post(f"/_local/jobs/spot-prices?key={fix}"))["corrected"] == 1
    line = next(line for line in pricing.price(seeded.customer, period)[0].lines if line.component == "spot_energy")
    # (0.9000 x 1.25 = 1.1250 + 0.4801) x 0.9 = 1.44459 -> 1.4446
    assert line.unit_price == Decimal("1.4446")


def test_an_unreadable_spot_file_is_reported_and_a_key_outside_the_prefix_is_refused(stack, http):
    key = "spot-prices/prices.xlsx"
    put_file(stack, key, "not a csv")
    summary = body(http.post(f"/_local/jobs/spot-prices?key={key}"))
    assert summary["error"] == "spot_file_format" and summary["stored"] == 0
    assert report_of(stack, key)["error"] == "spot_file_format"
    with pytest.raises(Exception, match="spot-prices/"):
        invoke("NotificationsFunction", {"job": "spot-prices", "key": "imports/other.csv"})
