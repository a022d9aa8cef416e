"""Meter settings by customer service over the local gateway:
``PUT /api/customers/{customer}/meters/{meter}`` sets the register's digits
with a reason kept in the history, refuses what stored readings contradict
(4xx, a code, a translated message, nothing stored), and then lets a lower
value be a rollover. In the portal, staff get the form on the meter page the
customer sees, and the customer sees each staff correction of a reading."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo_meter_settings import DynamoMeterSettingsStore
from heatportal.domain.errors import Conflict
from heatportal.domain.meter_settings import MeterSettingsChange
from tests.integration.conftest import bearer, body, create_user
from tests.integration.test_readings_portal import csrf_of, signed_in_browser


@pytest.fixture(scope="module")
def staff_email(stack) -> str:
    email = f"kundesenter-{secrets.token_hex(4)}@example.com"
    create_user(stack, email, staff=True)
    return email


@pytest.fixture(scope="module")
def staff(http, staff_email) -> dict[str, str]:
    return bearer(http, staff_email)


def meter_url(seeded) -> str:
    return f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}"


def stored_meter(seeded):
    return composition.repository().find_meter(seeded.meter.number)


def test_staff_set_the_digits_and_a_lower_value_becomes_a_rollover(http, seed, staff):
    # Given a meter of unknown size whose newest reading is 99400 kWh
    seeded = seed(monthly_kwh=14900)
    url = meter_url(seeded)
    # A lower value is refused while the size is unknown
    refused = http.post(f"{url}/readings", json={"value": "150", "confirm": True}, headers=seeded.auth)
    assert refused.status_code == 422 and body(refused)["code"] == "reading_below_previous"

    # When customer service records five digits, with the reason
    resp = http.put(url, json={"register_digits": 5, "reason": "Typeskilt: 5 siffer"}, headers=staff)

    assert resp.status_code == 200, resp.text
    out = body(resp)
    assert (out["register_digits"], out["decimals"]) == (5, 0)
    [change] = out["history"]
    assert (change["previous_register_digits"], change["register_digits"], change["reason"]) == (
        None,
        5,
        "Typeskilt: 5 siffer",
    )
    assert stored_meter(seeded).register_digits == 5
    # Then the lower value is a rollover: 150 + 100000 - 99400 = 750 kWh
    accepted = http.post(f"{url}/readings", json={"value": "150", "confirm": True}, headers=seeded.auth)
    assert accepted.status_code == 201, accepted.text
    assert Decimal(body(accepted)["consumption_since_previous"]) == Decimal(750)


def test_the_same_settings_sent_again_are_recorded_once(http, seed, staff):
    seeded = seed()
    payload = {"register_digits": 6, "reason": "Kontrollert på stedet"}
    first = http.put(meter_url(seeded), json=payload, headers=staff)
    second = http.put(meter_url(seeded), json=payload, headers=staff)
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(body(second)["history"]) == 1


@pytest.mark.parametrize(
    ("payload", "code", "words"),
    [
        # The seeded readings reach 19000: five digits
        ({"register_digits": 4, "reason": "Feil"}, "meter_digits_below_readings", "minst så mange"),
        (
            {"register_digits": 6, "removed_on": "2020-01-01", "reason": "Demontert"},
            "meter_removal_before_reading",
            None,
        ),
        ({"register_digits": 6, "reason": "   "}, "meter_settings_reason_required", None),
    ],
)
def test_settings_the_stored_readings_contradict_are_refused(http, seed, staff, payload, code, words):
    seeded = seed()
    resp = http.put(meter_url(seeded), json=payload, headers={**staff, "Accept-Language": "nb"})
    assert resp.status_code == 422, resp.text
    assert body(resp)["code"] == code
    if words:
        assert words in body(resp)["message"]
    # Nothing stored: the meter unchanged, no history item
    assert stored_meter(seeded).register_digits is None
    assert DynamoMeterSettingsStore(composition.repository().table).meter_settings_history(seeded.meter.number) == []


def test_bad_bodies_are_422_not_500(http, seed, staff):
    seeded = seed()
    for payload in ({"register_digits": 0, "reason": "x"}, {"register_digits": "fem", "reason": "x"}, {"reason": "x"}):
        resp = http.put(meter_url(seeded), json=payload, headers=staff)
        assert resp.status_code == 422, (payload, resp.text)


def test_customers_cannot_change_their_meters_settings(http, seed):
    seeded = seed()
    resp = http.put(
        meter_url(seeded),
        json={"register_digits": 6, "reason": "Egen"},
        headers={**seeded.auth, "Accept-Language": "en"},
    )
    assert resp.status_code == 403
    assert body(resp)["code"] == "meter_settings_staff_only"
    assert body(resp)["message"] == "Only customer service can change a meter's settings."


def test_a_change_made_against_a_stale_meter_is_a_conflict_and_writes_nothing(seed):
    seeded = seed()
    store = DynamoMeterSettingsStore(composition.repository().table)
    stale = stored_meter(seeded)
    changed = stale.model_copy(update={"register_digits": 6})
    change = MeterSettingsChange(
        meter_number=stale.number,
        customer_number=stale.customer_number,
        previous_register_digits=None,
        register_digits=6,
        previous_decimals=0,
        decimals=0,
        previous_removed_on=None,
        removed_on=None,
        reason="Første",
        changed_at=composition.clock().now(),
        changed_by="a@example.com",
    )
    store.change_meter_settings(stale, changed, change)
    later = change.model_copy(
        update={"changed_at": composition.clock().now().replace(microsecond=1), "reason": "Andre"}
    )
    with pytest.raises(Conflict):
        store.change_meter_settings(stale, stale.model_copy(update={"register_digits": 7}), later)
    assert stored_meter(seeded).register_digits == 6
    assert [c.reason for c in store.meter_settings_history(stale.number)] == ["Første"]


# --- portal ---------------------------------------------------------------------------------------


def staff_browser_on(stack, staff_email: str, seeded):
    """Customer service opens the portal as the customer sees it."""
    browser = signed_in_browser(stack, staff_email)
    page = browser.get("/accounts")
    resp = browser.post(
        "/accounts", data={"csrf": csrf_of(page.get_data(as_text=True)), "customer": seeded.customer.number}
    )
    assert resp.status_code == 303
    return browser


def test_staff_change_the_digits_on_the_meter_page_and_customers_see_no_form(stack, seed, staff_email):
    seeded = seed()
    customer = signed_in_browser(stack, seeded.email)
    own = customer.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    assert 'id="meter-settings"' not in own
    # The customer cannot post the form either
    refused = customer.post(
        f"/meters/{seeded.meter.number}/settings",
        data={"csrf": csrf_of(own), "register_digits": "6", "decimals": "0", "reason": "Egen"},
    )
    assert refused.status_code == 403

    browser = staff_browser_on(stack, staff_email, seeded)
    html = browser.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    assert 'id="meter-settings"' in html and "Siffer før desimalene" in html
    form = {"csrf": csrf_of(html), "register_digits": "4", "decimals": "0", "removed_on": "", "reason": "Typeskilt"}
    # Four digits cannot show 19000: the page says so, nothing stored
    wrong = browser.post(f"/meters/{seeded.meter.number}/settings", data=form)
    assert wrong.status_code == 422
    assert "Telleverket må ha minst så mange" in wrong.get_data(as_text=True)
    assert stored_meter(seeded).register_digits is None
    # Five digits are saved, and the history shows the change with its reason
    saved = browser.post(f"/meters/{seeded.meter.number}/settings", data={**form, "register_digits": "5"})
    assert saved.status_code == 303
    assert stored_meter(seeded).register_digits == 5
    after = browser.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Målerinnstillingene er lagret." in after
    assert "siffer – → 5" in after and "Typeskilt" in after


def test_the_customer_sees_the_correction_history_of_a_reading(stack, http, seed, staff):
    seeded = seed()
    readings = f"{meter_url(seeded)}/readings"
    day = body(http.get(readings, headers=seeded.auth))[2]["read_on"]  # 14500 kWh
    resp = http.put(f"{readings}/{day}", json={"value": "14600", "reason": "Feil avlest av kunden"}, headers=staff)
    assert resp.status_code == 200, resp.text

    html = signed_in_browser(stack, seeded.email).get(f"/meters/{seeded.meter.number}").get_data(as_text=True)

    assert "(korrigert)" in html
    assert "Korrigert av kundesenteret" in html
    assert "14\u00a0500\u00a0kWh ble endret til 14\u00a0600\u00a0kWh" in html
    assert "Begrunnelse: Feil avlest av kunden" in html
