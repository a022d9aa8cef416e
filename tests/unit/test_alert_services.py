"""The alert services with in-memory fakes: the daily run tells a breach
once (portal, alerts topic) and a second run nothing; deliveries in the
customer's language, SMS held in quiet hours; settings by role and facility;
the unread count; the monthly consumption information."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from heatportal.domain.alerts import AlertSettings, Channel, Measure, Supply
from heatportal.domain.consumption_info import ConsumptionInfo
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.facility_groups import FacilityGroup, PortfolioSettings
from heatportal.domain.model import Customer, DailyConsumption, Facility, MeterKind, Role
from heatportal.domain.portfolio import CustomerDirectory, DirectoryFacility
from heatportal.domain.profile import load_profile
from heatportal.services.access import AccessService, Principal, Scope
from heatportal.services.alerts.consumption_info import ConsumptionInfoService
from heatportal.services.alerts.delivery import AlertDeliveryService
from heatportal.services.alerts.evaluation import AlertEvaluationService
from heatportal.services.alerts.inbox import NotificationService, unread_of
from heatportal.services.alerts.outbox import OutboxDeliveries
from heatportal.services.alerts.ports import AlertEvent, Deliveries
from heatportal.services.alerts.settings import AlertSettingsService, RuleInput
from heatportal.services.delivery.outbox import Outbox
from heatportal.services.portfolio.scope import CustomerAccess, Portfolio, PortfolioFacility
from tests.builders import ADDRESS, a_customer, a_membership, a_meter
from tests.fakes.alerts import InMemoryAlertStore, InMemoryDeliveries, RecordingAlertPublisher
from tests.fakes.clock import FixedClock
from tests.fakes.companies import InMemoryCompanyDirectory
from tests.fakes.consumption import InMemoryConsumptionRepository
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.delivery import InMemoryDeliveryQueue, InMemoryDeliveryStore

PROFILE = load_profile("no")
OSLO = ZoneInfo("Europe/Oslo")
CUSTOMER = "100001"
FACILITY = f"F-{CUSTOMER}"
METER = "M-1"
ADMIN = Principal("admin-1", "admin@example.no")
READER = Principal("reader-1", "reader@example.no")
ALL = frozenset({Channel.PORTAL, Channel.EMAIL, Channel.SMS})


@dataclass
class Alerts:
    clock: FixedClock
    customers: InMemoryCustomerRepository = field(default_factory=InMemoryCustomerRepository)
    memberships: InMemoryMembershipRepository = field(default_factory=InMemoryMembershipRepository)
    store: InMemoryAlertStore = field(default_factory=InMemoryAlertStore)
    data: InMemoryConsumptionRepository = field(default_factory=InMemoryConsumptionRepository)
    topic: RecordingAlertPublisher = field(default_factory=RecordingAlertPublisher)
    outbox: InMemoryDeliveries = field(default_factory=InMemoryDeliveries)
    companies: InMemoryCompanyDirectory | None = None

    @property
    def records(self) -> InMemoryCustomerRecords:
        return InMemoryCustomerRecords(self.memberships, self.customers, alerts=self.store, companies=self.companies)

    def scope(self, who: Principal) -> Scope:
        return AccessService(self.records, self.companies).scope(who, CUSTOMER)

    def evaluation(self) -> AlertEvaluationService:
        return AlertEvaluationService(
            self.store,
            self.records,
            self.data,
            self.topic,
            self.clock,
            policy=PROFILE.alerts,
            station="oslo",
            timezone="Europe/Oslo",
        )

    def deliveries(self, deliveries: Deliveries | None = None) -> AlertDeliveryService:
        return AlertDeliveryService(
            deliveries or self.outbox,
            self.clock,
            quiet_hours=PROFILE.alerts.sms_quiet_hours,
            timezone="Europe/Oslo",
            render_email=lambda e: (f"Varsel {e.facility_name}", f"{e.measure.value} {e.value}", "<p>html</p>"),
            render_sms=lambda e: f"SMS {e.measure.value} {e.value}",
        )

    def settings_service(self) -> AlertSettingsService:
        return AlertSettingsService(self.store, self.clock, country="NO")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO).astimezone(UTC)


def clock_at(moment: datetime) -> FixedClock:
    clock = FixedClock(moment.date())
    clock._now = moment
    return clock


@pytest.fixture
def world() -> Alerts:
    w = Alerts(clock_at(at(date(2026, 1, 12), 7)))
    w.customers.add_customer(
        Customer(
            number=CUSTOMER,
            name="Borettslaget Fjord",
            email="styret@example.no",
            phone="+4791234567",
            language="nb",
            address=ADDRESS,
        )
    )
    w.customers.add_facility(Facility(id=FACILITY, customer_number=CUSTOMER, name="Fjordveien 12", address=ADDRESS))
    w.customers.add_meter(a_meter(METER, CUSTOMER))
    w.memberships.add(a_membership(ADMIN.user_id, CUSTOMER, Role.ADMIN))
    w.memberships.add(a_membership(READER.user_id, CUSTOMER, Role.READ))
    return w


def days(w: Alerts, first: date, returns: list[str]) -> None:
    w.data.put_daily(
        [
            DailyConsumption(
                meter_number=METER,
                day=first + timedelta(days=n),
                quantity=Decimal(300),
                mean_outdoor_temp=Decimal(-2),
                peak_load_kw=Decimal(16),
                mean_return_temp=Decimal(r),
            )
            for n, r in enumerate(returns)
        ]
    )


def return_rule(channels: frozenset[Channel] = ALL) -> RuleInput:
    return RuleInput(Supply.HEATING, Measure.RETURN_TEMPERATURE, channels, summer=Decimal(45), winter=Decimal(40))


# --- the daily run -------------------------------------------------------------------


def test_a_breach_is_told_once_in_the_portal_and_on_the_alerts_topic(world: Alerts) -> None:
    world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule()])
    days(world, date(2026, 1, 9), ["38", "39", "43"])  # the 11th (yesterday) above 40 °C

    run = world.evaluation().run()

    assert (run.through, run.facilities, run.meters, run.told, run.published) == (date(2026, 1, 11), 1, 1, 1, 1)
    [note] = world.store.notifications(CUSTOMER, 10)
    assert (note.kind, note.measure, note.value, note.seq) == ("breach", Measure.RETURN_TEMPERATURE, Decimal(43), 1)
    assert note.link() == f"/analysis?facility={FACILITY}&supply=heating&section=temperature"
    [event] = world.topic.events
    assert (event.email_to, event.sms_to, event.language) == (("styret@example.no",), ("+4791234567",), "nb")
    assert event.facility_name == "Fjordveien 12"

    again = world.evaluation().run()
    assert (again.told, again.published) == (0, 0)
    assert len(world.topic.events) == 1 and len(world.store.notifications(CUSTOMER, 10)) == 1


def test_the_next_days_of_the_breach_say_nothing_and_its_end_is_told(world: Alerts) -> None:
    world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule()])
    days(world, date(2026, 1, 11), ["43"])
    world.evaluation().run()
    for n, value in enumerate(["44", "38"], start=12):  # one run a day at 07:00
        days(world, date(2026, 1, n), [value])
        world.clock._now = at(date(2026, 1, n + 1), 7)
        world.evaluation().run()
    kinds = [(n.kind, n.day.day) for n in world.store.notifications(CUSTOMER, 10)]
    assert kinds == [("normal", 13), ("breach", 11)]
    assert [e.kind for e in world.topic.events] == ["breach", "normal"]


def test_an_alert_for_the_portal_only_is_not_published_and_one_without_the_portal_is_no_notification(
    world: Alerts,
) -> None:
    world.settings_service().save(
        world.scope(ADMIN),
        [FACILITY],
        [
            return_rule(frozenset({Channel.PORTAL})),
            RuleInput(
                Supply.HEATING, Measure.HOURLY_POWER, frozenset({Channel.EMAIL}), summer=Decimal(5), winter=Decimal(10)
            ),
        ],
    )
    days(world, date(2026, 1, 11), ["43"])
    world.evaluation().run()
    assert [n.measure for n in world.store.notifications(CUSTOMER, 10)] == [Measure.RETURN_TEMPERATURE]
    assert [(e.measure, e.channels) for e in world.topic.events] == [(Measure.HOURLY_POWER, frozenset({Channel.EMAIL}))]


def test_a_run_that_lost_the_race_stores_nothing_and_its_messages_are_queued_once(world: Alerts) -> None:
    world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule()])
    days(world, date(2026, 1, 11), ["43"])
    stale = world.store.to_evaluate()  # this run read the list before the other run wrote
    world.evaluation().run()
    world.store.to_evaluate = lambda: stale  # type: ignore[method-assign]
    late = world.evaluation().run()
    assert (late.already_told, late.told) == (1, 0)
    assert len(world.store.notifications(CUSTOMER, 10)) == 1
    # It published before it knew; the deliveries queue each message once.
    for published in world.topic.events:
        world.deliveries().deliver(published)
    assert len(world.outbox.messages) == 2  # one e-mail, one SMS


# --- deliveries ----------------------------------------------------------------------


def event(**changes: object) -> AlertEvent:
    fields: dict[str, object] = {
        "customer_number": CUSTOMER,
        "customer_name": "Borettslaget Fjord",
        "language": "nb",
        "facility_id": FACILITY,
        "facility_name": "Fjordveien 12",
        "notification_id": f"2026-01-11#{METER}#return_temperature#breach",
        "kind": "breach",
        "meter_number": METER,
        "supply": Supply.HEATING,
        "measure": Measure.RETURN_TEMPERATURE,
        "day": date(2026, 1, 11),
        "value": Decimal(43),
        "threshold": Decimal(40),
        "channels": ALL,
        "email_to": ("styret@example.no", "vaktmester@example.no"),
        "sms_to": ("+4791234567",),
    }
    return AlertEvent.model_validate({**fields, **changes})


def test_each_address_gets_one_message_and_an_event_told_twice_queues_nothing_more(world: Alerts) -> None:
    world.clock._now = at(date(2026, 1, 12), 12)
    first = world.deliveries().deliver(event())
    again = world.deliveries().deliver(event())
    assert len(first.queued) == 3 and first.held_until is None
    assert (again.queued, again.already_queued) == ([], 3)
    assert sorted(m.to for m in world.outbox.of_channel("email")) == ["styret@example.no", "vaktmester@example.no"]
    [sms] = world.outbox.of_channel("sms")
    assert sms.text == "SMS return_temperature 43" and sms.not_before is None
    assert all(
        len(m.id) <= 90 and m.id.replace("-", "").replace("_", "").isalnum() for m in world.outbox.messages.values()
    )


def test_an_sms_in_quiet_hours_waits_until_they_end_and_an_email_does_not(world: Alerts) -> None:
    world.clock._now = at(date(2026, 1, 12), 23)
    delivered = world.deliveries().deliver(event())
    assert delivered.held_until == datetime(2026, 1, 13, 7, tzinfo=OSLO)
    [sms] = world.outbox.of_channel("sms")
    assert sms.not_before == datetime(2026, 1, 13, 7, tzinfo=OSLO)
    assert all(m.not_before is None for m in world.outbox.of_channel("email"))
    world.clock._now = at(date(2026, 1, 13), 5)  # after midnight, still quiet
    assert world.deliveries().deliver(event(notification_id="other")).held_until == datetime(
        2026, 1, 13, 7, tzinfo=OSLO
    )


def test_channels_not_chosen_get_nothing(world: Alerts) -> None:
    world.clock._now = at(date(2026, 1, 12), 12)
    world.deliveries().deliver(event(channels=frozenset({Channel.PORTAL, Channel.SMS})))
    assert [m.channel for m in world.outbox.messages.values()] == ["sms"]


def test_the_outbox_gets_each_message_once_and_a_held_sms_when_the_quiet_hours_end(world: Alerts) -> None:
    store, queue = InMemoryDeliveryStore(), InMemoryDeliveryQueue()
    outbox = OutboxDeliveries(Outbox(store, queue), world.store, world.clock)
    world.clock._now = at(date(2026, 1, 12), 23)

    first = world.deliveries(outbox).deliver(event())
    again = world.deliveries(outbox).deliver(event())

    assert (len(first.queued), again.queued, again.already_queued) == (3, [], 3)
    emails = sorted(store.deliveries.values(), key=lambda d: d.recipient)
    assert [(d.channel, d.recipient, d.group) for d in emails] == [
        ("email", "styret@example.no", "alert-2026-01-12"),
        ("email", "vaktmester@example.no", "alert-2026-01-12"),
    ]
    assert emails[0].subject == "Varsel Fjordveien 12" and emails[0].customer_number == CUSTOMER
    # The second telling stores nothing; the outbox queues a record still waiting again, and its sender sends it once.
    assert set(queue.take()) == {d.id for d in emails}
    assert outbox.release_due() == 0  # still quiet

    world.clock._now = at(date(2026, 1, 13), 7)
    assert outbox.release_due() == 1
    [sms] = [d for d in store.deliveries.values() if d.channel == "sms"]
    assert (sms.recipient, sms.text, sms.group) == ("+4791234567", "SMS return_temperature 43", "alert-2026-01-13")
    assert queue.take() == [sms.id]
    assert outbox.release_due() == 0
    again = world.deliveries(outbox).deliver(event())  # the same event once more, after the quiet hours
    assert (again.queued, again.held_until, len(store.deliveries), world.store.due(world.clock.now())) == (
        [],
        None,
        3,
        [],
    )


# --- settings ------------------------------------------------------------------------


def test_an_administrator_sets_alerts_and_a_reader_sees_them_but_may_not_change_them(world: Alerts) -> None:
    [saved] = world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule()], ["Vakt@Example.no"])
    assert saved.settings is not None
    assert saved.settings.email_to == ("vakt@example.no",) and saved.settings.updated_by == "admin@example.no"
    [overview] = world.settings_service().overview(world.scope(READER))
    assert overview == saved and overview.supplies == (Supply.HEATING,)
    with pytest.raises(Forbidden):
        world.settings_service().save(world.scope(READER), [FACILITY], [return_rule()])


def test_every_mistake_is_named_with_its_field_and_nothing_is_stored(world: Alerts) -> None:
    rules = [
        RuleInput(Supply.HEATING, Measure.RETURN_TEMPERATURE, ALL),  # no threshold
        RuleInput(Supply.HEATING, Measure.HOURLY_POWER, frozenset(), winter=Decimal(-1)),
        RuleInput(Supply.HEATING, Measure.ABOVE_EXPECTED, ALL, percent=Decimal(900), days=7),
        RuleInput(Supply.HEATING, Measure.NO_DATA, ALL, hours=1),
    ]
    with pytest.raises(ValidationFailed) as refused:
        world.settings_service().save(world.scope(ADMIN), [FACILITY], rules, ["not an address"], ["12"])
    assert {(f["field"], f["code"]) for f in refused.value.fields} == {
        ("heating.return_temperature.winter", "alert_threshold_missing"),
        ("heating.hourly_power.channels", "alert_channel_missing"),
        ("heating.hourly_power.winter", "alert_threshold_out_of_range"),
        ("heating.above_expected.percent", "alert_percent_out_of_range"),
        ("heating.no_data.hours", "alert_hours_out_of_range"),
        ("email_to", "alert_email_invalid"),
        ("sms_to", "alert_phone_invalid"),
    }
    assert world.store.settings == {}


def test_sms_needs_a_phone_somewhere(world: Alerts) -> None:
    world.customers.add_customer(a_customer(CUSTOMER, email="kari@example.no"))  # no phone on record
    with pytest.raises(ValidationFailed) as refused:
        world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule()])
    assert refused.value.code == "alert_phone_missing"
    [saved] = world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule()], sms_to=["912 34 567"])
    assert saved.settings is not None and saved.settings.sms_to == ("+4791234567",)


def test_a_group_of_facilities_gets_the_same_settings_and_an_unknown_one_none(world: Alerts) -> None:
    world.customers.add_facility(Facility(id="F-2", customer_number=CUSTOMER, name="Fjordveien 14", address=ADDRESS))
    saved = world.settings_service().save(world.scope(ADMIN), [FACILITY, "F-2"], [return_rule()])
    assert [s.facility.id for s in saved] == [FACILITY, "F-2"]
    with pytest.raises(NotFound):
        world.settings_service().save(world.scope(ADMIN), [FACILITY, "F-9"], [return_rule()])


# --- a group's alerts: one setting for each facility of the person's group they may set ---------

SECOND = "100002"


def group_world(world: Alerts, second_role: Role, *, second_email: str | None = "b@example.no") -> Portfolio:
    """The administrator of CUSTOMER is linked with ``second_role`` to SECOND (facility F-B);
    their portfolio holds both customers' facilities."""
    world.customers.add_customer(a_customer(SECOND, email=second_email))
    world.customers.add_facility(Facility(id="F-B", customer_number=SECOND, name="Bakgården", address=ADDRESS))
    world.customers.add_meter(a_meter("M-B", SECOND).model_copy(update={"facility_id": "F-B"}))
    world.memberships.add(a_membership(ADMIN.user_id, SECOND, second_role))
    roles = {CUSTOMER: Role.ADMIN, SECOND: second_role}
    where = {FACILITY: CUSTOMER, "F-B": SECOND}
    customers = {n: CustomerAccess(n, r) for n, r in roles.items()}
    directories = {
        n: CustomerDirectory(
            number=n,
            name=f"Kunde {n}",
            facilities=tuple(DirectoryFacility(id=f, name=f, address=ADDRESS) for f, c in where.items() if c == n),
        )
        for n in roles
    }
    facilities = tuple(
        PortfolioFacility(customers[c], f"Kunde {c}", directories[c].facility(f))  # type: ignore[arg-type]
        for f, c in where.items()
    )
    return Portfolio(ADMIN, customers, directories, facilities)


