"""The daily alert job as the schedule runs it: the notifications handler
with ``{"job": "alerts"}`` evaluates the stored interval data, publishes on
the alerts topic, the topic delivers to the notifications handler, which
queues the e-mail and the SMS in the delivery outbox, whose queue the same
function drains; the portal gets one notification. A second run
sends nothing more. The evaluation costs a fixed number of DynamoDB requests
per facility, however long the history."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from werkzeug.test import Client

import heatportal.composition.alerts as alerts_wiring
from heatportal import composition
from heatportal.adapters.dynamo import (
    DynamoRepository,
    customer_item,
    daily_item,
    facility_item,
    membership_item,
    meter_item,
)
from heatportal.adapters.dynamo_alerts import DynamoAlertStore
from heatportal.adapters.dynamo_readings import DynamoReadingsStore
from heatportal.domain.alerts import AlertRule, AlertSettings, Channel, Measure, Supply
from heatportal.domain.model import (
    Address,
    Customer,
    DailyConsumption,
    Facility,
    Membership,
    Meter,
    MeterKind,
    Role,
)
from heatportal.domain.money import EnergyUnit
from heatportal.domain.smart_meter import IntervalValue
from infra.local.lambdas import cold_start, invoke
from infra.local.stack import RunningStack, outbox_messages
from tests.dates import local_today
from tests.fakes.clock import FixedClock
from tests.integration.conftest import bearer, body, create_user

OSLO = ZoneInfo("Europe/Oslo")
_numbers = itertools.count(610001)
ADDRESS = Address(street="Varselvegen 3", postcode="0155", city="Oslo", country="NO")


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    return repo_of_its_own


@pytest.fixture
def noon(repo: DynamoRepository, monkeypatch: pytest.MonkeyPatch) -> Iterator[FixedClock]:
    """The alert services' clock at 12:00 today, Oslo time (outside the SMS quiet hours)."""
    clock = FixedClock(local_today())
    clock._now = datetime.combine(local_today(), time(12), tzinfo=OSLO).astimezone(UTC)
    monkeypatch.setattr(alerts_wiring, "clock", lambda: clock)
    cold_start()
    yield clock
    monkeypatch.undo()
    cold_start()


def facility_with_breach(
    repo: DynamoRepository,
    *,
    facilities: int = 1,
    history_days: int = 400,
    channels: frozenset[Channel] = frozenset({Channel.PORTAL, Channel.EMAIL, Channel.SMS}),
) -> tuple[Customer, list[Meter]]:
    """A customer whose facilities' heat meters sent a return temperature of
    48 °C yesterday (above any season's limit of 40 °C), after a year of 35 °C,
    with hourly values for the last days."""
    number = str(next(_numbers))
    customer = Customer(
        number=number,
        name="Borettslaget Varsel",
        email=f"styret-{number}@example.com",
        phone=f"+4798{number}",
        language="nb",
        address=ADDRESS,
    )
    items = [customer_item(customer)]
    meters = []
    yesterday = local_today() - timedelta(days=1)
    store = DynamoReadingsStore(repo.table)
    for f in range(facilities):
        facility = Facility(id=f"V{number}-{f}", customer_number=number, name=f"Varselvegen {3 + f}", address=ADDRESS)
        meter = Meter(
            number=f"MV{number}{f}",
            customer_number=number,
            facility_id=facility.id,
            kind=MeterKind.HEAT,
            unit=EnergyUnit.KWH,
            decimals=0,
            installed_on=date(2020, 1, 1),
        )
        meters.append(meter)
        items += [facility_item(facility), meter_item(meter)]
        for n in range(history_days, 0, -1):
            day = yesterday - timedelta(days=n - 1)
            items.append(
                daily_item(
                    DailyConsumption(
                        meter_number=meter.number,
                        day=day,
                        quantity=Decimal(480),
                        mean_outdoor_temp=Decimal(-2),
                        peak_load_kw=Decimal(25),
                        mean_return_temp=Decimal(48) if day == yesterday else Decimal(35),
                    )
                )
            )
        start = datetime.combine(yesterday - timedelta(days=1), time(0), tzinfo=OSLO)
        store.put_intervals(
            [
                IntervalValue(
                    meter_number=meter.number,
                    start=start + timedelta(hours=h),
                    interval="hour",
                    day=(start + timedelta(hours=h)).astimezone(OSLO).date(),
                    energy=Decimal(20),
                    supply_temp=Decimal(80) + h % 3,
                    return_temp=Decimal(48) if (start + timedelta(hours=h)).date() >= yesterday else Decimal(35),
                )
                for h in range(48 + 10)  # the day before, yesterday and this morning until 10:00
            ]
        )
        DynamoAlertStore(repo.table).put_settings(
            AlertSettings(
                customer_number=number,
                facility_id=facility.id,
                rules=(
                    AlertRule(
                        supply=Supply.HEATING,
                        measure=Measure.RETURN_TEMPERATURE,
                        summer=Decimal(40),
                        winter=Decimal(40),
                        channels=channels,
                    ),
                    AlertRule(supply=Supply.HEATING, measure=Measure.NO_DATA, hours=24, channels=channels),
                ),
                updated_at=datetime.now(UTC),
                updated_by="admin@example.com",
            )
        )
    repo.table.batch_put(items)
    return customer, meters


