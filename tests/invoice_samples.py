"""Realistic invoices of each shipped profile, made by the real pricing,
drafting and correction services on in-memory fakes: a customer with a heat
meter that reports daily values (a year and more, with the outdoor
temperature), readings on the 1st of each month, and what the profile bills
(NO and SE monthly in arrears, NL and DE advances with a yearly settlement).

Used by the PDF, portal and property tests; the PNGs in artifacts/invoices/
are drawn from these invoices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from heatportal.domain.accounts import BankAccount
from heatportal.domain.climate import daily_temperature_series, heating_degree_days
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    DailyConsumption,
    Invoice,
    InvoiceKind,
    Language,
    Meter,
    MeterKind,
    Reading,
    ReadingSource,
)
from heatportal.domain.money import EnergyUnit, convert
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import BillingMode, UtilityProfile, load_profile
from heatportal.services.access import Principal
from heatportal.services.billing.comparison import ConsumptionComparisons
from heatportal.services.billing.corrections import Corrections
from heatportal.services.billing.drafts import InvoiceDrafts
from heatportal.services.billing.issuing import InvoiceIssuer
from heatportal.services.billing.pricing import ADVANCE_KEY, CONSUMPTION_KEY, SETTLEMENT_KEY, PricingService
from heatportal.services.billing.run import BillRun
from heatportal.services.delivery.outbox import Outbox
from heatportal.services.readings import ReadingService
from tests.fakes.clock import FixedClock
from tests.fakes.invoices import InMemoryBillingReader
from tests.fakes.payments import InMemoryAdvanceRepository
from tests.fakes.profile import InMemoryProfileStore
from tests.fakes.world import World

CUSTOMERS: dict[str, tuple[str, str, Address, Language]] = {
    "no": (
        "123456",
        "Kari Nordmann",
        Address(street="Fjordveien 12", postcode="2000", city="Lillestrøm", country="NO"),
        "nb",
    ),
    "se": (
        "1234567",
        "Brf Solgläntan",
        Address(street="Solgatan 8", postcode="111 22", city="Stockholm", country="SE"),
        "sv",
    ),
    "nl": (
        "14159265359",
        "J. de Vries",
        Address(street="Lindelaan 7", postcode="4001 AB", city="Tiel", country="NL"),
        "nl",
    ),
    "de": (
        "0012345/1",
        "Anna Schmidt",
        Address(street="Lindenstraße 3", postcode="91560", city="Wärmestadt", country="DE"),
        "de",
    ),
}
METER_UNIT = {"no": EnergyUnit.KWH, "se": EnergyUnit.KWH, "nl": EnergyUnit.GJ, "de": EnergyUnit.KWH}
# Heat per day: base load (hot water, losses) + factor x heating degree days, in kWh.
LOAD = {"no": ("8", "2.4"), "se": ("300", "95"), "nl": ("9", "2.6"), "de": ("10", "2.9")}
STAFF = Principal(user_id="staff-1", email="kundeservice@example.com", groups=frozenset({"staff"}))
# NO1 monthly average spot prices per kWh ex VAT (demo figures).
SPOT = dict(
    zip(
        [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"],
        [
            "0.7124",
            "0.6630",
            "0.5540",
            "0.4410",
            "0.2987",
            "0.1902",
            "0.2355",
            "0.3870",
            "0.5012",
            "0.6120",
            "0.7433",
            "0.6987",
            "0.8123",
        ],
        strict=True,
    )
)


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


@dataclass
class Renderers:
    pdfs: int = 0
    emails: int = 0

    def pdf(self, invoice: Invoice, customer: Customer, profile: UtilityProfile) -> bytes:
        self.pdfs += 1
        return f"%PDF {invoice.number}".encode()

    def email(self, invoice: Invoice, customer: Customer, profile: UtilityProfile, portal_url: str) -> Email:
        self.emails += 1
        return Email(f"{invoice.number}", portal_url, "")


@dataclass
class SampleWorld:
    """One profile's billing on fakes, with one customer and its heat meter."""

    profile: UtilityProfile
    today: date
    world: World = field(init=False)
    customer: Customer = field(init=False)
    meter: Meter = field(init=False)

    def __post_init__(self) -> None:
        self.world = World(clock=FixedClock(self.today))
        w = self.world
        self.readings = ReadingService(w.readings, w.clock, climate_station=self.profile.climate_station)
        self.advances = InMemoryAdvanceRepository()
        self.accounts = InMemoryProfileStore(w.customers)
        self.renderers = Renderers()
        self.pricing = PricingService(self.profile, w.customers, w.readings, self.readings, w.invoices, w.spot_prices)
        self.drafts = InvoiceDrafts(
            self.profile,
            self.pricing,
            w.invoices,
            self.advances,
            accounts=self.accounts,
            comparisons=ConsumptionComparisons(self.profile, w.readings, w.invoices),
            holds=w.holds,
            clock=w.clock,
        )
        self.outbox = Outbox(w.deliveries, w.queue)
        self.issuer = InvoiceIssuer(
            self.profile,
            w.invoices,
            w.documents,
            self.outbox,
            self.renderers.pdf,
            self.renderers.email,
            "https://portal.example",
            w.clock,
        )
        self.corrections = Corrections(
            self.profile, w.customers, w.invoices, w.corrections, self.drafts, self.issuer, self.readings, w.clock
        )
        self.run = BillRun(
            profile=self.profile,
            customers=w.customers,
            readings=w.readings,
            invoices=w.invoices,
            runs=w.runs,
            reader=InMemoryBillingReader(w.customers, w.invoices),
            manifests=w.manifests,
            deliveries=w.deliveries,
            outbox=self.outbox,
            clock=w.clock,
            drafts=self.drafts,
            batch_drafts=lambda _reads: self.drafts,
            issuer=self.issuer,
            corrections=self.corrections,
        )
        number, name, address, lang = CUSTOMERS[self.profile.id]
        self.customer = Customer(number=number, name=name, email="kunde@example.com", language=lang, address=address)
        w.customers.add_customer(self.customer)
        self.meter = w.customers.add_meter(
            Meter(
                number=f"HM-{number.replace('/', '')}",
                customer_number=number,
                facility_id=f"F-{number}",
                kind=MeterKind.HEAT,
                unit=METER_UNIT[self.profile.id],
                decimals=3 if METER_UNIT[self.profile.id] == EnergyUnit.GJ else 0,
                installed_on=date(2022, 6, 1),
                start_value=Decimal(0),
            )
        )
        for month, price in SPOT.items():
            w.spot_prices.prices[("NO1", month)] = Decimal(price)

    def set_clock(self, day: date) -> None:
        self.world.clock.set_today(day)

    def consumption(
        self, first: date, until: date, *, thriftier_from: date | None = None, skip_readings: tuple[date, ...] = ()
    ) -> None:
        """Daily values from ``first`` to the day before ``until``, and a reading on each 1st;
        from ``thriftier_from`` the customer uses 8 % less (a new thermostat)."""
        station = self.profile.climate_station
        temps = daily_temperature_series(station, first, until, seed=11)
        base, factor = (Decimal(v) for v in LOAD[self.profile.id])
        unit = self.meter.unit
        quantum = Decimal(1).scaleb(-self.meter.decimals)
        register = Decimal(1000) if unit == EnergyUnit.KWH else Decimal("3.600")
        day = first
        rows = []
        while day < until:
            if day.day == 1 and day not in skip_readings:
                self._reading(day, register.quantize(quantum, rounding=ROUND_FLOOR))
            temp = temps[day]
            scale = Decimal("0.92") if thriftier_from is not None and day >= thriftier_from else Decimal(1)
            kwh = (base + factor * heating_degree_days(temp)) * scale
            quantity = convert(kwh, EnergyUnit.KWH, unit).quantize(Decimal("0.0001"))
            return_temp = Decimal("36.5") + (temp / 4).quantize(Decimal("0.1"))
            rows.append(
                DailyConsumption(
                    meter_number=self.meter.number,
                    day=day,
                    quantity=quantity,
                    mean_outdoor_temp=temp,
                    mean_return_temp=return_temp,
                    volume_m3=(kwh / Decimal(40)).quantize(Decimal("0.01")),
                )
            )
            register += quantity
            day += timedelta(days=1)
        self.world.readings.add_daily(*rows)
        self.end_register = register

    def _reading(self, day: date, value: Decimal, *, source: ReadingSource = ReadingSource.IMPORT) -> None:
        self.world.readings.add_reading(
            Reading(
                meter_number=self.meter.number,
                read_on=day,
                value=value,
                source=source,
                recorded_at=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
            )
        )

    def advance(self, amount: str, valid_from: date) -> None:
        self.advances.put_advance(
            AdvancePayment(
                customer_number=self.customer.number,
                valid_from=valid_from,
                amount=Decimal(amount),
                currency=self.profile.currency,
            )
        )

    def direct_debit(self, iban: str) -> None:
        self.accounts.put_bank_account(
            BankAccount(
                customer_number=self.customer.number,
                iban=iban,
                holder=self.customer.name,
                valid_from=date(2020, 1, 1),
                sepa_mandate=True,
                changed_by="kunde@example.com",
                changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )

    def bill(self, period: BillingPeriod, issued: date) -> Invoice:
        invoice, _ = self.run.bill_account(self.customer.number, period, issued_on=issued)
        return invoice

    def billed(self, period: BillingPeriod, kind_key: str) -> Invoice:
        invoice = self.world.invoices.find_billed(self.customer.number, period, kind_key)
        assert invoice is not None
        return invoice


def monthly_sample(profile_id: str) -> tuple[SampleWorld, Invoice]:
    """NO or SE: January 2026 billed on 2 February, after a year of monthly bills.
    The Norwegian end reading is missing (the customer did not read): estimated."""
    profile = load_profile(profile_id)
    assert profile.billing_mode == BillingMode.MONTHLY_ARREARS
    sample = SampleWorld(profile, date(2026, 2, 2))
    skip = (date(2026, 2, 1),) if profile_id == "no" else ()
    sample.consumption(date(2024, 12, 1), date(2026, 2, 2), thriftier_from=date(2025, 9, 1), skip_readings=skip)
    period = BillingPeriod(year=2025, month=1)
    while period.key <= "2026-01":
        issued = period.end + timedelta(days=1)
        sample.set_clock(issued)
        sample.bill(period, issued)
        period = period.next()
    return sample, sample.billed(BillingPeriod(year=2026, month=1), CONSUMPTION_KEY)


def settlement_sample(profile_id: str, *, direct_debit: bool = False) -> tuple[SampleWorld, Invoice]:
    """NL or DE: monthly advances through 2025, one of them cancelled by a correction
    (the advance changed), and the year's settlement issued on 2 January 2026."""
    profile = load_profile(profile_id)
    assert profile.billing_mode == BillingMode.ADVANCE_YEARLY
    sample = SampleWorld(profile, date(2026, 1, 2))
    sample.consumption(date(2024, 1, 1), date(2026, 1, 2), thriftier_from=date(2025, 1, 1))
    first, later = ("95.00", "110.00") if profile_id == "nl" else ("140.00", "155.00")
    sample.advance(first, date(2024, 1, 1))
    if direct_debit:
        sample.direct_debit("DE89370400440532013000" if profile_id == "de" else "NL91ABNA0417164300")
    for month in range(1, 13):
        period = BillingPeriod(year=2025, month=month)
        issued = period.end + timedelta(days=1)
        sample.set_clock(issued)
        sample.bill(period, issued)
        if month == 3:
            # The customer raised the advance from March, entered after March was billed:
            # customer service corrects March's advance invoice.
            sample.advance(later, date(2025, 3, 1))
            sample.corrections.correct(STAFF, sample.customer.number, advance_of(sample, 3).number, "advance changed")
    return sample, sample.billed(BillingPeriod(year=2025, month=12), SETTLEMENT_KEY)


def advance_of(sample: SampleWorld, month: int) -> Invoice:
    return sample.billed(BillingPeriod(year=2025, month=month), ADVANCE_KEY)


def kinds(sample: SampleWorld) -> list[InvoiceKind]:
    return [i.kind for i in sample.world.invoices.list_invoices(sample.customer.number)]
