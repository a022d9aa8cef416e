"""The data API over the local gateway: a person's tokens from creation to
revocation, interval consumption (hours with temperatures and flow, days,
months; UTC starts; units; paging; 13 months back; cost where priced),
conditional reads, a provider share whose every read lands in the
customer's audit trail, and the DynamoDB requests a read makes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from heatportal import composition
from heatportal.adapters.dynamo import meter_item
from heatportal.adapters.dynamo_readings import DynamoReadingsStore
from heatportal.domain.model import DailyConsumption, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.smart_meter import IntervalValue, daily_from_intervals
from infra.local.stack import outbox_messages
from tests.dates import local_today
from tests.integration.conftest import body, staff_headers

OSLO = ZoneInfo("Europe/Oslo")
SHARE_TOKEN = re.compile(r"hp_shr_[A-Za-z0-9_-]{43}")


def token_in_mail(address: str) -> str:
    """The share token in the newest e-mail to ``address``."""
    mail = next(m for m in outbox_messages("email") if m["to"] == address)
    found = SHARE_TOKEN.search(mail["text"])
    assert found, mail["text"]
    return found.group(0)


def new_token(http: Any, seeded: Any, kinds: tuple[str, ...] = ("consumption", "readings", "invoices")) -> str:
    resp = http.post(
        "/api/me/tokens",
        json={
            "name": "Tests",
            "customers": [{"customer": seeded.customer.number}],
            "kinds": list(kinds),
            "expires_in_days": 30,
        },
        headers=seeded.auth,
    )
    assert resp.status_code == 201, resp.text
    return str(body(resp)["token"])


def data(seeded: Any, tail: str) -> str:
    return f"/api/v1/data/customers/{seeded.customer.number}/meters/{seeded.meter.number}/{tail}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def hours(meter: str, first: datetime, count: int, quality: str = "measured") -> list[IntervalValue]:
    values = []
    for i in range(count):
        start = first + timedelta(hours=i)
        values.append(
            IntervalValue(
                meter_number=meter,
                start=start,
                interval="hour",
                day=start.astimezone(OSLO).date(),
                energy=Decimal("2.5"),
                volume_m3=Decimal("0.060"),
                flow_m3h=Decimal("0.060"),
                supply_temp=Decimal("72.0"),
                return_temp=Decimal("38.0"),
                quality=quality,
            )
        )
    return values


def with_intervals(repo: Any, seeded: Any, values: list[IntervalValue]) -> None:
    store = DynamoReadingsStore(repo.table)
    store.put_intervals(values)
    days = sorted({v.day for v in values})
    store.put_daily(
        [d for day in days if (d := daily_from_intervals(seeded.meter, day, [v for v in values if v.day == day]))]
    )


def with_days(repo: Any, seeded: Any, first: date, count: int, per_day: str = "40") -> None:
    DynamoReadingsStore(repo.table).put_daily(
        [
            DailyConsumption(meter_number=seeded.meter.number, day=first + timedelta(days=i), quantity=Decimal(per_day))
            for i in range(count)
        ]
    )


# --- a person's tokens ----------------------------------------------------------------------


def test_a_token_is_shown_once_used_listed_with_its_last_use_and_revoked_at_once(http, seed):
    seeded = seed()
    token = new_token(http, seeded)
    assert token.startswith("hp_pat_")

    assert http.get(data(seeded, "readings"), headers=bearer(token)).status_code == 200
    listed = body(http.get("/api/me/tokens", headers=seeded.auth))
    assert len(listed) == 1 and "token" not in listed[0]
    assert listed[0]["hint"] == token[-4:] and listed[0]["last_used_at"] is not None
    assert listed[0]["status"] == "active"

    revoked = http.delete(f"/api/me/tokens/{listed[0]['id']}", headers=seeded.auth)
    assert revoked.status_code == 200 and body(revoked)["status"] == "revoked"
    refused = http.get(data(seeded, "readings"), headers=bearer(token))
    assert refused.status_code == 401 and body(refused)["code"] == "token_revoked"


def test_revoking_all_of_a_persons_tokens_and_a_sign_out_that_leaves_them(http, seed):
    seeded = seed()
    first, second = new_token(http, seeded), new_token(http, seeded)
    # A sign-out everywhere ends sessions, not tokens: they are credentials of their own.
    assert http.post("/api/auth/logout", headers=seeded.auth).status_code in (200, 204)
    assert http.get(data(seeded, "readings"), headers=bearer(first)).status_code == 200

    signed_in = {
        "Authorization": "Bearer "
        + body(http.post("/api/auth/login", json={"username": seeded.email, "password": "integration-test-1"}))[
            "id_token"
        ]
    }
    assert body(http.delete("/api/me/tokens", headers=signed_in)) == {"revoked": 2}
    for token in (first, second):
        assert http.get(data(seeded, "readings"), headers=bearer(token)).status_code == 401


def test_customer_service_makes_no_token_and_nobody_signed_out_makes_one(http, seed, stack):
    seeded = seed()
    staff = staff_headers(stack, http, f"staff-tokens-{seeded.customer.number}@example.com")
    payload = {
        "name": "x",
        "customers": [{"customer": seeded.customer.number}],
        "kinds": ["readings"],
        "expires_in_days": 1,
    }
    refused = http.post("/api/me/tokens", json=payload, headers=staff)
    assert refused.status_code == 403 and body(refused)["code"] == "token_staff"
    assert http.post("/api/me/tokens", json=payload).status_code == 401
    assert http.get("/api/me/tokens", headers=staff).json == []


def test_a_token_is_rate_limited_with_retry_after(http, seed):
    seeded = seed()
    token = new_token(http, seeded)
    url = f"/api/v1/data/customers/{seeded.customer.number}/meters"
    statuses = [http.get(url, headers=bearer(token)).status_code for _ in range(120)]
    assert set(statuses) == {200}
    limited = http.get(url, headers=bearer(token))
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert http.get(url, headers=bearer(new_token(http, seeded))).status_code == 200


# --- interval consumption -------------------------------------------------------------------------


def test_hourly_values_with_utc_starts_temperatures_flow_and_quality(http, repo, seed):
    seeded = seed()
    first = datetime(2026, 3, 9, 23, tzinfo=UTC)  # 00:00 in Oslo on 10 March
    values = hours(seeded.meter.number, first, 24)
    values[5] = values[5].model_copy(update={"quality": "estimated"})
    with_intervals(repo, seeded, values)
    token = new_token(http, seeded)

    resp = http.get(
        data(seeded, "consumption?resolution=hour&from=2026-03-10T00:00:00%2B01:00&to=2026-03-10T06:00:00Z"),
        headers=bearer(token),
    )
    page = body(resp)
    assert resp.status_code == 200, resp.text
    assert (page["unit"], page["resolution"], page["timezone"]) == ("kWh", "hour", "Europe/Oslo")
    assert [v["start"] for v in page["values"]][:2] == ["2026-03-09T23:00:00Z", "2026-03-10T00:00:00Z"]
    assert len(page["values"]) == 7 and page["values"][-1]["end"] == "2026-03-10T06:00:00Z"
    first_hour = page["values"][0]
    assert (first_hour["quantity"], first_hour["supply_temp_c"], first_hour["return_temp_c"]) == (
        "2.500",
        "72.0",
        "38.0",
    )
    assert first_hour["flow_m3h"] == "0.060" and first_hour["quality"] == "measured"
    assert page["values"][5]["quality"] == "estimated"

    day = body(
        http.get(
            data(seeded, "consumption?resolution=day&from=2026-03-10T00:00:00%2B01:00&to=2026-03-11T00:00:00%2B01:00"),
            headers=bearer(token),
        )
    )
    assert day["values"] == [
        {
            "start": "2026-03-09T23:00:00Z",
            "end": "2026-03-10T23:00:00Z",
            "quantity": "60.000",
            "quality": "estimated",
            "volume_m3": "1.440",
            "supply_temp_c": "72.0",
            "return_temp_c": "38.0",
            "flow_m3h": "0.060",
            "cost": None,
        }
    ]


def test_pages_follow_the_cursor_and_make_the_whole_series(http, repo, seed):
    seeded = seed()
    with_intervals(repo, seeded, hours(seeded.meter.number, datetime(2026, 3, 9, 23, tzinfo=UTC), 48))
    token = new_token(http, seeded)
    query = "consumption?resolution=hour&from=2026-03-09T23:00:00Z&to=2026-03-11T23:00:00Z"
    whole = body(http.get(data(seeded, query), headers=bearer(token)))
    assert len(whole["values"]) == 48 and whole["next_cursor"] is None

    starts, cursor, pages = [], None, 0
    while True:
        url = data(seeded, f"{query}&limit=10" + (f"&cursor={cursor}" if cursor else ""))
        page = body(http.get(url, headers=bearer(token)))
        starts += [v["start"] for v in page["values"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert starts == [v["start"] for v in whole["values"]] and pages == 5
    bad = http.get(data(seeded, f"{query}&cursor=bm90LWEtdGltZQ"), headers=bearer(token))
    assert bad.status_code == 422 and body(bad)["code"] == "cursor_invalid"


def test_units_on_request_and_a_water_meter_in_m3(http, repo, seed):
    seeded = seed()
    with_days(repo, seeded, date(2026, 1, 1), 2, per_day="1000")
    token = new_token(http, seeded)
    query = "consumption?resolution=day&from=2026-01-01T00:00:00%2B01:00&to=2026-01-02T00:00:00%2B01:00"
    assert (
        body(http.get(data(seeded, query + "&unit=GJ"), headers=bearer(token)))["values"][0]["quantity"] == "3.600000"
    )
    assert (
        body(http.get(data(seeded, query + "&unit=MWh"), headers=bearer(token)))["values"][0]["quantity"] == "1.000000"
    )
    refused = http.get(data(seeded, query + "&unit=m3"), headers=bearer(token))
    assert refused.status_code == 422 and body(refused)["code"] == "consumption_unit_invalid"

    water = seeded.meter.model_copy(
        update={"number": f"W{seeded.customer.number}", "kind": MeterKind.WATER, "unit": EnergyUnit.M3, "decimals": 3}
    )
    repo.table.put(meter_item(water))
    DynamoReadingsStore(repo.table).put_daily(
        [DailyConsumption(meter_number=water.number, day=date(2026, 1, 1), quantity=Decimal("0.412"))]
    )
    url = f"/api/v1/data/customers/{seeded.customer.number}/meters/{water.number}/{query}"
    page = body(http.get(url, headers=bearer(token)))
    assert (page["unit"], page["values"][0]["quantity"]) == ("m3", "0.412")


def test_thirteen_months_of_history_and_cost_where_priced(http, repo, seed):
    seeded = seed()
    today = local_today()
    first = (today.replace(day=1) - timedelta(days=400)).replace(day=1)
    with_days(repo, seeded, first, (today - first).days)
    priced = first + timedelta(days=31 * 6)
    repo.put_spot_price("NO1", f"{priced:%Y-%m}", Decimal("0.8123"))
    token = new_token(http, seeded)

    months = body(
        http.get(
            data(seeded, f"consumption?resolution=month&from={first.isoformat()}T00:00:00%2B01:00"),
            headers=bearer(token),
        )
    )
    assert len(months["values"]) >= 13
    assert months["values"][0]["start"] == datetime(first.year, first.month, 1, tzinfo=OSLO).astimezone(
        UTC
    ).isoformat().replace("+00:00", "Z")
    costs = {v["start"][:7]: v["cost"] for v in months["values"]}
    priced_month = datetime(priced.year, priced.month, 1, tzinfo=OSLO).astimezone(UTC).isoformat()[:7]
    assert Decimal(costs[priced_month]) > 0
    # the session's table is shared: other tests price other months, so each month is held to its own price
    for value in months["values"]:
        local = datetime.fromisoformat(value["start"].replace("Z", "+00:00")).astimezone(OSLO)
        assert (value["cost"] is not None) == (repo.spot_price("NO1", f"{local:%Y-%m}") is not None), value


def test_a_conditional_read_answers_304_until_the_data_changes(http, repo, seed):
    seeded = seed()
    token = new_token(http, seeded)
    first = http.get(data(seeded, "readings"), headers=bearer(token))
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache" and first.headers["Vary"] == "Authorization"

    again = http.get(data(seeded, "readings"), headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag

    resp = http.post(
        f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings",
        json={"value": "99000", "read_on": local_today().isoformat(), "confirm": True},
        headers=seeded.auth,
    )
    assert resp.status_code == 201, resp.text
    changed = http.get(data(seeded, "readings"), headers={**bearer(token), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_read_makes_a_fixed_number_of_dynamodb_requests(http, repo, seed):
    seeded = seed()
    with_days(repo, seeded, date(2026, 1, 1), 60)
    token = new_token(http, seeded)
    http.get(data(seeded, "readings"), headers=bearer(token))  # notes the first use
    table = composition.repository().table
    before = table.requests
    resp = http.get(
        data(seeded, "consumption?resolution=day&from=2026-01-01T00:00:00%2B01:00&to=2026-03-01T00:00:00%2B01:00"),
        headers=bearer(token),
    )
    assert resp.status_code == 200 and len(body(resp)["values"]) == 59
    # The token (GetItem), its rate (UpdateItem), the customer's record (Query),
    # the days (Query), the spot prices of the two months (a GetItem each).
    assert table.requests - before == 6


# --- a provider share -------------------------------------------------------------------------------


def test_a_share_reaches_the_provider_and_every_read_is_in_the_customers_audit_trail(http, seed):
    seeded = seed()
    provider = f"energi-{seeded.customer.number}@example.com"
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/shares",
        json={
            "provider_name": "Energiråd AS",
            "provider_email": provider,
            "facilities": [seeded.meter.facility_id],
            "kinds": ["consumption", "readings"],
            "valid_until": (local_today() + timedelta(days=30)).isoformat(),
        },
        headers={**seeded.auth, "Accept-Language": "nb"},
    )
    assert resp.status_code == 201, resp.text
    assert "token" not in body(resp) and body(resp)["status"] == "active"
    token = token_in_mail(provider)
    mail = next(m for m in outbox_messages("email") if m["to"] == provider)
    assert "/api/docs" in mail["text"] and seeded.customer.name in mail["text"]

    for tail in ("readings", "consumption?resolution=month"):
        assert http.get(data(seeded, tail), headers=bearer(token)).status_code == 200
    refused = http.get(f"/api/v1/data/customers/{seeded.customer.number}/invoices", headers=bearer(token))
    assert refused.status_code == 403

    trail = body(http.get(f"/api/customers/{seeded.customer.number}/audit", headers=seeded.auth))
    # What it read, newest first (the refused invoices read nothing).
    used = [(e["action"], e["subject"]) for e in trail if e["action"] == "share_used"]
    assert used == [
        ("share_used", f"consumption {seeded.meter.number}"),
        ("share_used", f"readings {seeded.meter.number}"),
    ]
    assert any(e["action"] == "share_granted" and e["subject"] == "Energiråd AS" for e in trail)

    share_id = body(http.get(f"/api/customers/{seeded.customer.number}/shares", headers=seeded.auth))[0]["id"]
    assert (
        http.delete(f"/api/customers/{seeded.customer.number}/shares/{share_id}", headers=seeded.auth).status_code
        == 200
    )
    assert http.get(data(seeded, "readings"), headers=bearer(token)).status_code == 401