def sent_to(customer: Customer) -> list[dict[str, Any]]:
    return [m for m in outbox_messages() if m["to"] in (customer.email, customer.phone)]


def test_a_breach_in_the_stored_data_sends_one_email_one_sms_and_one_portal_notification_once(
    stack: RunningStack, repo: DynamoRepository, http: Client, noon: FixedClock
) -> None:
    customer, [meter] = facility_with_breach(repo)

    first = invoke("NotificationsFunction", {"job": "alerts"})
    drained = stack.deliveries.drain()

    assert (first["facilities"], first["meters"], first["notifications"], first["published"]) == (1, 1, 1, 1)
    assert drained.invocations >= 1  # the e-mail and the SMS went through the delivery outbox
    messages = sent_to(customer)
    assert sorted(m["channel"] for m in messages) == ["email", "sms"]
    email = next(m for m in messages if m["channel"] == "email")
    assert "Returtemperatur" in str(email["subject"]) and "Varselvegen 3" in str(email["subject"])
    assert "48,0\u00a0°C" in str(email["text"])  # Norwegian numbers and units
    assert f"/analysis?facility=V{customer.number}-0&supply=heating&section=temperature" in str(email["text"])
    sms = next(m for m in messages if m["channel"] == "sms")
    assert "over grensen" in str(sms["text"]) and "/analysis?facility=" in str(sms["text"])

    # The portal: one notification, unread, for a person of the customer.
    email_address = f"varsel-{customer.number}@example.com"
    user_id = create_user(stack, email_address)
    repo.table.put(
        membership_item(
            Membership(user_id=user_id, customer_number=customer.number, role=Role.READ, email=email_address)
        )
    )
    listed = body(http.get(f"/api/customers/{customer.number}/notifications", headers=bearer(http, email_address)))
    assert listed["unread"] == 1
    [note] = listed["notifications"]
    assert (note["kind"], note["measure"], note["value"], note["meter_number"]) == (
        "breach",
        "return_temperature",
        "48.0",
        meter.number,
    )

    second = invoke("NotificationsFunction", {"job": "alerts"})
    stack.deliveries.drain()

    assert (second["notifications"], second["published"]) == (0, 0)
    assert len(sent_to(customer)) == 2
    again = body(http.get(f"/api/customers/{customer.number}/notifications", headers=bearer(http, email_address)))
    assert len(again["notifications"]) == 1


def test_an_sms_in_the_quiet_hours_waits_for_the_morning_and_the_email_does_not(
    stack: RunningStack, repo: DynamoRepository, noon: FixedClock
) -> None:
    customer, _ = facility_with_breach(repo)
    noon._now = datetime.combine(local_today(), time(23, 30), tzinfo=OSLO).astimezone(UTC)

    invoke("NotificationsFunction", {"job": "alerts"})
    stack.deliveries.drain()
    assert [m["channel"] for m in sent_to(customer)] == ["email"]

    noon._now = datetime.combine(local_today() + timedelta(days=1), time(7), tzinfo=OSLO).astimezone(UTC)
    result = invoke("NotificationsFunction", {"job": "alerts"})
    stack.deliveries.drain()
    assert result["held_sms_released"] == 1
    assert sorted(m["channel"] for m in sent_to(customer)) == ["email", "sms"]


def requests_of_a_run(repo: DynamoRepository) -> int:
    table = composition.repository().table
    before = table.requests
    composition.alert_evaluation().run()
    return table.requests - before


def test_the_evaluation_costs_a_fixed_number_of_requests_per_facility(
    stack: RunningStack, repo: DynamoRepository, noon: FixedClock
) -> None:
    portal_only = frozenset({Channel.PORTAL})
    facility_with_breach(repo, facilities=1, history_days=60, channels=portal_only)
    # The settings list (1 page), the customer's record (1), the meter's daily
    # values (1) and interval values (1), the facility's transaction (1).
    assert requests_of_a_run(repo) == 5

    # Three facilities of another customer, with seven times the history: the
    # list, the customer's record once, then 3 requests per facility; the
    # first customer's facility, evaluated up to yesterday already, costs nothing.
    facility_with_breach(repo, facilities=3, history_days=430, channels=portal_only)
    assert requests_of_a_run(repo) == 1 + 1 + 3 * 3

    # A second run the same day reads the list and nothing else.
    assert requests_of_a_run(repo) == 1