def groups(*members: tuple[str, tuple[str, ...]]) -> PortfolioSettings:
    made = datetime(2026, 1, 1, tzinfo=UTC)
    return PortfolioSettings(
        user_id=ADMIN.user_id,
        groups=tuple(FacilityGroup(id=g, name=f"Gruppe {g}", facilities=f, created_at=made) for g, f in members),
    )


def scope_of(world: Alerts) -> Callable[[str], Scope]:
    return lambda number: AccessService(world.records, None).scope(ADMIN, number)


def test_a_group_sets_the_facilities_the_person_may_set_and_names_the_others(world: Alerts) -> None:
    portfolio = group_world(world, Role.READ)
    service = world.settings_service()
    cooling = RuleInput(Supply.COOLING, Measure.NO_DATA, ALL, hours=24)
    done = service.save_group(
        portfolio, groups(("g1", (FACILITY, "F-B"))), "g1", [return_rule(), cooling], [], [], scope_of(world)
    )
    assert [e.facility.id for e in done.saved] == [FACILITY] and [f.id for f in done.skipped] == ["F-B"]
    stored = world.store.settings[(CUSTOMER, FACILITY)]
    # Stored as when set alone, with the rules of the supplies its meters measure (heating).
    assert [(r.supply, r.measure) for r in stored.rules] == [(Supply.HEATING, Measure.RETURN_TEMPERATURE)]
    assert (SECOND, "F-B") not in world.store.settings


