"""Meter lifecycle by customer service over the local gateway:
``POST /api/customers/{c}/meters`` adds a meter to one of the customer's
facilities, ``POST /api/customers/{c}/meters/{m}/replacement`` replaces one
(the old meter removed with its final reading, the new one starting at its own
value) in one transaction. Every rejection answers with its code and stores
nothing; a retry answers as the first call did; billing the month of the
replacement counts both meters. In the portal, staff get the forms and the
customer sees the removed meter with its date next to the new one."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo_meter_lifecycle import DynamoMeterLifecycleStore
from heatportal.adapters.dynamo_meter_settings import DynamoMeterSettingsStore
from heatportal.domain.meter_settings import MeterSettingsChange
from heatportal.domain.model import BillingPeriod, MeterKind, Reading, ReadingSource
from heatportal.domain.money import EnergyUnit
from heatportal.services.access import Principal
from tests.dates import local_today
from tests.integration.conftest import bearer, body, create_user
from tests.integration.test_readings_portal import csrf_of, signed_in_browser


@pytest.fixture(scope="module")
def staff_email(stack) -> str:
    email = f"maalerbytte-{secrets.token_hex(4)}@example.com"
    create_user(stack, email, staff=True)
    return email


@pytest.fixture(scope="module")
def staff(http, staff_email) -> dict[str, str]:
    return {**bearer(http, staff_email), "Accept-Language": "nb"}


def fresh_number(prefix: str = "N") -> str:
    return f"{prefix}{secrets.token_hex(5).upper()}"


def last_month_day(day: int) -> date:
    return (local_today().replace(day=1) - timedelta(days=1)).replace(day=day)


def new_meter_body(seeded, **changes) -> dict:
    payload = {
        "number": fresh_number(),
        "facility_id": seeded.meter.facility_id,
        "kind": "hot_water",
        "unit": "m3",
        "decimals": 3,
        "installed_on": last_month_day(5).isoformat(),
        "start_value": "0.125",
    }
    payload.update(changes)
    return payload


def replacement_body(**changes) -> dict:
    # The seeded heat meter's newest reading: 19000 kWh on the 1st of last month.
    payload = {
        "on": last_month_day(10).isoformat(),
        "final_value": "19400",
        "new_number": fresh_number("R"),
        "new_start_value": "5",
        "reason": "Defekt regneverk",
    }
    payload.update(changes)
    return payload


def meters_url(seeded) -> str:
    return f"/api/customers/{seeded.customer.number}/meters"


def replacement_url(seeded) -> str:
    return f"{meters_url(seeded)}/{seeded.meter.number}/replacement"


def stored(number: str):
    return composition.repository().find_meter(number)


def readings_of(number: str):
    return composition.repository().list_readings(number, date(2000, 1, 1), local_today())


def history_of(number: str):
    return DynamoMeterSettingsStore(composition.repository().table).meter_settings_history(number)


# --- a new meter ------------------------------------------------------------------------


def test_staff_add_a_meter_and_a_retry_returns_the_same_meter(http, seed, staff):
    seeded = seed()
    payload = new_meter_body(seeded)
    created = http.post(meters_url(seeded), json=payload, headers=staff)
    assert created.status_code == 201, created.text
    out = body(created)
    assert (out["number"], out["kind"], out["unit"], Decimal(out["start_value"])) == (
        payload["number"],
        "hot_water",
        "m3",
        Decimal("0.125"),
    )
    # The customer sees it in the meter list, with its installation reading
    listed = {m["number"]: m for m in body(http.get(meters_url(seeded), headers=seeded.auth))}
    assert Decimal(listed[payload["number"]]["last_reading"]["value"]) == Decimal("0.125")

    again = http.post(meters_url(seeded), json=payload, headers=staff)
    assert again.status_code == 200, again.text
    assert body(again) == out
    assert len(readings_of(payload["number"])) == 1


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"facility_id": "F-NOT-THEIRS"}, 422, "facility_unknown"),
        ({"unit": "kWh"}, 422, "meter_unit_invalid"),
        ({"kind": "electricity", "unit": "GJ"}, 422, "meter_unit_invalid"),
        ({"installed_on": (local_today() + timedelta(days=1)).isoformat()}, 422, "meter_installed_in_future"),
        ({"start_value": "0.1255"}, 422, "meter_start_value_invalid"),
        ({"number": "måler 1"}, 422, "meter_number_invalid"),
    ],
)
def test_a_meter_that_cannot_be_added_is_refused_with_its_code(http, seed, staff, changes, status, code):
    seeded = seed()
    payload = new_meter_body(seeded, **changes)
    resp = http.post(meters_url(seeded), json=payload, headers=staff)
    assert resp.status_code == status, resp.text
    assert body(resp)["code"] == code
    assert body(resp)["message"] and body(resp)["message"] != code  # a translated text
    assert stored(payload["number"]) is None


def test_a_number_in_use_is_409_whoever_has_it(http, seed, staff):
    seeded, other = seed(), seed()
    payload = new_meter_body(seeded)
    assert http.post(meters_url(seeded), json=payload, headers=staff).status_code == 201
    different = http.post(meters_url(seeded), json={**payload, "start_value": "1"}, headers=staff)
    assert different.status_code == 409 and body(different)["code"] == "meter_number_taken"
    # Another customer's meter number (a seeded one, found by the GSI lookup)
    taken = http.post(meters_url(seeded), json=new_meter_body(seeded, number=other.meter.number), headers=staff)
    assert taken.status_code == 409 and body(taken)["code"] == "meter_number_taken"
    assert stored(other.meter.number).customer_number == other.customer.number
    assert Decimal(stored(payload["number"]).start_value) == Decimal("0.125")


def test_bad_bodies_are_422_not_500(http, seed, staff):
    seeded = seed()
    for changes in (
        {"kind": "gas"},
        {"unit": "liter"},
        {"decimals": 4},
        {"start_value": "-1"},
        {"start_value": "NaN"},
        {"registers": [{"name": "volume", "unit": "kWh", "decimals": 2}]},
        {"installed_on": "i går"},
    ):
        payload = new_meter_body(seeded, **changes)
        resp = http.post(meters_url(seeded), json=payload, headers=staff)
        assert resp.status_code == 422, (changes, resp.text)
        assert stored(payload["number"]) is None


def test_customers_cannot_add_meters(http, seed):
    seeded = seed()
    payload = new_meter_body(seeded)
    resp = http.post(meters_url(seeded), json=payload, headers={**seeded.auth, "Accept-Language": "en"})
    assert resp.status_code == 403
    assert body(resp)["code"] == "meter_lifecycle_staff_only"
    assert body(resp)["message"] == "Only customer service can add or replace meters."
    assert stored(payload["number"]) is None


# --- a replacement ----------------------------------------------------------------------


def test_a_replacement_and_its_retry(http, seed, staff):
    seeded = seed()
    payload = replacement_body()
    resp = http.post(replacement_url(seeded), json=payload, headers=staff)
    assert resp.status_code == 201, resp.text
    out = body(resp)
    assert out["old"]["removed_on"] == payload["on"]
    assert (out["new"]["number"], out["new"]["installed_on"], Decimal(out["new"]["start_value"])) == (
        payload["new_number"],
        payload["on"],
        Decimal(5),
    )
    old, new = stored(seeded.meter.number), stored(payload["new_number"])
    assert old.removed_on == date.fromisoformat(payload["on"])
    assert (new.facility_id, new.kind, new.unit, new.decimals) == (old.facility_id, old.kind, old.unit, old.decimals)
    final = readings_of(old.number)[-1]
    assert (final.read_on.isoformat(), final.value, final.source.value) == (payload["on"], Decimal(19400), "staff")
    [note] = history_of(old.number)
    assert note.removed_on == old.removed_on and payload["new_number"] in note.reason

    again = http.post(replacement_url(seeded), json=payload, headers=staff)
    assert again.status_code == 200, again.text
    assert body(again) == out
    assert len(history_of(old.number)) == 1 and len(readings_of(new.number)) == 1

    other = http.post(replacement_url(seeded), json=replacement_body(), headers=staff)
    assert other.status_code == 409 and body(other)["code"] == "meter_already_removed"
    assert "allerede demontert" in body(other)["message"]


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"on": (local_today() + timedelta(days=1)).isoformat()}, 422, "reading_in_future"),
        ({"on": "2019-12-31"}, 422, "reading_outside_meter_life"),
        # Before the seeded reading of the 1st of last month
        ({"on": (last_month_day(1) - timedelta(days=3)).isoformat()}, 422, "reading_before_previous"),
        ({"final_value": "18000"}, 422, "reading_below_previous"),  # a register of unknown size
        ({"final_value": "19400.5"}, 422, "reading_too_many_decimals"),
        ({"new_start_value": "0.5"}, 422, "meter_start_value_invalid"),
        ({"reason": " "}, 422, "meter_settings_reason_required"),
    ],
)
def test_a_replacement_that_cannot_be_is_refused_and_nothing_stored(http, seed, staff, changes, status, code):
    seeded = seed()
    payload = replacement_body(**changes)
    before = readings_of(seeded.meter.number)
    resp = http.post(replacement_url(seeded), json=payload, headers=staff)
    assert resp.status_code == status, resp.text
    assert body(resp)["code"] == code
    assert stored(seeded.meter.number).removed_on is None
    assert stored(payload["new_number"]) is None
    assert readings_of(seeded.meter.number) == before and history_of(seeded.meter.number) == []


def test_a_new_number_in_use_is_409_and_nothing_stored(http, seed, staff):
    seeded, other = seed(), seed()
    resp = http.post(replacement_url(seeded), json=replacement_body(new_number=other.meter.number), headers=staff)
    assert resp.status_code == 409 and body(resp)["code"] == "meter_number_taken"
    assert stored(seeded.meter.number).removed_on is None
    assert stored(other.meter.number).customer_number == other.customer.number


def test_customers_cannot_replace_their_meter(http, seed):
    seeded = seed()
    resp = http.post(replacement_url(seeded), json=replacement_body(), headers=seeded.auth)
    assert resp.status_code == 403 and body(resp)["code"] == "meter_lifecycle_staff_only"
    assert stored(seeded.meter.number).removed_on is None


def test_billing_the_month_of_the_replacement_counts_both_meters(http, repo, seed, staff):
    # Given 19000 kWh on the 1st of last month, replaced on the 10th at 19400 by a meter starting at 5
    seeded = seed()
    payload = replacement_body()
    assert http.post(replacement_url(seeded), json=payload, headers=staff).status_code == 201
    # and the new meter read at 805 on the 1st of this month
    first_of_month = local_today().replace(day=1)
    new_url = f"{meters_url(seeded)}/{payload['new_number']}/readings"
    read = http.post(
        new_url, json={"value": "805", "read_on": first_of_month.isoformat(), "confirm": True}, headers=seeded.auth
    )
    assert read.status_code == 201, read.text
    # When last month is billed by the real billing service
    period = BillingPeriod(year=last_month_day(1).year, month=last_month_day(1).month)
    repo.put_spot_price("NO1", period.key, Decimal("0.7311"))
    invoice, _ = composition.bill_run().bill_account(
        seeded.customer.number, period, issued_on=period.end + timedelta(days=1)
    )
    # Then the old meter counts 19400 - 19000 and the new one 805 - 5
    values = {v.meter_number: v for v in invoice.meter_values}
    old, new = values[seeded.meter.number], values[payload["new_number"]]
    assert (old.start_value, old.end_value, old.quantity) == (Decimal(19000), Decimal(19400), Decimal(400))
    assert (new.start_value, new.end_value, new.quantity) == (Decimal(5), Decimal(805), Decimal(800))
    assert not (old.end_estimated or new.start_estimated or new.end_estimated)


# --- portal ------------------------------------------------------------------------------


def staff_browser_on(stack, staff_email: str, seeded):
    browser = signed_in_browser(stack, staff_email)
    page = browser.get("/accounts")
    resp = browser.post(
        "/accounts", data={"csrf": csrf_of(page.get_data(as_text=True)), "customer": seeded.customer.number}
    )
    assert resp.status_code == 303
    return browser


def test_staff_add_a_meter_on_the_meters_list(stack, seed, staff_email):
    seeded = seed()
    customer = signed_in_browser(stack, seeded.email)
    # The customer has one meter: straight to it, and no form anywhere
    assert customer.get("/meters").status_code == 303
    own = customer.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    assert 'id="meter-add"' not in own and 'id="meter-replacement"' not in own
    refused = customer.post("/meters", data={"csrf": csrf_of(own), "number": "X1"})
    assert refused.status_code == 403

    browser = staff_browser_on(stack, staff_email, seeded)
    page = browser.get("/meters", headers={"Accept-Language": "nb"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="meter-add"' in html and "Legg til måler" in html
    number = fresh_number()
    form = {
        "csrf": csrf_of(html),
        "number": number,
        "facility_id": seeded.meter.facility_id,
        "kind": "hot_water",
        "unit": "kWh",
        "decimals": "2",
        "register_digits": "",
        "installed_on": local_today().isoformat(),
        "start_value": "1,5",
    }
    wrong = browser.post("/meters", data=form, headers={"Accept-Language": "nb"})
    assert wrong.status_code == 422
    assert "Denne typen måler teller ikke i den enheten" in wrong.get_data(as_text=True)
    assert stored(number) is None
    unreadable = browser.post("/meters", data={**form, "unit": "m3", "start_value": "halvannen"})
    assert unreadable.status_code == 422 and stored(number) is None
    added = browser.post("/meters", data={**form, "unit": "m3"})
    assert added.status_code == 303 and added.headers["Location"].startswith(f"/meters/{number}")
    assert stored(number).start_value == Decimal("1.5")


def test_staff_replace_a_meter_and_the_customer_sees_both(stack, seed, staff_email):
    seeded = seed()
    browser = staff_browser_on(stack, staff_email, seeded)
    html = browser.get(f"/meters/{seeded.meter.number}", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert 'id="meter-replacement"' in html and "Bytt måler" in html
    new_number = fresh_number("R")
    form = {
        "csrf": csrf_of(html),
        "on": last_month_day(10).isoformat(),
        "final_value": "18000",
        "new_number": new_number,
        "new_start_value": "5",
        "reason": "Defekt",
    }
    wrong = browser.post(f"/meters/{seeded.meter.number}/replacement", data=form, headers={"Accept-Language": "nb"})
    assert wrong.status_code == 422
    assert "lavere enn forrige" in wrong.get_data(as_text=True).lower()
    assert stored(new_number) is None and stored(seeded.meter.number).removed_on is None
    done = browser.post(f"/meters/{seeded.meter.number}/replacement", data={**form, "final_value": "19 400"})
    assert done.status_code == 303 and done.headers["Location"].startswith(f"/meters/{new_number}")

    customer = signed_in_browser(stack, seeded.email)
    listed = customer.get("/meters", headers={"Accept-Language": "nb"})
    assert listed.status_code == 200  # two meters: the list, not a redirect
    text = listed.get_data(as_text=True)
    assert seeded.meter.number in text and new_number in text
    assert "demontert" in text and "montert" in text
    page = customer.get(f"/meters/{new_number}", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert f"Erstatter måler {seeded.meter.number}" in page


def test_the_store_writes_all_or_nothing(seed):
    # The adapter's conditions, met by a concurrent request between the service's
    # lookup and its write: the transaction fails whole and the answer is False.
    seeded = seed()
    store = DynamoMeterLifecycleStore(composition.repository().table)
    old = stored(seeded.meter.number)
    on = last_month_day(10)
    now = datetime.now(UTC)

    def reading(number: str, value: int) -> Reading:
        return Reading(
            meter_number=number, read_on=on, value=Decimal(value), source=ReadingSource.STAFF, recorded_at=now
        )

    new = old.model_copy(update={"number": fresh_number("T"), "installed_on": on, "start_value": Decimal(5)})
    change = MeterSettingsChange(
        meter_number=old.number,
        customer_number=old.customer_number,
        previous_register_digits=None,
        register_digits=None,
        previous_decimals=0,
        decimals=0,
        previous_removed_on=None,
        removed_on=on,
        reason="Byttet",
        changed_at=now,
        changed_by="kundesenter@example.com",
    )
    # The new number is claimed by another meter first: nothing of the replacement is written
    assert store.add_meter(new.model_copy(update={"start_value": Decimal(1)}), reading(new.number, 1))
    assert not store.replace_meter(old, on, reading(old.number, 19400), new, reading(new.number, 5), change)
    assert stored(old.number).removed_on is None
    assert [r.read_on for r in readings_of(old.number) if r.read_on == on] == []
    assert history_of(old.number) == []
    claimed = store.get_meter(new.customer_number, new.number)
    assert claimed is not None and claimed.start_value == Decimal(1)
    # A second meter with the same number is refused too
    assert not store.add_meter(new, reading(new.number, 5))


def test_dynamodb_requests_of_an_addition_and_a_replacement(seed):
    # Designed access only: lookups by key and one transaction each, never a scan.
    seeded = seed()
    table = composition.repository().table
    staff = Principal(user_id="budget", email="budget@example.com", groups=frozenset({"staff"}))
    service = composition.meter_lifecycle_service()
    before = table.requests
    service.add(
        composition.access().scope(staff, seeded.customer.number),
        number=fresh_number(),
        facility_id=seeded.meter.facility_id,
        kind=MeterKind.HOT_WATER,
        unit=EnergyUnit.M3,
        decimals=3,
        installed_on=last_month_day(5),
        start_value=Decimal(0),
    )
    added = table.requests - before
    service.replace(
        composition.access().scope(staff, seeded.customer.number),
        seeded.meter.number,
        on=last_month_day(10),
        final_value=Decimal(19400),
        new_number=fresh_number("R"),
        new_start_value=Decimal(5),
        reason="Defekt",
    )
    replaced = table.requests - before - added
    # The customer's record (facilities and meters in one Query) decides access and the meter:
    # no membership GetItem, no meter lookup for the replaced meter.
    assert (added, replaced) == (3, 4)
