"""Meters with several registers over the local gateway: the meter list, readings
with a volume register through the API and the portal, every refusal with its
code and nothing stored, retries, corrections and the year view's volume."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import meter_item, reading_item
from heatportal.domain.model import Reading, ReadingSource, Register, RegisterName
from heatportal.domain.money import EnergyUnit
from tests.dates import local_today
from tests.integration.conftest import body, month_starts, staff_headers
from tests.integration.test_readings_portal import csrf_of, signed_in_browser

NB = {"Accept-Language": "nb"}


def with_volume(repo, seeded, *, register_digits: int | None = None):
    """The seeded heat meter (10000 + 1500 kWh a month) gets a volume register
    read with every seeded reading: 400 m3 at installation, then 30 m3 a month."""
    volume = Register(
        name=RegisterName.VOLUME,
        unit=EnergyUnit.M3,
        decimals=2,
        start_value=Decimal(400),
        register_digits=register_digits,
    )
    meter = seeded.meter.model_copy(update={"registers": (volume,)})
    until = (local_today().replace(day=1) - date.resolution).replace(day=1)
    readings = [
        Reading(
            meter_number=meter.number,
            read_on=day,
            value=Decimal(10000 + 1500 * (i + 1)),
            source=ReadingSource.PORTAL,
            recorded_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
            registers={"volume": Decimal(400 + 30 * (i + 1))},
        )
        for i, day in enumerate(month_starts(until, 6))
    ]
    repo.table.batch_put([meter_item(meter), *[reading_item(r) for r in readings]])
    seeded.meter = meter
    return seeded


def readings_url(seeded) -> str:
    return f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"


def stored(repo, seeded) -> list[Reading]:
    return repo.list_readings(seeded.meter.number, date(2020, 1, 1), date(2100, 1, 1))


def test_the_meter_list_gives_every_register_with_its_last_value(http, repo, seed):
    seeded = with_volume(repo, seed())
    resp = http.get(f"/api/customers/{seeded.customer.number}/meters", headers=seeded.auth)
    assert resp.status_code == 200
    [meter] = body(resp)
    energy, volume = meter["registers"]
    assert (energy["name"], energy["main"], energy["unit"], energy["last_value"]) == ("energy", True, "kWh", "19000")
    assert (volume["name"], volume["main"], volume["unit"], volume["last_value"]) == ("volume", False, "m3", "580")
    assert volume["last_read_on"] == meter["last_reading"]["read_on"]
    assert meter["last_reading"]["registers"] == {"volume": "580"}


def test_a_one_register_meter_lists_its_main_register_only(http, seed):
    seeded = seed()
    [meter] = body(http.get(f"/api/customers/{seeded.customer.number}/meters", headers=seeded.auth))
    assert [r["name"] for r in meter["registers"]] == ["energy"]
    assert meter["last_reading"]["registers"] == {}


def test_a_reading_with_the_volume_is_stored_once_and_listed(http, repo, seed):
    seeded = with_volume(repo, seed())
    payload = {"value": "19900", "registers": {"volume": "598.25"}}

    first = http.post(readings_url(seeded), json=payload, headers=seeded.auth)
    retry = http.post(readings_url(seeded), json=payload, headers=seeded.auth)

    assert (first.status_code, retry.status_code) == (201, 201), first.text
    assert body(first)["registers_since_previous"] == {"volume": "18.25"}
    assert body(first)["reading"]["registers"] == {"volume": "598.25"}
    today = [r for r in stored(repo, seeded) if r.read_on == local_today()]
    assert len(today) == 1 and today[0].registers == {"volume": Decimal("598.25")}
    listed = body(http.get(readings_url(seeded), headers=seeded.auth))
    assert listed[-1]["registers"] == {"volume": "598.25"}
    other = http.post(readings_url(seeded), json={**payload, "registers": {"volume": "599"}}, headers=seeded.auth)
    assert other.status_code == 409 and body(other)["code"] == "reading_duplicate"
    assert [r for r in stored(repo, seeded) if r.read_on == local_today()] == today


@pytest.mark.parametrize(
    ("registers", "status", "code", "field"),
    [
        ({"flow": "1"}, 422, "register_unknown", "registers.flow"),
        ({"volume": "598.255"}, 422, "register_too_many_decimals", "registers.volume"),
        ({"volume": "579.99"}, 422, "register_below_previous", "registers.volume"),
        ({"volume": "1000"}, 422, "register_exceeds_register", "registers.volume"),  # a 3-digit register
        ({"volume": "-1"}, 422, None, "registers.volume"),  # refused by the request model
        ({"volume": "abc"}, 422, None, "registers.volume"),
        ({"Volume!": "1"}, 422, None, "registers.Volume!"),
    ],
)
def test_each_refused_register_value_gets_its_code_and_nothing_is_stored(
    http, repo, seed, registers, status, code, field
):
    seeded = with_volume(repo, seed(), register_digits=3 if code == "register_exceeds_register" else None)
    before = stored(repo, seeded)
    resp = http.post(
        readings_url(seeded), json={"value": "19900", "registers": registers}, headers={**seeded.auth, **NB}
    )
    assert resp.status_code == status, resp.text
    error = body(resp)
    if code is not None:
        assert error["code"] == code
        assert error["fields"] == [{"field": field, "code": code}]
        assert "telleverk" in error["message"].lower() or "verdien" in error["message"].lower()  # Norwegian text
    else:
        assert any(f["field"].startswith(field.split("!")[0].rsplit(".", 1)[0]) for f in error["fields"])
    assert stored(repo, seeded) == before


def test_an_unusual_volume_is_confirmed_before_it_is_stored(http, repo, seed):
    seeded = with_volume(repo, seed())
    payload = {"value": "19900", "registers": {"volume": "900"}}  # 320 m3 where 30 a month is usual
    asked = http.post(readings_url(seeded), json=payload, headers=seeded.auth)
    assert asked.status_code == 422 and body(asked)["code"] == "register_implausible"
    assert not [r for r in stored(repo, seeded) if r.read_on == local_today()]
    confirmed = http.post(readings_url(seeded), json={**payload, "confirm": True}, headers=seeded.auth)
    assert confirmed.status_code == 201


def test_a_staff_correction_of_the_energy_keeps_the_volume(http, stack, repo, seed):
    seeded = with_volume(repo, seed())
    staff = staff_headers(stack, http, f"kundeservice-{secrets.token_hex(4)}@example.com")
    day = stored(repo, seeded)[2]
    resp = http.put(
        f"{readings_url(seeded)}/{day.read_on.isoformat()}", json={"value": "14600", "reason": "Bilde"}, headers=staff
    )
    assert resp.status_code == 200, resp.text
    assert body(resp)["registers"] == {"volume": str(day.registers["volume"])}


def test_staff_correct_a_volume_with_history_and_refusals_change_nothing(http, stack, repo, seed):
    seeded = with_volume(repo, seed())
    staff = staff_headers(stack, http, f"kundeservice-{secrets.token_hex(4)}@example.com")
    day = stored(repo, seeded)[2]  # volume 490, between 460 and 520
    url = f"{readings_url(seeded)}/{day.read_on.isoformat()}"
    for volume, code in (("459", "register_below_previous"), ("521", "register_above_next")):
        refused = http.put(
            url, json={"value": str(day.value), "registers": {"volume": volume}, "reason": "Bilde"}, headers=staff
        )
        assert refused.status_code == 422 and body(refused)["code"] == code
        assert body(refused)["fields"] == [{"field": "registers.volume", "code": code}]
    assert stored(repo, seeded)[2] == day

    resp = http.put(
        url, json={"value": str(day.value), "registers": {"volume": "495.5"}, "reason": "Bilde"}, headers=staff
    )
    assert resp.status_code == 200, resp.text
    assert body(resp)["value"] == str(day.value) and body(resp)["registers"] == {"volume": "495.5"}
    [correction] = body(resp)["corrections"]
    assert (correction["previous_registers"], correction["registers"]) == ({"volume": "490"}, {"volume": "495.5"})
    assert stored(repo, seeded)[2].registers == {"volume": Decimal("495.5")}


def test_the_portal_form_has_an_input_per_register_and_puts_errors_on_it(stack, repo, seed):
    seeded = with_volume(repo, seed())
    browser = signed_in_browser(stack, seeded.email)
    page = browser.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    assert '<label for="register_volume">Volum (m³)</label>' in page
    # The main register, labelled as before and marked required.
    assert re.search(r'<label for="value">Målerstand \(kWh\) <abbr class="required"[^>]*>\*</abbr></label>', page)
    assert "Andre telleverk på måleren" in page and "580,00\u00a0m³" in page  # the register's own 2 decimals
    form = {"csrf": csrf_of(page), "value": "19900", "read_on": "", "register_volume": "579"}

    refused = browser.post(f"/meters/{seeded.meter.number}/readings", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert '<a href="#register_volume">' in html and 'id="register_volume-error"' in html
    assert re.search(r'id="register_volume"[^>]*aria-invalid="true"', html)
    assert not [r for r in stored(repo, seeded) if r.read_on == local_today()]

    odd = browser.post(f"/meters/{seeded.meter.number}/readings", data={**form, "register_volume": "5x"})
    assert odd.status_code == 422 and "Verdien må være et tall" in odd.get_data(as_text=True)

    unusual = browser.post(f"/meters/{seeded.meter.number}/readings", data={**form, "register_volume": "900,5"})
    confirm_html = unusual.get_data(as_text=True)
    assert unusual.status_code == 422
    assert '<input type="hidden" name="register_volume" value="900,5">' in confirm_html
    sent = browser.post(
        f"/meters/{seeded.meter.number}/readings",
        data={**form, "register_volume": "900,5", "confirm": "yes", "csrf": csrf_of(confirm_html)},
    )
    assert sent.status_code == 303
    [today] = [r for r in stored(repo, seeded) if r.read_on == local_today()]
    assert today.registers == {"volume": Decimal("900.5")}


def test_an_empty_volume_input_stores_the_energy_only(stack, repo, seed):
    seeded = with_volume(repo, seed())
    browser = signed_in_browser(stack, seeded.email)
    page = browser.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    form = {"csrf": csrf_of(page), "value": "19900", "read_on": "", "register_volume": " "}
    assert browser.post(f"/meters/{seeded.meter.number}/readings", data=form).status_code == 303
    [today] = [r for r in stored(repo, seeded) if r.read_on == local_today()]
    assert today.registers == {}


def test_the_year_view_gives_the_volume_per_month_with_no_extra_request(http, repo, seed):
    plain = seed()
    seeded = with_volume(repo, seed())
    year = month_starts((local_today().replace(day=1) - date.resolution).replace(day=1), 6)[0].year
    table = composition.repository().table  # the handlers' table, whose requests are counted
    counts = []
    views = []
    for who in (plain, seeded):
        url = f"/api/customers/{who.customer.number}/meters/{who.meter.number}/consumption?view=year&year={year}"
        before = table.requests
        resp = http.get(url, headers=who.auth)
        counts.append(table.requests - before)
        assert resp.status_code == 200
        views.append(body(resp))
    # sign-out record GetItem + the customer's record Query (membership and meter) + MONTH# Query
    # (none: read by hand) + readings Query, for both meters
    assert counts == [4, 4]
    assert views[0]["volume_total_m3"] is None
    by_month = {b["key"]: b for b in views[1]["bars"]}
    full = [b for b in by_month.values() if b["quantity"] is not None and Decimal(b["quantity"]) == 1500]
    assert full and all(Decimal(b["volume_m3"]) == 30 for b in full)
    assert Decimal(views[1]["volume_total_m3"]) == sum(
        (Decimal(b["volume_m3"]) for b in by_month.values() if b["volume_m3"] is not None), Decimal(0)
    )


def test_a_reading_with_the_volume_costs_one_query_more_than_without(http, repo, seed):
    table = composition.repository().table
    counts = []
    for registers in ({}, {"volume": "590"}):
        seeded = with_volume(repo, seed())
        before = table.requests
        resp = http.post(readings_url(seeded), json={"value": "19900", "registers": registers}, headers=seeded.auth)
        assert resp.status_code == 201, resp.text
        counts.append(table.requests - before)
    assert counts[1] == counts[0] + 1