def test_an_unknown_group_and_one_the_person_may_only_see_are_refused(world: Alerts) -> None:
    portfolio = group_world(world, Role.READ)
    service = world.settings_service()
    mine = groups(("g1", ("F-B",)))
    with pytest.raises(NotFound) as unknown:
        service.save_group(portfolio, mine, "nope", [return_rule()], [], [], scope_of(world))
    with pytest.raises(Forbidden) as read_only:
        service.save_group(portfolio, mine, "g1", [return_rule()], [], [], scope_of(world))
    assert (unknown.value.code, read_only.value.code) == ("alert_group_not_found", "alert_group_read_only")
    assert world.store.settings == {}


def test_a_mistake_for_any_customer_of_the_group_stores_nothing(world: Alerts) -> None:
    """The first customer has an e-mail address on record, the second none:
    the second refuses e-mail alerts, and the first is not written either."""
    portfolio = group_world(world, Role.ADMIN, second_email=None)
    mine = groups(("g1", (FACILITY, "F-B")))
    rule = return_rule(frozenset({Channel.EMAIL}))
    with pytest.raises(ValidationFailed) as refused:
        world.settings_service().save_group(portfolio, mine, "g1", [rule], [], [], scope_of(world))
    assert refused.value.code == "alert_email_missing"
    assert world.store.settings == {}
    done = world.settings_service().save_group(portfolio, mine, "g1", [rule], ["vakt@example.no"], [], scope_of(world))
    assert {e.facility.id for e in done.saved} == {FACILITY, "F-B"} and len(world.store.settings) == 2


