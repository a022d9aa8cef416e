"""Moving out and in (services.moving) against in-memory fakes.

The Dutch profile of 2025 (nl-2025, incl. VAT: Vastrecht 570.00, afleverset
145.20, meettarief 31.20 a year, 43.50 per GJ; VAT 21 %; advances of 121.00 a
month incl. VAT): the eindafrekening settles the year's consumption up to the
moving day against the advances invoiced, with the fixed charges of the last
month prorated by the days supplied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from heatportal.domain.errors import Conflict, Forbidden, RateLimited, ValidationFailed
from heatportal.domain.model import Address, BillingPeriod, Facility, InvoiceKind, Role
from heatportal.domain.money import EnergyUnit
from heatportal.domain.moving import IncomingParty
from heatportal.domain.notices import Notice
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.services.access import AccessService, Principal, Scope
from heatportal.services.contracts.contracts import ContractService
from heatportal.services.contracts.estimate import AnnualEstimateService, ExpectedConsumption
from heatportal.services.forecast import ForecastService
from heatportal.services.moving.final_invoice import FinalInvoices
from heatportal.services.moving.move_in import MoveInService, NewCustomer
from heatportal.services.moving.move_out import MoveOutService
from heatportal.services.notices import Notices
from tests.builders import a_customer, a_membership, a_meter, a_reading
from tests.fakes.contracts import InMemoryContractStore
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.messaging import InMemorySmsSender
from tests.fakes.payments import InMemoryAdvanceRepository
from tests.fakes.profile import InMemoryProfileStore
from tests.fakes.reminders import InMemoryReminderStore
from tests.unit.test_billing_service import Billing

NL = load_profile("nl")
NO = load_profile("no")
OUT = "12345678901"
HOME = Address(street="Molenweg 3", postcode="4001AB", city="Tiel", country="NL")
ALICE = Principal(user_id="u-alice", email="alice@example.nl")
STAFF = Principal(user_id="u-staff", email="ks@warmtenet.example", groups=frozenset({"staff"}))


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def render(notice: Notice) -> Rendered:
    facts = "\n".join(f"{label}: {value}" for label, value in notice.facts)
    return Rendered(notice.kind, f"{facts}\ncode={notice.code}\nlink={notice.link}", "")


class Moving:
    """The moving services over the billing fakes, as the composition root wires them."""

    def __init__(self, profile: UtilityProfile, today: date) -> None:
        self.profile = profile
        self.billing = Billing(profile=profile, today=today)
        world = self.billing.world
        self.world = world
        self.advances = InMemoryAdvanceRepository()
        self.billing.drafts.advances = self.advances
        self.store = InMemoryContractStore(world.customers, world.readings)
        self.requests = InMemoryProfileStore(world.customers)
        self.reminders = InMemoryReminderStore()
        self.sms = InMemorySmsSender()
        self.notices = Notices(world.mailer, render, self.sms, lambda n: f"code {n.code} {n.link}")
        self.contracts = ContractService(profile, world.clock)
        self.finals = FinalInvoices(
            profile,
            world.customers,
            world.invoices,
            self.billing.pricing,
            self.billing.drafts,
            self.billing.issuer,
            self.store,
            self.store,
            world.clock,
        )
        self.billing.service.final_invoices = self.finals
        self.move_out = MoveOutService(
            profile,
            self.contracts,
            self.billing.readings,
            self.store,
            self.reminders,
            self.advances,
            self.finals,
            self.notices,
            self.requests,
            world.clock,
            "https://portal.example",
        )
        forecast = ForecastService(profile, world.readings, world.invoices, self.billing.pricing, world.clock)
        expected = ExpectedConsumption(profile, forecast, self.billing.readings, world.clock)
        self.estimates = AnnualEstimateService(
            profile, self.contracts, expected, self.billing.pricing, world.clock, lambda *a: b"%PDF"
        )
        self.move_in = MoveInService(
            profile,
            world.customers,
            self.billing.readings,
            self.store,
            self.store,
            self.estimates,
            self.advances,
            self.notices,
            self.requests,
            lambda customer, pin, profile: f"%PDF pin {pin}".encode(),
            world.clock,
            "https://portal.example",
        )

    def scope(self, who: Principal, customer: str) -> Scope:
        records = InMemoryCustomerRecords(
            self.world.memberships, self.world.customers, invoices=self.world.invoices, contracts=self.store
        )
        return AccessService(records).scope(who, customer)


@pytest.fixture
def nl() -> Moving:
    """A Dutch household since 2020 with 2.000 GJ a month, advances of 121.00
    invoiced for January to March 2025; today is 20 April 2025."""
    moving = Moving(NL, date(2025, 4, 20))
    world = moving.world
    world.customers.add_customer(a_customer(OUT, language="nl", email="alice@example.nl"))
    world.customers.add_facility(Facility(id=f"F-{OUT}", customer_number=OUT, name="Molenweg 3", address=HOME))
    meter = world.customers.add_meter(a_meter("G-1", OUT, unit=EnergyUnit.GJ, decimals=3))
    for month in range(4):
        world.readings.add_reading(a_reading(meter.number, date(2025, month + 1, 1), str(Decimal(100) + 2 * month)))
    world.readings.add_reading(a_reading(meter.number, date(2024, 12, 1), "98"))
    world.memberships.add(a_membership(ALICE.user_id, OUT, Role.ADMIN))
    moving.advances.put_advance(AdvancePayment(OUT, date(2025, 1, 1), Decimal("121.00"), "EUR"))
    for month in (1, 2, 3):
        moving.billing.service.bill_account(OUT, BillingPeriod(year=2025, month=month))
    return moving


def move_alice_out(moving: Moving, **extra: Any) -> Any:
    arguments: dict[str, Any] = {
        "facility_id": f"F-{OUT}",
        "moving_on": date(2025, 4, 16),
        "readings": {"G-1": Decimal("107.000")},
        "forwarding": Address(street="Dorpsstraat 1", postcode="1234AB", city="Utrecht", country="NL"),
        "incoming": None,
        "confirmed": False,
    }
    return moving.move_out.move_out(moving.scope(ALICE, OUT), **(arguments | extra))


def test_the_eindafrekening_settles_the_year_to_the_moving_day_against_the_advances(nl):
    moved = move_alice_out(nl)
    assert moved.final_invoice is None  # the run on 2 May issues it, before the deadline of 28 May
    assert moved.supply.final_invoice_due_by == date(2025, 5, 28)
    assert nl.finals.next_run_on(date(2025, 4, 15)) == date(2025, 5, 2)

    # The April run: the final invoice first, and no April advance after it.
    april = nl.billing.service.bill_batch("run-4", "2025-04", [OUT])
    # The account counts as billed (by its final invoice), not as one with nothing to bill.
    assert (april.billed, april.skipped, april.failures) == (1, 0, [])
    assert april.tally.invoices == {InvoiceKind.FINAL: 1}
    invoices = nl.world.invoices.list_invoices(OUT)
    assert sorted(i.kind.value for i in invoices) == ["advance", "advance", "advance", "final"]
    [final] = [i for i in invoices if i.kind == InvoiceKind.FINAL]
    # nl-2025 incl. VAT: January to April 15 is 3 months + 15/30 of April = 7/24 of a year of each
    # fixed charge; 7.000 GJ x 43.50. Less the three advances as invoiced (121.00 gross, 21.00 VAT each).
    assert [(line.component, line.quantity, line.unit_price, line.share, line.amount) for line in final.lines] == [
        ("fixed_fee", Decimal(1), Decimal("570.00"), Fraction(7, 24), Decimal("166.25")),
        ("fixed_fee", Decimal(1), Decimal("145.20"), Fraction(7, 24), Decimal("42.35")),
        ("fixed_fee", Decimal(1), Decimal("31.20"), Fraction(7, 24), Decimal("9.10")),
        ("energy", Decimal("7.000"), Decimal("43.50"), Fraction(1), Decimal("304.50")),
        ("advances_deducted", Decimal(1), Decimal("-363.00"), Fraction(1), Decimal("-363.00")),
    ]
    # Every line covers the days supplied, to the last one before the moving day.
    assert {(line.period_start, line.period_end) for line in final.lines if line.period_start} == {
        (date(2025, 1, 1), date(2025, 4, 15))
    }
    assert (final.supply_start, final.supply_end) == (date(2025, 1, 1), date(2025, 4, 15))
    deducted = [(line.vat_amount, line.text_params) for line in final.lines if line.component == "advances_deducted"]
    assert deducted == [(Decimal("-63.00"), {"count": "3"})]
    # A VAT-inclusive list: the lines add up to the total; VAT carved out once, R(159.20 x 21/121).
    assert (final.net_total, final.vat_total, final.total) == (Decimal("131.57"), Decimal("27.63"), Decimal("159.20"))
    assert final.total == sum((line.amount for line in final.lines), Decimal(0))
    [values] = final.meter_values
    assert (values.start_value, values.end_value) == (Decimal(100), Decimal("107.000"))
    # The customer is billed at the forwarding address, and nothing is due any more.
    customer = nl.world.customers.get_customer(OUT)
    assert customer is not None
    assert customer.address.city == "Utrecht"
    assert customer.final_invoice_due is None
    # Advances stopped: the May run bills nothing.
    result = nl.billing.service.bill_batch("run-5", "2025-05", [OUT])
    assert (result.billed, result.skipped) == (0, 1)


def test_a_final_invoice_is_issued_at_once_when_the_next_run_would_miss_the_deadline(nl):
    # Reported late: the moving day was 10 March, the run for March is long gone (2 April)
    # and the next one (2 May) falls after 21 April, the deadline.
    del nl.world.readings.readings[("G-1", date(2025, 4, 1))]
    moved = move_alice_out(nl, moving_on=date(2025, 3, 10), readings={"G-1": Decimal("105.000")})
    assert moved.final_invoice is not None
    assert moved.final_invoice.kind == InvoiceKind.FINAL
    # January, February and March 1-9: the March advance (invoiced already) is settled too.
    deducted = [line.amount for line in moved.final_invoice.lines if line.component == "advances_deducted"]
    assert deducted == [Decimal("-363.00")]  # three advances of 121.00, gross as invoiced


def test_moving_out_refuses_without_writing_anything(nl):
    with pytest.raises(ValidationFailed) as future:
        move_alice_out(nl, moving_on=date(2025, 4, 21))
    assert future.value.code == "moving_date_in_future"
    with pytest.raises(ValidationFailed) as missing:
        move_alice_out(nl, readings={})
    assert missing.value.fields == [{"field": "readings.G-1", "code": "moving_reading_missing"}]
    with pytest.raises(ValidationFailed) as below:
        move_alice_out(nl, readings={"G-1": Decimal("95")})
    assert below.value.code == "reading_below_previous"
    reader = Principal(user_id="u-read", email="r@example.nl")
    nl.world.memberships.add(a_membership(reader.user_id, OUT, Role.READ))
    with pytest.raises(Forbidden):
        nl.move_out.move_out(
            nl.scope(reader, OUT),
            facility_id=f"F-{OUT}",
            moving_on=date(2025, 4, 16),
            readings={"G-1": Decimal(107)},
            forwarding=HOME,
            incoming=None,
            confirmed=False,
        )
    assert nl.store.supplies == {}
    assert nl.world.customers.list_meters(OUT)[0].removed_on is None
    assert [m.subject for m in nl.world.mailer.sent if m.subject.startswith("moving")] == []


def test_moving_out_twice_is_a_conflict(nl):
    move_alice_out(nl)
    with pytest.raises(Conflict) as twice:
        move_alice_out(nl)
    assert twice.value.code == "contract_ended"


def test_the_incoming_party_confirms_with_the_code_and_becomes_a_customer(nl):
    party = IncomingParty(name="Bram de Vries", email="bram@example.nl", language="nl")
    moved = move_alice_out(nl, incoming=party)
    assert moved.incoming_invited
    mail = next(m for m in nl.world.mailer.sent if m.recipient == "bram@example.nl")
    code = mail.text.split("code=")[1][:6]
    handshake_id = mail.text.split("id=")[1].split()[0]
    with pytest.raises(ValidationFailed):
        nl.move_in.confirm(handshake_id, "000000" if code != "000000" else "111111", "nl")
    moved_in = nl.move_in.confirm(handshake_id, code, "nl")
    assert moved_in.created
    assert moved_in.customer.number == "90000000001"
    assert moved_in.customer.address == HOME  # billed at the home moved into
    [meter] = nl.world.customers.list_meters(moved_in.customer.number)
    assert (meter.installed_on, meter.start_value, meter.removed_on) == (date(2025, 4, 16), Decimal("107.000"), None)
    # An advance proposed from the home's expected consumption, from May.
    assert moved_in.advance is not None and moved_in.advance.valid_from == date(2025, 5, 1)
    assert moved_in.advance.amount > 0
    # The welcome e-mail carries the customer number; the profile registers by postcode: no PIN letter.
    welcome = [m for m in nl.world.mailer.sent if m.recipient == "bram@example.nl" and m.subject == "moving.welcome"]
    assert len(welcome) == 1 and "90000000001" in welcome[0].text and welcome[0].attachments == []
    # The previous supply is taken over; the code works once.
    assert nl.store.vacant_facilities() == []
    with pytest.raises(Exception, match="unknown or has expired"):
        nl.move_in.confirm(handshake_id, code, "nl")


def test_five_wrong_codes_lock_the_confirmation(nl):
    move_alice_out(nl, incoming=IncomingParty(name="Bram", email="bram@example.nl", language="nl"))
    [handshake_id] = list(nl.store.handshakes)
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            nl.move_in.confirm(handshake_id, "999999", "nl")
    with pytest.raises(RateLimited):
        nl.move_in.confirm(handshake_id, "999999", "nl")


def test_without_an_incoming_party_customer_service_completes_the_move(nl):
    move_alice_out(nl)
    [request] = nl.requests.requests.values()
    assert (request.topic, request.facility_id) == ("move_out", f"F-{OUT}")
    [vacant] = nl.move_in.vacant_facilities(STAFF)
    assert vacant.facility_id == f"F-{OUT}"
    with pytest.raises(Forbidden):
        nl.move_in.vacant_facilities(ALICE)
    moved = nl.move_in.staff_move_in(
        STAFF,
        facility_id=f"F-{OUT}",
        moving_on=date(2025, 4, 18),
        readings={"G-1": Decimal("107.400")},
        customer_number=None,
        details=NewCustomer(name="Chris Janssen", email="chris@example.nl", phone=None, language="nl"),
    )
    assert moved.meters[0].start_value == Decimal("107.400")
    latest = nl.world.readings.latest_reading("G-1")
    assert latest is not None and latest.value == Decimal("107.400")
    # The old customer's history ends on the moving day, the new one's starts two days later.
    current = nl.world.customers.find_meter("G-1")
    assert current is not None and current.customer_number == moved.customer.number


def test_a_customer_moves_into_a_vacant_home_or_asks_customer_service(nl):
    move_alice_out(nl)
    other = "12345678902"
    bob = Principal(user_id="u-bob", email="bob@example.nl")
    nl.world.customers.add_customer(a_customer(other, language="nl", email="bob@example.nl"))
    nl.world.memberships.add(a_membership(bob.user_id, other, Role.FULL))
    asked = nl.move_in.move_in_existing(
        nl.scope(bob, other), meter_number="NOPE-1", moving_on=date(2025, 4, 17), readings={}
    )
    assert not hasattr(asked, "customer")
    moved = nl.move_in.move_in_existing(
        nl.scope(bob, other), meter_number="G-1", moving_on=date(2025, 4, 17), readings={"G-1": Decimal("107.200")}
    )
    assert moved.customer.number == other
    assert [f.id for f in nl.world.customers.list_facilities(other)] == [f"F-{OUT}"]
    # Moving in a second time: somebody is supplied there now.
    third = nl.move_in.move_in_existing(
        nl.scope(ALICE, OUT), meter_number="G-1", moving_on=date(2025, 4, 18), readings={"G-1": Decimal("107.3")}
    )
    assert not hasattr(third, "customer")


def test_a_norwegian_move_bills_the_month_so_far_with_the_fee_prorated():
    moving = Moving(NO, date(2025, 3, 5))  # February has ended and its readings cut-off passed
    world = moving.world
    world.customers.add_customer(a_customer("100001"))
    world.customers.add_facility(
        Facility(id="F-100001", customer_number="100001", name="Fjordveien 12", address=a_customer().address)
    )
    meter = world.customers.add_meter(a_meter("M-1", "100001"))
    world.readings.add_reading(a_reading("M-1", date(2025, 1, 1), "10000"))
    world.readings.add_reading(a_reading("M-1", date(2025, 2, 1), "11500"))
    world.memberships.add(a_membership(ALICE.user_id, "100001", Role.FULL))
    moving.billing.spot("2025-01", "0.90")
    moving.billing.spot("2025-02", "0.90")
    moving.billing.service.bill_account("100001", BillingPeriod(year=2025, month=1))
    moving.move_out.move_out(
        moving.scope(ALICE, "100001"),
        facility_id="F-100001",
        moving_on=date(2025, 2, 15),
        readings={"M-1": Decimal(12200)},
        forwarding=a_customer().address,
        incoming=None,
        confirmed=True,
    )
    february = moving.billing.service.bill_batch("run-2", "2025-02", ["100001"])
    assert (february.billed, february.skipped) == (0, 1)  # the final invoice (issued at the move) is the month's bill
    invoices = world.invoices.list_invoices("100001")
    assert sorted(i.kind.value for i in invoices) == ["final", "invoice"]
    [final] = [i for i in invoices if i.kind == InvoiceKind.FINAL]
    # A VAT-inclusive list: spot 0.90 ex VAT x 1.25 = 1.1250, (1.1250 + 0.4890) x 0.9 = 1.4526;
    # 700 kWh x 1.4526 = 1016.82. The fee 1 200.00 a year x 14/336 (14 of 28 days of a twelfth) = 50.00.
    assert [(line.component, line.quantity, line.unit_price, line.share, line.amount) for line in final.lines] == [
        ("spot_energy", Decimal(700), Decimal("1.4526"), Fraction(1), Decimal("1016.82")),
        ("fixed_fee", Decimal(1), Decimal("1200.00"), Fraction(14, 336), Decimal("50.00")),
    ]
    assert final.lines[1].period_end == date(2025, 2, 14)
    assert (final.total, final.vat_total) == (Decimal("1066.82"), Decimal("213.36"))  # R(1066.82 x 0.25/1.25)
    assert meter.number == final.meter_values[0].meter_number


def test_after_a_move_each_customer_sees_only_their_own_readings_and_consumption(nl):
    from heatportal.domain.model import DailyConsumption
    from heatportal.services.consumption import ConsumptionService
    from tests.fakes.consumption import InMemoryConsumptionRepository

    party = IncomingParty(name="Bram de Vries", email="bram@example.nl", language="nl")
    move_alice_out(nl, incoming=party)
    mail = next(m for m in nl.world.mailer.sent if m.recipient == "bram@example.nl")
    moved = nl.move_in.confirm(mail.text.split("id=")[1].split()[0], mail.text.split("code=")[1][:6], "nl")
    bram = Principal(user_id="u-bram", email="bram@example.nl")
    nl.world.memberships.add(a_membership(bram.user_id, moved.customer.number, Role.FULL))
    nl.billing.readings.submit(
        nl.scope(bram, moved.customer.number), "G-1", Decimal("107.800"), date(2025, 4, 19), confirmed=True
    )
    alices = nl.billing.readings.list_readings(nl.scope(ALICE, OUT), "G-1")
    brams = nl.billing.readings.list_readings(nl.scope(bram, moved.customer.number), "G-1")
    assert alices[-1].read_on == date(2025, 4, 16) and alices[0].read_on < date(2025, 1, 1)
    assert [r.read_on for r in brams] == [date(2025, 4, 16), date(2025, 4, 19)]
    [alice_meter] = [m.meter for m in nl.billing.readings.list_meters(nl.scope(ALICE, OUT))]
    assert alice_meter.removed_on == date(2025, 4, 16)
    # Daily values of April: Alice's days before the move, Bram's from the day on.
    store = InMemoryConsumptionRepository()
    store.put_daily(
        [DailyConsumption(meter_number="G-1", day=date(2025, 4, d), quantity=Decimal("0.1")) for d in range(1, 20)]
    )
    consumption = ConsumptionService(nl.billing.readings, store, nl.world.clock, "de_bilt")
    alice_april = consumption.view(nl.scope(ALICE, OUT), "G-1", "month", year=2025, month=4)
    bram_april = consumption.view(nl.scope(bram, moved.customer.number), "G-1", "month", year=2025, month=4)
    assert alice_april.view.total == Decimal("1.500")  # 15 days
    assert bram_april.view.total == Decimal("0.400")  # 16-19 April
    bram_year = consumption.view(nl.scope(bram, moved.customer.number), "G-1", "year", year=2025)
    april = bram_year.view.bars[3]  # still running on the day: shown apart, not in the ended months' total
    assert (april.quantity, april.partial, bram_year.view.total) == (Decimal("0.400"), True, Decimal(0))


def test_the_moved_meters_reminder_and_sms_agreements_end_and_others_stay(nl):
    from heatportal.domain.reminders import ReminderAgreement

    def agreement(channel: Any, address: str, meter: str) -> ReminderAgreement:
        return ReminderAgreement(
            channel=channel, address=address, meter_number=meter, customer_number=OUT, language="nl"
        )

    sms, mail = agreement("sms", "+31612345678", "G-1"), agreement("email", "alice@example.nl", "G-1")
    elsewhere = agreement("email", "alice@example.nl", "G-9")  # a meter of another home of hers
    for kept in (sms, mail, elsewhere):
        nl.reminders.put_agreement(kept)
    move_alice_out(nl)
    assert nl.reminders.agreements_of_customer(OUT) == [elsewhere]
    assert nl.reminders.agreements_for_phone("+31612345678") == []


def test_the_footprint_is_each_years_heat_of_the_supply_times_that_years_co2(nl):
    from heatportal.domain.model import DailyConsumption
    from heatportal.domain.money import EnergyUnit, convert
    from heatportal.services.consumption import ConsumptionService
    from heatportal.services.sustainability import SustainabilityService
    from tests.fakes.consumption import InMemoryConsumptionRepository

    store = InMemoryConsumptionRepository()
    first = date(2023, 11, 1)
    store.put_daily(
        [
            DailyConsumption(meter_number="G-1", day=date.fromordinal(first.toordinal() + n), quantity=Decimal("0.1"))
            for n in range((date(2025, 4, 20) - first).days)
        ]
    )
    consumption = ConsumptionService(nl.billing.readings, store, nl.world.clock, "de_bilt")
    service = SustainabilityService(NL, consumption, nl.world.clock, lambda *a: b"%PDF")
    move_alice_out(nl)  # 16 April 2025: her footprint ends that day
    scope = nl.scope(ALICE, OUT)
    years = service.footprint(scope)
    assert [y.year for y in years] == [2023, 2024, 2025]
    goal = service.goal()
    for year in years:
        # The year's months, the running one included (the page's total covers the ended ones only).
        bars = consumption.view(scope, "G-1", "year", year=year.year, unit=EnergyUnit.MWH).view.bars
        oracle = sum((b.quantity for b in bars if b.quantity is not None), Decimal(0))
        assert abs(year.mwh - oracle) <= Decimal("0.012"), year  # months rounded one by one
        assert year.co2_kg_per_mwh == goal.figures_for(year.year).co2_kg_per_mwh
    # 0.1 GJ a day: 61 days of 2023, 366 of 2024, 105 of 2025 (1 January to 15 April: the moving day is the next's).
    gj = [Decimal("6.1"), Decimal("36.6"), Decimal("10.5")]
    assert [y.mwh for y in years] == [convert(q, EnergyUnit.GJ, EnergyUnit.MWH).quantize(Decimal("0.001")) for q in gj]
