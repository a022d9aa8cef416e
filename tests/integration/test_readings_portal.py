"""The portal's consumption page and the reading-link page, over the local
gateway with a browser-like client (cookies, CSRF, no JavaScript)."""

from __future__ import annotations

import re
from datetime import date

from werkzeug.test import Client

from heatportal import composition
from tests.integration.conftest import PASSWORD
from tests.integration.test_readings_consumption import with_daily_data
from tests.integration.test_readings_links import link_token_for


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has a CSRF field"
    return match.group(1)


def signed_in_browser(stack, email: str) -> Client:
    browser = Client(stack.http_server.app)
    page = browser.get("/login")
    data = {"csrf": csrf_of(page.get_data(as_text=True)), "username": email, "password": PASSWORD, "next": "/"}
    assert browser.post("/login", data=data).status_code == 303
    return browser


def test_consumption_page_draws_the_year_as_svg_with_a_table(stack, repo, seed):
    seeded = seed()
    with_daily_data(repo, seeded, date(2023, 1, 1), 500)
    browser = signed_in_browser(stack, seeded.email)
    resp = browser.get(f"/consumption?meter={seeded.meter.number}&view=year&year=2024&unit=MWh")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html
    wide, narrow = (html.split(f'class="chart-{name}"')[1].split("</svg>")[0] for name in ("wide", "narrow"))
    assert len(re.findall(r"<rect x=", wide)) == 12 + 5  # all of 2023, 2024 until mid-May (500 days)
    assert len(re.findall(r"<rect x=", narrow)) == 12 + 5  # the same bars drawn for a phone
    assert ">MWh</text>" in wide  # the value axis names its unit
    assert "#c0392b" not in html  # no alarm red for this year
    assert "<script>" not in html  # no inline script: only the portal's own file
    assert "Forbruk i 2024 per måned" in html and "1,550\u00a0MWh" in html  # a fixed number of decimals per unit
    assert 'href="/consumption"' in html and 'aria-current="page"' in html  # the nav entry
    month = browser.get(f"/consumption?meter={seeded.meter.number}&view=month&year=2024&month=2")
    assert month.status_code == 200
    month_html = month.get_data(as_text=True)
    assert len(re.findall(r"<rect x=", month_html.split('class="chart-wide"')[1].split("</svg>")[0])) == 29
    assert "tor. 1. feb." in month_html  # the language's own day label
    total = browser.get(f"/consumption?meter={seeded.meter.number}&view=total&unit=GJ")
    assert "Totalt forbruk siden måleren ble montert" in total.get_data(as_text=True)


def test_odd_switches_fall_back_instead_of_failing(stack, seed):
    seeded = seed()
    browser = signed_in_browser(stack, seeded.email)
    resp = browser.get("/consumption?meter=nope&view=week&year=abc&month=13&unit=m3")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    # The only meter, this year, in its own unit: a heat meter has no m3. Its
    # months come from the monthly readings (it has no daily data).
    assert f"Forbruk i {composition.clock().today().year} per måned" in html
    assert "Forbruk i kWh som tabell" in html and "m³" not in html


def test_the_consumption_page_needs_a_sign_in(stack):
    resp = Client(stack.http_server.app).get("/consumption")
    assert resp.status_code in (302, 303, 401)