def test_a_company_sets_alerts_on_the_facilities_it_was_granted_only(world: Alerts) -> None:
    from heatportal.domain.companies import CompanyGrant, OrgMember, OrgRole

    world.customers.add_facility(Facility(id="F-2", customer_number=CUSTOMER, name="Fjordveien 14", address=ADDRESS))
    world.companies = InMemoryCompanyDirectory(world.memberships)
    manager = Principal("manager-1", "forvalter@example.no")
    world.companies.members.append(OrgMember("923609016", manager.user_id, manager.email, OrgRole.ADMIN))
    world.companies.grants.append(
        CompanyGrant(
            CUSTOMER,
            "923609016",
            Role.FULL,
            frozenset({"F-2"}),
            "active",
            "admin@example.no",
            datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    scope = world.scope(manager)
    assert [f.facility.id for f in world.settings_service().overview(scope)] == ["F-2"]
    assert world.settings_service().save(scope, ["F-2"], [return_rule()])
    with pytest.raises(Forbidden):
        world.settings_service().save(scope, [FACILITY], [return_rule()])


# --- notifications -------------------------------------------------------------------


def test_notifications_are_unread_until_the_person_has_seen_them_each_for_themselves(world: Alerts) -> None:
    world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule()])
    days(world, date(2026, 1, 11), ["43"])
    world.evaluation().run()
    inbox = NotificationService(world.store)
    assert unread_of(world.scope(ADMIN)) == unread_of(world.scope(READER)) == 1
    [entry] = inbox.list(world.scope(ADMIN))
    assert entry.unread and entry.facility_name == "Fjordveien 12"
    inbox.mark_seen(world.scope(ADMIN))
    assert unread_of(world.scope(ADMIN)) == 0 and unread_of(world.scope(READER)) == 1
    assert not inbox.list(world.scope(ADMIN))[0].unread


