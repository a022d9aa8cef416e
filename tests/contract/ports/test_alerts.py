"""The alert ports (settings, the evaluation's state and notifications,
the inbox counters read with the customer's record, the monthly consumption
information, interval values by day range): the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from heatportal.domain.alerts import AlertRule, AlertSettings, AlertState, Channel, Episode, Measure, Supply
from heatportal.domain.consumption_info import ConsumptionInfo, ConsumptionInfoLine
from heatportal.domain.model import MeterKind
from heatportal.domain.notifications import Notification, numbered
from heatportal.domain.smart_meter import IntervalValue
from heatportal.services.alerts.ports import OutboundMessage
from tests.builders import a_customer
from tests.contract.ports.conftest import Ports

AT = datetime(2026, 1, 12, 6, tzinfo=UTC)
RULE = AlertRule(
    supply=Supply.HEATING,
    measure=Measure.RETURN_TEMPERATURE,
    summer=Decimal(45),
    winter=Decimal("40.5"),
    channels=frozenset({Channel.PORTAL, Channel.SMS}),
)


def settings(customer: str, facility: str) -> AlertSettings:
    return AlertSettings(
        customer_number=customer,
        facility_id=facility,
        rules=(
            RULE,
            AlertRule(
                supply=Supply.COOLING,
                measure=Measure.NO_DATA,
                hours=48,
                channels=frozenset({Channel.EMAIL}),
            ),
        ),
        email_to=("vakt@example.no",),
        sms_to=("+4791234567",),
        updated_at=AT,
        updated_by="admin@example.no",
    )


def note(customer: str, day: int, facility: str | None = "F-1", kind: str = "breach") -> Notification:
    return Notification.model_validate(
        {
            "customer_number": customer,
            "id": f"2026-01-{day:02d}#M-1#return_temperature#{kind}",
            "kind": kind,
            "facility_id": facility,
            "day": date(2026, 1, day),
            "created_at": AT,
            "meter_number": "M-1",
            "supply": Supply.HEATING,
            "measure": Measure.RETURN_TEMPERATURE,
            "value": Decimal("43.2"),
            "threshold": Decimal(40),
            "since": date(2026, 1, 1) if kind == "normal" else None,
        }
    )


def test_settings_are_kept_per_facility_and_a_save_replaces_them(ports: Ports) -> None:
    ports.alert_settings.put_settings(settings("100001", "F-2"))
    ports.alert_settings.put_settings(settings("100001", "F-1"))
    ports.alert_settings.put_settings(settings("100002", "F-9"))
    assert [s.facility_id for s in ports.alert_settings.settings_of("100001")] == ["F-1", "F-2"]
    assert ports.alert_settings.settings_of("100001")[0] == settings("100001", "F-1")
    changed = settings("100001", "F-1").model_copy(update={"rules": ()})
    ports.alert_settings.put_settings(changed)
    assert ports.alert_settings.settings_of("100001")[0].rules == ()


def test_the_evaluation_lists_every_facility_with_its_state(ports: Ports) -> None:
    ports.alert_settings.put_settings(settings("100001", "F-1"))
    ports.alert_settings.put_settings(settings("100002", "F-9"))
    state = AlertState(
        customer_number="100001",
        facility_id="F-1",
        evaluated_through=date(2026, 1, 11),
        episodes={
            "M-1#return_temperature": Episode(since=date(2026, 1, 10), value=Decimal("43.2"), threshold=Decimal(40))
        },
    )
    assert ports.alert_evaluation.record(state, None, [], {})
    listed = {(s.customer_number, s.facility_id): st for s, st in ports.alert_evaluation.to_evaluate()}
    assert listed == {("100001", "F-1"): state, ("100002", "F-9"): None}


def test_what_is_told_is_kept_all_or_nothing_and_once(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    state = AlertState(customer_number="100001", facility_id="F-1", evaluated_through=date(2026, 1, 11))
    told, counters = numbered([note("100001", 11)], {})
    assert ports.alert_evaluation.record(state, None, told, {})
    assert ports.records.customer_record("100001").inbox == counters == {"F-1": 1}

    # The same day told again (a second run): refused, nothing changes.
    assert not ports.alert_evaluation.record(state, None, told, {})
    later = state.model_copy(update={"evaluated_through": date(2026, 1, 12)})
    assert not ports.alert_evaluation.record(later, state, told, counters)
    # A run that read an older state loses.
    assert not ports.alert_evaluation.record(later, None, [], {})
    assert [s for _, s in ports.alert_evaluation.to_evaluate()] == []  # no settings listed
    # The next day's end of the breach moves the counter on.
    ended, after = numbered([note("100001", 12, kind="normal")], counters)
    assert ports.alert_evaluation.record(later, state, ended, counters)
    assert ports.records.customer_record("100001").inbox == after == {"F-1": 2}
    assert [(n.id, n.seq) for n in ports.notifications.notifications("100001", 10)] == [
        ("2026-01-12#M-1#return_temperature#normal", 2),
        ("2026-01-11#M-1#return_temperature#breach", 1),
    ]
    assert ports.notifications.notifications("100001", 1)[0].since == date(2026, 1, 1)


def test_a_counter_moved_meanwhile_refuses_the_notification(ports: Ports) -> None:
    state = AlertState(customer_number="100001", facility_id="F-1")
    assert ports.alert_evaluation.record(state, None, numbered([note("100001", 11)], {})[0], {})
    # Another writer read the counter at 0 as well.
    moved = state.model_copy(update={"evaluated_through": date(2026, 1, 12)})
    assert not ports.alert_evaluation.record(moved, state, numbered([note("100001", 12)], {})[0], {})
    assert len(ports.notifications.notifications("100001", 10)) == 1


def test_each_person_keeps_the_counters_they_have_seen(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    ports.notifications.mark_seen("100001", "user-1", {"F-1": 3, "*": 1})
    ports.notifications.mark_seen("100001", "user-2", {"F-1": 1})
    ports.notifications.mark_seen("100001", "user-1", {"F-1": 4, "*": 1})
    assert ports.records.customer_record("100001").seen == {"user-1": {"F-1": 4, "*": 1}, "user-2": {"F-1": 1}}


def test_a_months_information_is_kept_once_with_its_notification(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    line = ConsumptionInfoLine(
        meter_number="M-1",
        facility_id="F-1",
        kind=MeterKind.HEAT,
        unit="kWh",
        category="heat:household",
        quantity=Decimal(930),
        estimated=True,
        previous_month=Decimal(775),
        last_year=None,
        corrected=Decimal(901),
        benchmark=Decimal(1020),
    )
    info = ConsumptionInfo(customer_number="100001", month="2026-01", created_at=AT, lines=(line,))
    monthly = Notification(
        customer_number="100001",
        id="2026-01-01#monthly#2026-01",
        kind="monthly_info",
        facility_id=None,
        day=date(2026, 1, 1),
        created_at=AT,
        month="2026-01",
        seq=1,
    )
    assert ports.consumption_info.put_consumption_info(info, monthly, {})
    assert not ports.consumption_info.put_consumption_info(info, monthly, {"*": 1})
    assert ports.consumption_info.consumption_info("100001", "2026-01") == info
    assert ports.consumption_info.consumption_info("100001", "2025-12") is None
    assert ports.consumption_info.consumption_info_months("100001", 5) == ["2026-01"]
    assert ports.records.customer_record("100001").inbox == {"*": 1}
    assert ports.notifications.notifications("100001", 5) == [monthly]


def held(message_id: str, until: datetime) -> OutboundMessage:
    return OutboundMessage(
        id=message_id,
        channel="sms",
        to="+4791234567",
        subject="",
        text="Varsel: returtemperatur 43,2 °C",
        not_before=until,
        customer_number="100001",
    )


def test_a_held_sms_is_due_from_its_time_until_released_and_held_once(ports: Ports) -> None:
    morning, later = datetime(2026, 1, 13, 6, tzinfo=UTC), datetime(2026, 1, 13, 8, tzinfo=UTC)
    first, second = held("alert-100001-a", later), held("alert-100001-b", morning)
    assert ports.held_messages.hold(first) and ports.held_messages.hold(second)
    assert not ports.held_messages.hold(first)
    assert ports.held_messages.due(morning - timedelta(seconds=1)) == []
    assert ports.held_messages.due(morning) == [second]
    assert ports.held_messages.due(later) == [second, first]
    ports.held_messages.released([second.id])
    assert ports.held_messages.due(later) == [first]
    assert not ports.held_messages.hold(second)  # released, and still held once


def test_interval_values_of_a_range_of_days_come_oldest_first(ports: Ports) -> None:
    def hour(at: str, day: date) -> IntervalValue:
        return IntervalValue(
            meter_number="M-1",
            start=datetime.fromisoformat(at),
            interval="hour",
            day=day,
            energy=Decimal(3),
            return_temp=Decimal("41.5"),
        )

    values = [
        hour("2026-01-09T22:00:00+00:00", date(2026, 1, 9)),
        hour("2026-01-09T23:00:00+00:00", date(2026, 1, 10)),
        hour("2026-01-11T22:00:00+00:00", date(2026, 1, 11)),
        hour("2026-01-11T23:00:00+00:00", date(2026, 1, 12)),
    ]
    ports.intervals.put_intervals(list(reversed(values)))
    assert ports.meter_data.intervals_between("M-1", date(2026, 1, 10), date(2026, 1, 11)) == values[1:3]
    assert ports.meter_data.intervals_between("M-2", date(2026, 1, 10), date(2026, 1, 11)) == []
