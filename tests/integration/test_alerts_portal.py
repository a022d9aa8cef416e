"""The portal's alert pages through the local gateway: settings saved from the
form (numbers with a decimal comma, several facilities at once), every wrong
field named in the error summary and nothing stored, the read role sees the
settings and may not change them; the notifications list with its unread
count in the header; the monthly information page."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from werkzeug.test import Client

from heatportal.adapters.dynamo import facility_item
from heatportal.adapters.dynamo_alerts import DynamoAlertStore, consumption_info_item
from heatportal.domain.alerts import AlertState, Measure, Supply
from heatportal.domain.consumption_info import ConsumptionInfo, ConsumptionInfoLine
from heatportal.domain.model import Facility, MeterKind, Role
from heatportal.domain.notifications import Notification, numbered
from tests.integration.test_portal_session import csrf_of, sign_in


def alert_form(csrf: str, facility: str, **extra: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "facility": facility,
        "heating.return_temperature.on": "on",
        "heating.return_temperature.summer": "45,5",
        "heating.return_temperature.winter": "40",
        "heating.return_temperature.channel.portal": "on",
        "heating.return_temperature.channel.email": "on",
        "heating.no_data.on": "on",
        "heating.no_data.hours": "48",
        "heating.no_data.channel.sms": "on",
        "email_to": "vakt@example.com\n",
        **extra,
    }


def test_settings_saved_from_the_form_for_two_facilities(stack, seed, repo) -> None:
    person = seed()
    number = person.customer.number
    second = Facility(id=f"G{number}", customer_number=number, name="Storgata 3", address=person.customer.address)
    repo.table.put(facility_item(second))
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    page = browser.get("/alerts").get_data(as_text=True)
    assert "Varselinnstillinger" in page and "Storgata 3" in page

    resp = browser.post("/alerts", data={**alert_form(csrf_of(page), person.meter.facility_id), "also": second.id})

    assert resp.status_code == 303 and resp.headers["Location"].endswith("saved=2")
    stored = {s.facility_id: s for s in DynamoAlertStore(repo.table).settings_of(number)}
    assert set(stored) == {person.meter.facility_id, second.id}
    rule = stored[second.id].rule(Supply.HEATING, Measure.RETURN_TEMPERATURE)
    assert rule is not None and (rule.summer, rule.winter) == (Decimal("45.5"), Decimal(40))
    assert stored[second.id].email_to == ("vakt@example.com",)
    shown = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "lagret for 2 anlegg" in shown and 'value="45.5"' in shown


def test_every_wrong_field_is_named_and_nothing_is_stored(stack, seed, repo) -> None:
    person = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    csrf = csrf_of(browser.get("/alerts").get_data(as_text=True))
    wrong = alert_form(
        csrf,
        person.meter.facility_id,
        **{"heating.return_temperature.winter": "førti", "heating.no_data.hours": "1", "email_to": "ikke en adresse"},
    )
    resp = browser.post("/alerts", data=wrong)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'href="#heating-return_temperature-winter"' in html and "Fyll inn et tall." in html
    # The numbers are fine now: the limits and the address are named next.
    wrong["heating.return_temperature.winter"] = "40"
    html = browser.post("/alerts", data=wrong).get_data(as_text=True)
    assert 'href="#heating-no_data-hours"' in html and 'href="#email_to"' in html
    assert 'aria-invalid="true"' in html and "ikke en adresse" in html  # what was typed stays
    assert DynamoAlertStore(repo.table).settings_of(person.customer.number) == []


def test_the_read_role_sees_the_settings_and_may_not_change_them(stack, seed, repo) -> None:
    person = seed(role=Role.READ)
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    page = browser.get("/alerts").get_data(as_text=True)
    assert 'fieldset class="alert-settings" disabled' in page and "Lagre varselinnstillinger" not in page
    resp = browser.post("/alerts", data=alert_form(csrf_of(page), person.meter.facility_id))
    assert resp.status_code == 403
    assert DynamoAlertStore(repo.table).settings_of(person.customer.number) == []


def test_the_header_counts_new_notifications_until_the_list_is_opened(stack, seed, repo) -> None:
    person = seed()
    number, facility = person.customer.number, person.meter.facility_id
    store = DynamoAlertStore(repo.table)
    told, _ = numbered(
        [
            Notification(
                customer_number=number,
                id=f"2026-01-11#{person.meter.number}#hourly_power#breach",
                kind="breach",
                facility_id=facility,
                day=datetime(2026, 1, 11).date(),
                created_at=datetime(2026, 1, 12, 6, tzinfo=UTC),
                meter_number=person.meter.number,
                supply=Supply.HEATING,
                measure=Measure.HOURLY_POWER,
                value=Decimal("31.5"),
                threshold=Decimal(25),
            )
        ],
        {},
    )
    assert store.record(AlertState(customer_number=number, facility_id=facility), None, told, {})
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    start = browser.get("/").get_data(as_text=True)
    assert 'aria-label="Meldinger, 1 ny"' in start
    listed = browser.get("/notifications").get_data(as_text=True)
    assert "Timeeffekt på Storgata 1 var 31,5\u00a0kW" in listed
    assert f'href="/analysis?facility={facility}&amp;supply=heating&amp;section=power"' in listed
    assert "Meldinger, 1 ny" not in browser.get("/").get_data(as_text=True)


def test_the_monthly_information_page_shows_the_months_comparisons(stack, seed, repo) -> None:
    person = seed()
    line = ConsumptionInfoLine(
        meter_number=person.meter.number,
        facility_id=person.meter.facility_id,
        kind=MeterKind.HEAT,
        unit="kWh",
        category="heat:household",
        quantity=Decimal(1240),
        estimated=True,
        previous_month=Decimal(1000),
        last_year=Decimal(1550),
        corrected=Decimal(1180),
        last_year_corrected=Decimal(1400),
        benchmark=Decimal(1320),
    )
    info = ConsumptionInfo(
        customer_number=person.customer.number, month="2026-01", created_at=datetime.now(UTC), lines=(line,)
    )
    repo.table.put(consumption_info_item(info))
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    assert browser.get("/consumption-info").headers["Location"] == "/consumption-info/2026-01"
    html = browser.get("/consumption-info/2026-01").get_data(as_text=True)
    assert "januar 2026" in html and "1\u00a0240\u00a0kWh (stipulert)" in html
    assert "(+24\u00a0%)" in html and "(-20\u00a0%)" in html  # against the month before and last year
    assert "Gjennomsnittlig husholdningskunde" in html
    assert browser.get("/consumption-info/2025-13").status_code == 404