# --- monthly consumption information -------------------------------------------------


def consumption_info(world: Alerts, *, min_customers: int = 1) -> ConsumptionInfoService:
    return ConsumptionInfoService(
        world.customers,
        world.records,
        world.data,
        world.store,
        world.outbox,
        world.clock,
        station="oslo",
        timezone="Europe/Oslo",
        min_customers=min_customers,
        render_email=lambda c, i, f: (f"Forbruk {i.month}", f"{i.lines[0].quantity} kWh", "<p></p>"),
        render_sms=lambda c, i: f"SMS {i.month}",
    )


def month_of_days(world: Alerts, meter: str, first: date, count: int, kwh: str) -> None:
    world.data.put_daily(
        [
            DailyConsumption(
                meter_number=meter, day=first + timedelta(days=n), quantity=Decimal(kwh), mean_outdoor_temp=Decimal(-3)
            )
            for n in range(count)
        ]
    )


def test_last_month_is_compared_told_by_e_mail_and_kept_once(world: Alerts) -> None:
    world.clock._now = at(date(2026, 2, 3), 9)
    month_of_days(world, METER, date(2025, 1, 1), 31, "20")
    month_of_days(world, METER, date(2025, 12, 1), 31, "25")
    month_of_days(world, METER, date(2026, 1, 1), 31, "30")

    run = consumption_info(world).run()

    assert (run.month, run.customers, run.informed, run.emails, run.sms) == ("2026-01", 1, 1, 1, 0)
    info = world.store.consumption_info(CUSTOMER, "2026-01")
    assert info is not None
    [line] = info.lines
    assert (line.quantity, line.previous_month, line.last_year, line.estimated) == (
        Decimal(930),
        Decimal(775),
        Decimal(620),
        False,
    )
    assert line.change(line.last_year) == Decimal("50.0")
    assert line.benchmark == Decimal(930)  # the only customer of its category, with min 1
    [note] = world.store.notifications(CUSTOMER, 5)
    assert (note.kind, note.link()) == ("monthly_info", "/consumption-info/2026-01")
    again = consumption_info(world).run()
    assert (again.informed, again.already_informed, again.emails) == (0, 1, 0)
    assert len(world.outbox.messages) == 1


