"""Corrections of stored readings by customer service, with the history kept:
only staff, validated like a new reading, each replaced version
visible with the readings, a retry recorded once, nothing half-written."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo_readings import DynamoReadingsStore
from heatportal.domain.errors import Conflict
from heatportal.domain.model import ReadingSource, Role
from heatportal.domain.reading_corrections import ReadingCorrection
from heatportal.i18n import translate
from heatportal.services.access import Principal
from tests.integration.conftest import body, staff_headers


@pytest.fixture(scope="module")
def staff(stack, http) -> dict[str, str]:
    """A customer-service user (Cognito group ``staff``) with no membership."""
    return staff_headers(stack, http, f"kundeservice-{secrets.token_hex(4)}@example.com")


def readings_url(seeded) -> str:
    return f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"


def readings_of(http, seeded) -> list[dict]:
    resp = http.get(readings_url(seeded), headers=seeded.auth)
    assert resp.status_code == 200
    return body(resp)


def seeded_dates(http, seeded) -> list[str]:
    """The six seeded readings: 11500, 13000, ... 19000 kWh on the 1st of each month."""
    return [r["read_on"] for r in readings_of(http, seeded)]


def test_staff_corrects_a_reading_and_the_customer_sees_the_history(http, seed, staff):
    seeded = seed()
    day = seeded_dates(http, seeded)[2]  # 14500 kWh, between 13000 and 16000

    first = http.put(
        f"{readings_url(seeded)}/{day}", json={"value": "14600", "reason": "Feil avlest av kunden"}, headers=staff
    )
    second = http.put(
        f"{readings_url(seeded)}/{day}", json={"value": "14700", "reason": "Bilde av måleren mottatt"}, headers=staff
    )

    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert body(first)["value"] == "14600"
    assert body(first)["source"] == "staff"
    corrected = next(r for r in readings_of(http, seeded) if r["read_on"] == day)
    assert corrected["value"] == "14700"
    assert corrected["estimated"] is False
    history = corrected["corrections"]
    assert [(c["previous_value"], c["value"], c["reason"]) for c in history] == [
        ("14500", "14600", "Feil avlest av kunden"),
        ("14600", "14700", "Bilde av måleren mottatt"),
    ]
    assert history[0]["previous_source"] == "portal"
    # Other readings carry no history.
    assert all(r["corrections"] == [] for r in readings_of(http, seeded) if r["read_on"] != day)


def test_billing_uses_the_corrected_value(http, seed, staff):
    seeded = seed()
    day = seeded_dates(http, seeded)[3]  # 16000 kWh
    resp = http.put(f"{readings_url(seeded)}/{day}", json={"value": "15950", "reason": "Tastefeil"}, headers=staff)
    assert resp.status_code == 200
    value = composition.reading_service().value_at(seeded.meter, datetime.fromisoformat(day).date())
    assert (value.value, value.estimated) == (Decimal("15950"), False)


def test_retrying_a_correction_records_it_once(http, seed, staff):
    seeded = seed()
    day = seeded_dates(http, seeded)[1]
    payload = {"value": "13100", "reason": "Kunden ringte inn riktig stand"}
    responses = [http.put(f"{readings_url(seeded)}/{day}", json=payload, headers=staff) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    corrected = next(r for r in readings_of(http, seeded) if r["read_on"] == day)
    assert len(corrected["corrections"]) == 1
    assert body(responses[-1])["corrections"] == corrected["corrections"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FULL, Role.READ])
def test_customers_may_not_correct_readings_read_in_the_portal(http, seed, role):
    # (A reading that came by SMS the full role may replace: test_sms_confirmation.)
    seeded = seed(role=role)
    before = readings_of(http, seeded)
    day = before[2]["read_on"]
    resp = http.put(
        f"{readings_url(seeded)}/{day}", json={"value": "14600", "reason": "Jeg vet best"}, headers=seeded.auth
    )
    assert resp.status_code == 403
    assert body(resp)["code"] == ("forbidden" if role == Role.READ else "correction_staff_only")
    assert readings_of(http, seeded) == before


@pytest.mark.parametrize(
    ("index", "payload", "status", "code"),
    [
        (2, {"value": "12999", "reason": "Feil"}, 422, "reading_below_previous"),
        (2, {"value": "16001", "reason": "Feil"}, 422, "reading_above_next"),
        (0, {"value": "9999", "reason": "Feil"}, 422, "reading_below_previous"),  # below the meter's start value
        (2, {"value": "14600.5", "reason": "Feil"}, 422, "reading_too_many_decimals"),
        (2, {"value": "14600", "reason": "   "}, 422, "correction_reason_required"),
        (2, {"value": "14600"}, 422, "validation_failed"),
        (2, {"value": "-1", "reason": "Feil"}, 422, "validation_failed"),
        (2, {"value": "14600", "reason": "x" * 501}, 422, "validation_failed"),
        (2, {"value": "14600", "reason": "Feil", "estimated": True}, 422, "validation_failed"),
        (None, {"value": "14600", "reason": "Feil"}, 404, "reading_not_found"),
    ],
)
def test_rejected_corrections_get_a_code_and_change_nothing(http, seed, staff, index, payload, status, code):
    seeded = seed()
    before = readings_of(http, seeded)
    day = before[index]["read_on"] if index is not None else "2021-06-15"
    resp = http.put(
        f"{readings_url(seeded)}/{day}", json=payload, headers={**staff, "Accept-Language": "nb-NO,nb;q=0.9"}
    )
    assert resp.status_code == status, resp.text
    error = body(resp)
    assert error["code"] == code
    if code != "validation_failed":
        assert error["message"] == translate(f"error.{code}", "nb", next="16000")
    assert readings_of(http, seeded) == before


def test_a_reading_date_that_is_no_date_is_refused(http, seed, staff):
    seeded = seed()
    resp = http.put(f"{readings_url(seeded)}/2025-13-01", json={"value": "14600", "reason": "Feil"}, headers=staff)
    assert resp.status_code == 422
    assert body(resp)["code"] == "validation_failed"


def test_a_meter_of_another_customer_is_not_found(http, seed, staff):
    seeded, other = seed(), seed()
    day = seeded_dates(http, seeded)[2]
    url = f"/api/customers/{other.customer.number}/meters/{seeded.meter.number}/readings/{day}"
    resp = http.put(url, json={"value": "14600", "reason": "Feil"}, headers=staff)
    assert resp.status_code == 404
    assert body(resp)["code"] == "meter_not_found"


def test_a_correction_against_a_changed_reading_is_a_conflict_and_writes_nothing(http, repo, seed, staff):
    seeded = seed()
    day = seeded_dates(http, seeded)[2]
    stale = next(
        r
        for r in repo.list_readings(seeded.meter.number, seeded.meter.installed_on, datetime.now(UTC).date())
        if r.read_on.isoformat() == day
    )
    assert (
        http.put(f"{readings_url(seeded)}/{day}", json={"value": "14600", "reason": "Først"}, headers=staff).status_code
        == 200
    )
    now = datetime.now(UTC)
    late = stale.model_copy(update={"value": Decimal("14800"), "source": ReadingSource.STAFF, "recorded_at": now})
    correction = ReadingCorrection(
        meter_number=stale.meter_number,
        read_on=stale.read_on,
        previous_value=stale.value,
        previous_source=stale.source,
        previous_estimated=False,
        previous_recorded_at=stale.recorded_at,
        value=Decimal("14800"),
        reason="Samtidig",
        corrected_at=now,
        corrected_by="staff-2",
    )
    with pytest.raises(Conflict) as raised:
        DynamoReadingsStore(repo.table).replace_reading(stale, late, correction)
    assert raised.value.code == "reading_changed"
    corrected = next(r for r in readings_of(http, seeded) if r["read_on"] == day)
    assert corrected["value"] == "14600"
    assert len(corrected["corrections"]) == 1


def test_listing_readings_with_corrections_takes_two_queries(http, repo, seed, staff):
    seeded = seed()
    day = seeded_dates(http, seeded)[2]
    assert (
        http.put(f"{readings_url(seeded)}/{day}", json={"value": "14600", "reason": "Feil"}, headers=staff).status_code
        == 200
    )
    table = composition.repository().table
    before = table.requests
    scope = composition.access().scope(Principal(user_id=seeded.user_id, email=seeded.email), seeded.customer.number)
    entries = composition.reading_correction_service().list_readings(scope, seeded.meter.number)
    # the customer's record Query (membership and meter in one) + readings Query + history Query
    assert len(entries) == 6
    assert table.requests - before == 3
    assert [len(e.corrections) for e in entries] == [0, 0, 1, 0, 0, 0]
