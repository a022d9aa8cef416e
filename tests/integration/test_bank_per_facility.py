"""A different bank account per facility over the local gateway (seed 003
"abweichende Bankverbindung zur Verbrauchsstelle"): it overrides the customer's
account for that facility only, the facility must be the customer's, the
profile lists every facility with the account that pays for it."""

from __future__ import annotations

from datetime import timedelta

from werkzeug.test import Client

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import facility_item
from heatportal.domain.model import Facility
from heatportal.i18n import translate
from tests.dates import local_today
from tests.integration.conftest import PASSWORD, body
from tests.integration.test_auth_accounts import mails_to
from tests.integration.test_auth_portal import csrf_of, sign_in

CUSTOMER_IBAN = "NO9386011117947"
FACILITY_IBAN = "NO8330001234567"


def second_facility(repo, seeded) -> Facility:
    first = seeded.meter.facility_id
    facility = Facility(
        id=f"{first}-B",
        customer_number=seeded.customer.number,
        name="Hytta på Hovden",
        address=seeded.customer.address,
    )
    repo.table.put(facility_item(facility))
    return facility


def bank(**extra):
    return {
        "holder": "Kari Nordmann",
        "valid_from": (local_today() + timedelta(days=10)).isoformat(),
        "password": PASSWORD,
        **extra,
    }


def test_a_facility_account_overrides_the_customer_account_for_that_facility(http, repo, seed):
    seeded = seed()
    cabin = second_facility(repo, seeded)
    url = f"/api/customers/{seeded.customer.number}/profile/bank-account"
    assert http.put(url, json=bank(iban=CUSTOMER_IBAN), headers=seeded.auth).status_code == 200
    saved = http.put(url, json=bank(iban=FACILITY_IBAN, facility_id=cabin.id), headers=seeded.auth)
    assert saved.status_code == 200, saved.text

    profile = body(http.get(f"/api/customers/{seeded.customer.number}/profile", headers=seeded.auth))
    assert profile["bank_account"]["iban"] == CUSTOMER_IBAN and profile["bank_account"]["facility_id"] is None
    rows = {row["facility_id"]: row for row in profile["facility_bank_accounts"]}
    assert rows.keys() == {seeded.meter.facility_id, cabin.id}
    house = rows[seeded.meter.facility_id]
    assert house["own"] is None and house["paying"]["iban"] == CUSTOMER_IBAN
    assert rows[cabin.id]["own"]["iban"] == FACILITY_IBAN and rows[cabin.id]["paying"]["facility_id"] == cabin.id
    assert rows[cabin.id]["facility_name"] == "Hytta på Hovden"
    label = translate("profile.fact.facility", "nb")
    assert any(f"{label}: Hytta på Hovden ({cabin.id})" in m["text"] for m in mails_to(seeded.email))


def test_removing_the_facility_account_goes_back_to_the_customer_account(http, repo, seed):
    seeded = seed()
    cabin = second_facility(repo, seeded)
    base = f"/api/customers/{seeded.customer.number}/profile/bank-account"
    http.put(base, json=bank(iban=CUSTOMER_IBAN), headers=seeded.auth)
    http.put(base, json=bank(iban=FACILITY_IBAN, facility_id=cabin.id), headers=seeded.auth)
    removed = http.delete(f"{base}/{cabin.id}", headers=seeded.auth)
    assert removed.status_code == 200, removed.text
    rows = {row["facility_id"]: row for row in body(removed)["facility_bank_accounts"]}
    assert rows[cabin.id]["own"] is None and rows[cabin.id]["paying"]["iban"] == CUSTOMER_IBAN
    assert repo.table.get(keys.bank_account(seeded.customer.number, cabin.id)) is None
    subject = translate("email.profile.bank_account_removed.subject", "nb", utility="Fjordvarme AS")
    assert sum(m["subject"] == subject for m in mails_to(seeded.email)) == 1
    again = http.delete(f"{base}/{cabin.id}", headers=seeded.auth)  # a retry
    assert again.status_code == 200
    assert sum(m["subject"] == subject for m in mails_to(seeded.email)) == 1
    unknown = http.delete(f"{base}/F-nope", headers=seeded.auth)
    assert (unknown.status_code, body(unknown)["code"]) == (422, "facility_unknown")


def test_a_facility_of_another_customer_is_refused_and_nothing_is_stored(http, repo, seed):
    mine, theirs = seed(), seed()
    url = f"/api/customers/{mine.customer.number}/profile/bank-account"
    for facility_id in (theirs.meter.facility_id, "F-does-not-exist"):
        resp = http.put(url, json=bank(iban=FACILITY_IBAN, facility_id=facility_id), headers=mine.auth)
        assert (resp.status_code, body(resp)["code"]) == (422, "facility_unknown"), resp.text
        assert body(resp)["message"] == translate("error.facility_unknown", "en")
    too_long = http.put(url, json=bank(iban=FACILITY_IBAN, facility_id="x" * 41), headers=mine.auth)
    assert too_long.status_code == 422
    profile = body(http.get(f"/api/customers/{mine.customer.number}/profile", headers=mine.auth))
    assert profile["bank_account"] is None
    assert [row["own"] for row in profile["facility_bank_accounts"]] == [None]
    assert repo.table.query(keys.customer_pk(mine.customer.number), sk_prefix=keys.BANK_ACCOUNTS) == []


def test_another_customers_user_cannot_set_a_facility_account(http, repo, seed):
    mine, theirs = seed(), seed()
    url = f"/api/customers/{mine.customer.number}/profile/bank-account"
    resp = http.put(url, json=bank(iban=FACILITY_IBAN, facility_id=mine.meter.facility_id), headers=theirs.auth)
    assert resp.status_code == 403


def test_the_portal_profile_offers_an_account_per_facility_when_there_are_several(stack, repo, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    single = browser.get("/account/profile", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert 'name="facility_id"' not in single  # one facility: nothing to choose

    cabin = second_facility(repo, seeded)
    html = browser.get("/account/profile", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert 'name="facility_id"' in html and translate("bank.facility.all", "nb") in html
    saved = browser.post(
        "/account/profile/bank-account",
        data={"csrf": csrf_of(html), **bank(iban=FACILITY_IBAN, facility_id=cabin.id)},
        headers={"Accept-Language": "nb"},
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    page = browser.get("/account/profile", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert FACILITY_IBAN in page and translate("bank.facility.own", "nb") in page

    removed = browser.post(f"/account/profile/bank-account/{cabin.id}/remove", data={"csrf": csrf_of(page)})
    assert removed.status_code == 303
    page = browser.get("/account/profile", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert FACILITY_IBAN not in page

    wrong = browser.post(
        "/account/profile/bank-account",
        data={"csrf": csrf_of(page), **bank(iban=FACILITY_IBAN, facility_id="F-nope")},
        headers={"Accept-Language": "nb"},
    )
    assert wrong.status_code == 422
    assert translate("error.facility_unknown", "nb") in wrong.get_data(as_text=True)