def test_a_customer_without_figures_for_the_month_is_counted_as_such(world: Alerts) -> None:
    world.clock._now = at(date(2026, 2, 3), 9)
    month_of_days(world, METER, date(2025, 11, 1), 30, "20")  # nothing in January

    run = consumption_info(world).run()

    assert (run.customers, run.informed, run.already_informed, run.without_data) == (1, 0, 0, 1)
    assert world.store.consumption_info(CUSTOMER, "2026-01") is None
    assert not world.outbox.messages


def test_a_month_with_days_missing_is_scaled_up_and_flagged_estimated(world: Alerts) -> None:
    world.clock._now = at(date(2026, 2, 3), 9)
    month_of_days(world, METER, date(2026, 1, 1), 28, "30")  # the 29th to the 31st are missing
    consumption_info(world).run()
    info = world.store.consumption_info(CUSTOMER, "2026-01")
    assert info is not None
    assert (info.lines[0].quantity, info.lines[0].estimated) == (Decimal(930), True)


def test_a_customer_without_e_mail_is_told_by_sms_and_one_read_by_hand_is_not_told(world: Alerts) -> None:
    world.clock._now = at(date(2026, 2, 3), 9)
    world.customers.add_customer(
        Customer(number=CUSTOMER, name="Kari", email=None, phone="+4791234567", language="nb", address=ADDRESS)
    )
    world.customers.add_customer(a_customer("100002"))
    world.customers.add_meter(a_meter("M-2", "100002"))  # readings by hand only: no daily values
    month_of_days(world, METER, date(2026, 1, 1), 31, "30")
    run = consumption_info(world).run()
    assert (run.customers, run.informed, run.sms, run.emails) == (2, 1, 1, 0)
    assert world.outbox.of_channel("sms")[0].to == "+4791234567"
    assert world.store.consumption_info("100002", "2026-01") is None