def test_reading_by_link_in_the_portal_without_login(stack, http, seed):
    seeded = seed()
    token = link_token_for(http, seeded)
    browser = Client(stack.http_server.app)
    page = browser.get(f"/r/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert seeded.meter.number in html and "Kari Nordmann" not in html
    csrf = csrf_of(html)
    unusual = browser.post(f"/r/{token}", data={"csrf": csrf, "value": "999999"})
    assert unusual.status_code == 422 and 'name="confirm" value="yes"' in unusual.get_data(as_text=True)
    done = browser.post(f"/r/{token}", data={"csrf": csrf, "value": "19040"})
    assert done.status_code == 201
    assert "Takk! Målerstanden er registrert." in done.get_data(as_text=True)
    used = browser.get(f"/r/{token}")
    assert used.status_code == 404 and "allerede brukt" in used.get_data(as_text=True)
    today = composition.clock().today().isoformat()
    stored = composition.repository().list_readings(seeded.meter.number, date(2020, 1, 1), date(2100, 1, 1))
    assert [(r.read_on.isoformat(), r.source.value) for r in stored if r.read_on.isoformat() == today] == [
        (today, "link")
    ]


def test_a_link_form_without_csrf_is_refused(stack, http, seed):
    seeded = seed()
    token = link_token_for(http, seeded)
    browser = Client(stack.http_server.app)
    browser.get(f"/r/{token}")
    resp = browser.post(f"/r/{token}", data={"value": "19040"})
    assert resp.status_code in (400, 403, 422)


def test_reminder_agreements_are_set_up_and_ended_in_the_profile(stack, seed):
    seeded = seed()
    browser = signed_in_browser(stack, seeded.email)
    page = browser.get("/reminders")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Du har ingen avtaler om påminnelse." in html and "KLEM START" in html
    csrf = csrf_of(html)
    form = {"csrf": csrf, "meter": seeded.meter.number, "channel": "sms", "address": "123"}
    refused = browser.post("/reminders", data=form)
    assert refused.status_code == 422 and "Skriv inn et gyldig mobilnummer." in refused.get_data(as_text=True)
    saved = browser.post("/reminders", data={**form, "address": "912 34 567"})
    assert saved.status_code == 303
    listed = browser.get("/reminders?saved=1").get_data(as_text=True)
    assert "+4791234567" in listed and "Avtalen er registrert." in listed
    removed = browser.post(
        "/reminders/remove",
        data={"csrf": csrf, "meter": seeded.meter.number, "channel": "sms", "address": "+4791234567"},
    )
    assert removed.status_code == 303
    assert "+4791234567" not in browser.get("/reminders").get_data(as_text=True)
    missing = browser.post(
        "/reminders/remove",
        data={"csrf": csrf, "meter": seeded.meter.number, "channel": "sms", "address": "+4791234567"},
    )
    assert missing.status_code == 404


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def test_an_unusual_reading_says_what_it_means_and_correcting_keeps_the_typed_value(stack, seed):
    # Six monthly readings of 1 500 kWh: the last on the 1st of last month.
    seeded = seed()
    browser = signed_in_browser(stack, seeded.email)
    page = browser.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    today = composition.clock().today()
    form = {"csrf": csrf_of(page), "value": "25 000", "read_on": today.isoformat()}
    unusual = browser.post(f"/meters/{seeded.meter.number}/readings", data=form)
    assert unusual.status_code == 422
    html = unusual.get_data(as_text=True)
    text = text_of(html)
    # What was entered, the previous reading, the consumption it implies and the range expected.
    assert "Du skrev inn 25 000 kWh" in text and "Forrige målerstand 19 000 kWh" in text
    assert re.search(r"Det gir et forbruk på 6 000 kWh på \d+ dager", text)
    assert re.search(r"Vanlig for disse dagene omtrent [\d ]+ kWh, høyst [\d ]+ kWh", text)
    # "Correct" is the main action and leads to the field, which keeps what was typed.
    assert re.search(r'<a class="button primary" href="#value">Korriger opplysningene</a>', html)
    assert re.search(r'<input id="value" name="value"[^>]*aria-describedby="check"[^>]*value="25 000"', html)
    # "Send anyway" is the secondary action, and sends the same values confirmed.
    assert re.search(r'<input type="hidden" name="value" value="25 000">', html)
    assert '<button type="submit">Send likevel</button>' in html
    sent = browser.post(f"/meters/{seeded.meter.number}/readings", data={**form, "confirm": "yes"})
    assert sent.status_code == 303
    stored = composition.repository().latest_reading(seeded.meter.number)
    assert stored is not None and (stored.read_on, stored.value) == (today, 25000)


def test_a_reading_with_a_decimal_comma_and_spaces_is_read_in_the_persons_language(stack, seed):
    seeded = seed()
    browser = signed_in_browser(stack, seeded.email)
    page = browser.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    form = {"csrf": csrf_of(page), "value": "19 100,0", "read_on": composition.clock().today().isoformat()}
    assert browser.post(f"/meters/{seeded.meter.number}/readings", data=form).status_code == 303
    stored = composition.repository().latest_reading(seeded.meter.number)
    assert stored is not None and stored.value == 19100
