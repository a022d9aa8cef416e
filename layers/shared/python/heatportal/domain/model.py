"""The domain's nouns, as immutable pydantic models.

They carry no storage concerns: adapters map them to DynamoDB items explicitly,
and API responses are separate models built from them.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from heatportal.domain.money import EnergyUnit, is_energy

Language = Literal["nb", "sv", "nl", "de", "en"]
LANGUAGES: tuple[Language, ...] = ("nb", "sv", "nl", "de", "en")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    """What a person may do for a customer: administrators manage its users, full
    access changes things (readings, profile), read only looks."""

    ADMIN = "admin"
    FULL = "full"
    READ = "read"


class MeterKind(StrEnum):
    HEAT = "heat"
    HOT_WATER = "hot_water"
    COOLING = "cooling"
    WATER = "water"
    ELECTRICITY = "electricity"


class ReadingSource(StrEnum):
    PORTAL = "portal"
    SMS = "sms"
    LINK = "link"
    IMPORT = "import"
    STAFF = "staff"
    ESTIMATE = "estimate"


class Address(Frozen):
    street: str
    postcode: str
    city: str
    country: str = Field(min_length=2, max_length=2)


class Customer(Frozen):
    number: str
    name: str
    email: str | None = None
    phone: str | None = None
    language: Language
    address: Address
    org_number: str | None = None
    # The PIN letter's secret, stored only as a salted hash (see services.access).
    pin_hash: str | None = None
    # A contract ended (moving out) and its final invoice is not issued yet: the
    # latest day the law allows for it. The bill run issues it (it reads this on
    # the customer it reads anyway).
    final_invoice_due: date | None = None
    # A contract of the customer was signed with other options than the
    # default: pricing reads the contract versions (only for such customers).
    custom_terms: bool = False


class Facility(Frozen):
    id: str
    customer_number: str
    name: str
    address: Address


class RegisterName(StrEnum):
    """What a meter register counts ("målerstand", "Zählerstand";
    a heat meter's display pages): heat or cooling energy, the volume of water
    that circulated, or the energy counted in a second tariff window."""

    ENERGY = "energy"
    VOLUME = "volume"
    TARIFF = "tariff"


class Register(Frozen):
    """One register of a meter, validated like the main one: its own unit,
    decimals, number of digits and value at installation."""

    name: RegisterName
    unit: EnergyUnit
    decimals: int = Field(ge=0, le=3)
    start_value: Decimal = Decimal(0)
    register_digits: int | None = Field(default=None, ge=1, le=12)

    @model_validator(mode="after")
    def _unit_fits_name(self) -> Register:
        if (self.name == RegisterName.VOLUME) == is_energy(self.unit):
            raise ValueError(f"a {self.name.value} register cannot count in {self.unit.value}")
        return self


class Meter(Frozen):
    number: str
    customer_number: str
    facility_id: str
    kind: MeterKind
    unit: EnergyUnit
    decimals: int = Field(ge=0, le=3)
    installed_on: date
    removed_on: date | None = None
    start_value: Decimal = Decimal(0)
    # Digits before the decimals: the register wraps from 10^N - 1 to 0.
    # None: unknown, so a value below the previous one is never a rollover.
    register_digits: int | None = Field(default=None, ge=1, le=12)
    # Registers besides the main one above (which billing uses): recorded,
    # validated and shown, never billed. Empty for a one-register meter.
    registers: tuple[Register, ...] = ()
    # The customer moved out: the final invoice bills the meter from this day to
    # ``removed_on``, so the monthly bills and settlements stop the day before.
    final_invoice_from: date | None = None

    @model_validator(mode="after")
    def _registers_distinct(self) -> Meter:
        names = [r.name for r in self.all_registers]
        if len(set(names)) != len(names):
            raise ValueError("a meter has each register once")
        return self

    @property
    def main_register(self) -> Register:
        """The billing register, from the meter's own fields."""
        return Register(
            name=RegisterName.ENERGY if is_energy(self.unit) else RegisterName.VOLUME,
            unit=self.unit,
            decimals=self.decimals,
            start_value=self.start_value,
            register_digits=self.register_digits,
        )

    @property
    def all_registers(self) -> tuple[Register, ...]:
        return (self.main_register, *self.registers)

    def register(self, name: str) -> Register | None:
        """A secondary register by name; None if the meter has no such register."""
        return next((r for r in self.registers if r.name.value == name), None)


class Reading(Frozen):
    meter_number: str
    read_on: date
    value: Decimal
    source: ReadingSource
    estimated: bool = False
    recorded_at: datetime
    recorded_by: str | None = None
    # The register wrapped past its highest value since the previous reading.
    rollover: bool = False
    # Values of the meter's secondary registers read at the same time, by
    # register name; and those of them that wrapped since their previous value.
    registers: dict[str, Decimal] = Field(default_factory=dict)
    register_rollovers: frozenset[str] = frozenset()


DayQuality = Literal["measured", "estimated", "corrected"]
"""Where a day's value comes from: measured by the meter, estimated (the meter
or the utility filled a gap) or corrected (a later delivery replaced it)."""


class DailyConsumption(Frozen):
    """What a meter counted in one (local) day, with what its interval data
    tell about the day: the highest hourly load (kW), the energy-weighted
    return and the mean supply temperature (°C), the water that circulated
    (m3) and the highest hourly flow (m3/h)."""

    meter_number: str
    day: date
    quantity: Decimal
    mean_outdoor_temp: Decimal | None = None
    peak_load_kw: Decimal | None = None
    mean_return_temp: Decimal | None = None
    volume_m3: Decimal | None = None
    # Energy-weighted like the return temperature, the mean and the highest
    # flow (m3/h), where the meter's intervals carry them
    # (smart_meter.daily_from_intervals).
    mean_supply_temp: Decimal | None = None
    mean_flow_m3h: Decimal | None = None
    max_flow_m3h: Decimal | None = None
    # measured, estimated (a value filled in) or corrected (delivered again
    # with another value): the worst of the day's intervals (domain.open_data.Quality).
    quality: DayQuality = "measured"


class Membership(Frozen):
    """A person's access to one customer, checked on every request."""

    user_id: str
    customer_number: str
    role: Role
    email: str
    # Set when the access comes from a management company's grant,
    # not from the person's own link to the customer.
    via_org: str | None = None
    # A link made with the registration proof alone (PIN letter, postcode or
    # name), approved by nobody: the real owner may still register.
    linked_by_proof: bool = False


class BillingPeriod(Frozen):
    """A calendar month. Consumption is billed between readings on the 1st."""

    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)

    @classmethod
    def parse(cls, text: str) -> BillingPeriod:
        year, _, month = text.partition("-")
        return cls(year=int(year), month=int(month))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """First day of the next month (exclusive end)."""
        return self.start + timedelta(days=calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def next(self) -> BillingPeriod:
        return BillingPeriod.parse(self.end.strftime("%Y-%m"))

    def previous(self) -> BillingPeriod:
        return BillingPeriod.parse((self.start - timedelta(days=1)).strftime("%Y-%m"))

    def __str__(self) -> str:
        return self.key


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    SETTLEMENT = "settlement"
    ADVANCE = "advance"
    # The bill when a contract ends (moving out): NL eindafrekening, settling advances.
    FINAL = "final"


class ReadingBasis(StrEnum):
    """How a register value on a bill was obtained, as the bill says it."""

    CUSTOMER = "customer"  # read by the customer (portal, SMS, e-mailed link)
    REMOTE = "remote"  # read remotely (smart-meter import)
    UTILITY = "utility"  # registered by customer service
    ESTIMATED = "estimated"
    INSTALLED = "installed"  # the meter's value when it was installed

    @classmethod
    def of(cls, source: ReadingSource | None, estimated: bool) -> ReadingBasis:
        if estimated or source == ReadingSource.ESTIMATE:
            return cls.ESTIMATED
        if source in (ReadingSource.PORTAL, ReadingSource.SMS, ReadingSource.LINK):
            return cls.CUSTOMER
        if source == ReadingSource.IMPORT:
            return cls.REMOTE
        if source == ReadingSource.STAFF:
            return cls.UTILITY
        return cls.INSTALLED


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CREDITED = "credited"


class LineNote(Frozen):
    """A sentence of the bill as a catalog key and typed parameters (``domain.notes``),
    written in the reader's language when shown."""

    key: str
    params: dict[str, str] = Field(default_factory=dict)


class InvoiceLine(Frozen):
    """One priced component, reproducible by hand:

    ``amount = round_half_up(quantity x unit_price x share, 0.01)``, where
    ``unit_price`` is exactly the printed price (at most four decimals) and
    ``share`` the part of a year a yearly charge covers (1/12 for a month;
    1 otherwise). The amount is on the price list's basis: incl. VAT when the
    list includes VAT (``includes_vat``), else excl.; VAT is computed once per
    rate on the invoice (``domain.tariff.summarise``). ``vat_amount`` fixes the
    VAT of a line as it was invoiced before (advances deducted in a settlement).
    """

    component: str
    text_key: str
    text_params: dict[str, str] = Field(default_factory=dict)
    quantity: Decimal
    unit: str
    unit_price: Decimal
    share_numerator: int = Field(default=1, ge=0)
    share_denominator: int = Field(default=1, ge=1)
    amount: Decimal
    vat_rate: Decimal
    includes_vat: bool = False
    vat_amount: Decimal | None = None
    # The days the line covers (the month, a part of it, or a settlement's months).
    period_start: date | None = None
    period_end: date | None = None
    notes: tuple[LineNote, ...] = ()

    @model_validator(mode="after")
    def _fixed_vat_is_gross(self) -> InvoiceLine:
        if self.vat_amount is not None and not self.includes_vat:
            raise ValueError("a line with its VAT fixed carries the amount incl. VAT")
        return self

    @property
    def share(self) -> Fraction:
        return Fraction(self.share_numerator, self.share_denominator)

    @property
    def has_share(self) -> bool:
        return self.share_denominator != 1 or self.share_numerator != 1

    def expected_amount(self) -> Decimal:
        """quantity x unit price x share, rounded half up to the cent: what the line must say."""
        exact = self.quantity * self.unit_price * self.share_numerator / self.share_denominator
        return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class VatAmount(Frozen):
    """The invoice's amounts at one VAT rate (UStG § 14 (4) Nr. 7-8, ML 17 kap., art. 226)."""

    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


class DirectDebitNotice(Frozen):
    """How a direct-debit customer's invoice is collected, fixed when it is issued."""

    scheme: str  # sepa_core, avtalegiro, autogiro
    account_masked: str  # "…1234": the bill is no place for the payer's whole account number
    collection_on: date
    mandate_reference: str = ""
    creditor_id: str = ""


class ComparisonBar(Frozen):
    key: str  # this_period, last_year, average
    quantity: Decimal
    category: str = ""


class ConsumptionComparison(Frozen):
    """The bill's comparisons (EED billing annex): this period and the same period
    last year, corrected to a normal year's weather with the customer's own
    degree-day factor (quantity - factor x (degree days - normal degree days)),
    and a normalised average customer of the same category for the same days."""

    unit: str
    bars: tuple[ComparisonBar, ...]
    quantity: Decimal  # as measured, this period
    quantity_last_year: Decimal | None = None
    degree_days: Decimal
    degree_days_last_year: Decimal | None = None
    normal_degree_days: Decimal
    per_degree_day: Decimal = Decimal(0)  # the fitted factor, in ``unit``
    weather_corrected: bool = True
    station: str = ""

    def bar(self, key: str) -> ComparisonBar | None:
        return next((b for b in self.bars if b.key == key), None)


class MeterPeriodValue(Frozen):
    """The register values a bill used for one meter: the next bill starts where
    this one ended, so a late actual reading replacing an estimate flows into
    the next bill by itself."""

    meter_number: str
    unit: EnergyUnit
    start_value: Decimal
    end_value: Decimal
    start_estimated: bool = False
    end_estimated: bool = False
    # The register's range (10^N) times the wraps in the period: the register
    # went past its highest value, so the end value is below the start value.
    register_wrap: Decimal = Decimal(0)
    # Where each value comes from, for the bill's table of readings: the dates
    # they were read on, how (``ReadingBasis``) and, for an estimate, how it
    # was computed.
    start_on: date | None = None
    end_on: date | None = None
    start_source: ReadingBasis | None = None
    end_source: ReadingBasis | None = None
    estimate_notes: tuple[LineNote, ...] = ()

    @property
    def quantity(self) -> Decimal:
        return self.end_value + self.register_wrap - self.start_value


class Invoice(Frozen):
    number: int
    customer_number: str
    kind: InvoiceKind
    period: BillingPeriod
    issued_on: date
    due_on: date
    currency: str
    language: Language
    lines: tuple[InvoiceLine, ...]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    payment_reference: str
    status: InvoiceStatus = InvoiceStatus.OPEN
    pdf_key: str | None = None
    meter_values: tuple[MeterPeriodValue, ...] = ()
    # The days supplied (a month; a settlement's whole year), first and last day.
    supply_start: date | None = None
    supply_end: date | None = None
    vat_breakdown: tuple[VatAmount, ...] = ()
    # Corrections: a credit note ``corrects`` the invoice it cancels and names the
    # corrected invoice that ``replaced_by`` it; a corrected invoice ``corrects``
    # the one it replaces and names its ``credit_note``; the cancelled invoice
    # names both (``credited_by``, ``replaced_by``).
    corrects: int | None = None
    credited_by: int | None = None
    replaced_by: int | None = None
    credit_note: int | None = None
    notes: tuple[LineNote, ...] = ()
    direct_debit: DirectDebitNotice | None = None
    comparison: ConsumptionComparison | None = None

    @property
    def supply_first_day(self) -> date:
        return self.supply_start or self.period.start

    @property
    def supply_last_day(self) -> date:
        return self.supply_end or self.period.end - timedelta(days=1)

    @property
    def prices_include_vat(self) -> bool | None:
        """True when every priced line is incl. VAT, False when none is, None when mixed or empty."""
        bases = {line.includes_vat for line in self.lines if line.vat_amount is None}
        return bases.pop() if len(bases) == 1 else None