def test_the_average_customer_needs_enough_customers_of_the_category(world: Alerts) -> None:
    world.clock._now = at(date(2026, 2, 3), 9)
    for n, kwh in enumerate(["10", "20", "30"], start=2):
        number = f"10000{n}"
        world.customers.add_customer(a_customer(number))
        world.customers.add_meter(a_meter(f"M-{n}", number))
        month_of_days(world, f"M-{n}", date(2026, 1, 1), 31, kwh)
    month_of_days(world, METER, date(2026, 1, 1), 31, "40")
    world.customers.add_meter(a_meter("W-1", CUSTOMER, kind=MeterKind.HOT_WATER))
    run = consumption_info(world, min_customers=4).run()
    assert run.benchmarks == {"heat:household": "775"}  # (10+20+30+40) x 31 / 4; hot water: too few
    info = world.store.consumption_info(CUSTOMER, "2026-01")
    assert isinstance(info, ConsumptionInfo) and info.lines[0].benchmark == Decimal(775)


def test_a_person_sees_the_months_lines_of_the_facilities_they_see(world: Alerts) -> None:
    world.clock._now = at(date(2026, 2, 3), 9)
    month_of_days(world, METER, date(2026, 1, 1), 31, "30")
    service = consumption_info(world)
    service.run()
    assert service.months(world.scope(READER)) == ["2026-01"]
    assert len(service.month(world.scope(READER), "2026-01").lines) == 1
    with pytest.raises(NotFound):
        service.month(world.scope(READER), "2025-12")


def test_the_settings_of_a_facility_are_one_rule_per_supply_and_measure(world: Alerts) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.settings_service().save(world.scope(ADMIN), [FACILITY], [return_rule(), return_rule()])
    assert refused.value.code == "alert_rule_twice"
    [saved] = world.settings_service().save(world.scope(ADMIN), [FACILITY], [])
    assert isinstance(saved.settings, AlertSettings) and saved.settings.rules == ()


def test_a_company_sees_the_notifications_of_the_facilities_it_manages_across_its_customers(world: Alerts) -> None:
    from heatportal.domain.companies import CompanyGrant, OrgMember, OrgRole

    world.customers.add_facility(Facility(id="F-2", customer_number=CUSTOMER, name="Fjordveien 14", address=ADDRESS))
    world.customers.add_meter(a_meter("M-2", CUSTOMER).model_copy(update={"facility_id": "F-2"}))
    world.settings_service().save(world.scope(ADMIN), [FACILITY, "F-2"], [return_rule()])
    days(world, date(2026, 1, 11), ["43"])
    world.data.put_daily(
        [
            d.model_copy(update={"meter_number": "M-2"})
            for d in world.data.days(METER, date(2026, 1, 1), date(2026, 2, 1))
        ]
    )
    world.evaluation().run()
    companies = InMemoryCompanyDirectory(world.memberships)
    manager = Principal("manager-1", "forvalter@example.no")
    companies.members.append(
        OrgMember("923609016", manager.user_id, manager.email, OrgRole.MANAGER, frozenset({CUSTOMER}))
    )
    companies.grants.append(
        CompanyGrant(
            CUSTOMER,
            "923609016",
            Role.READ,
            frozenset({"F-2"}),
            "active",
            "admin@example.no",
            datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    service = NotificationService(world.store, companies)
    found = service.of_company(manager, "923609016")
    assert [(n.facility_id, n.facility_name) for n in found.notifications] == [("F-2", "Fjordveien 14")]
    assert (found.customers, found.left_out) == (1, 0)
    with pytest.raises(Forbidden):
        service.of_company(Principal("other-1", "annen@example.no"), "923609016")
    assert service.of_company(Principal("staff-1", "ks@example.no", frozenset({"staff"})), "923609016").customers == 1
