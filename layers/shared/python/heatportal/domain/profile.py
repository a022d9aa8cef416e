"""The utility profile: one deployment serves one utility, described here.

Profiles are YAML files validated by these models at start; an invalid profile
stops the process with pydantic's field errors instead of failing later.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from heatportal.domain.bill_information import BillInformation
from heatportal.domain.compliance import Compliance
from heatportal.domain.model import LANGUAGES, Language, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.seller import Payment, Seller

# Days a bill may take to reach the customer (post); an e-mailed bill arrives sooner.
POSTAL_DAYS = 3


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegistrationMethod(StrEnum):
    PIN = "customer_number_pin"  # the PIN letter
    POSTCODE = "customer_number_postcode"  # the postcode of the billing address
    NAME = "customer_number_name"  # the customer's name


class BillingMode(StrEnum):
    MONTHLY_ARREARS = "monthly_arrears"  # each month's consumption billed after the month
    ADVANCE_YEARLY = "advance_yearly"  # monthly advances, settled once a year


# Every price a customer reads is a finite decimal with at most this many
# places (0.01 øre/öre/cent): the printed unit price is the price charged.
PRICE_PLACES = 4
UNIT_PRICE_STEP = Decimal("0.0001")


def _printable(value: Decimal, what: str) -> Decimal:
    if value != value.quantize(UNIT_PRICE_STEP):
        raise ValueError(f"{what} {value} has more than {PRICE_PLACES} decimals")
    return value


class DatedRate(Strict):
    valid_from: date
    rate: Decimal


class MonthPrice(Strict):
    """A price that applies to the months listed (1-12); seasons are month sets."""

    months: tuple[int, ...] = Field(min_length=1)
    price: Decimal

    @field_validator("price")
    @classmethod
    def _four_places(cls, value: Decimal) -> Decimal:
        return _printable(value, "price")

    @field_validator("months")
    @classmethod
    def _months_in_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= m <= 12 for m in value):
            raise ValueError("months are 1 to 12")
        return value


class DatedPrice(Strict):
    """A price in force from ``valid_from`` (inclusive) until the next one."""

    valid_from: date
    price: Decimal

    @field_validator("price")
    @classmethod
    def _four_places(cls, value: Decimal) -> Decimal:
        return _printable(value, "price")


def _each_month_once(prices: tuple[MonthPrice, ...]) -> tuple[MonthPrice, ...]:
    months = sorted(m for p in prices for m in p.months)
    if months != list(range(1, 13)):
        raise ValueError("the seasons must name every month 1-12 exactly once")
    return prices


class FixedFee(Strict):
    """A charge per year, billed monthly as "price per year x 1/12 year"; it must
    divide into whole cents per month so twelve bills add up to the price sheet."""

    type: Literal["fixed_fee"]
    name: str
    # The catalog key of the component's name (invoice.component.*), so the bill
    # names it in the reader's language; ``name`` is the price sheet's own word.
    name_key: str | None = Field(default=None, pattern=r"^invoice\.component\.[a-z_]+$")
    amount_per_year: Decimal
    applies_to: MeterKind | None = None

    @field_validator("amount_per_year")
    @classmethod
    def _whole_cents_per_month(cls, value: Decimal) -> Decimal:
        if value * 100 % 12 != 0:
            raise ValueError(
                f"amount_per_year {value} is not a whole number of cents per month"
                f" ({value} / 12 = {value / 12:.6f}); twelve bills would not add up to it"
            )
        return value


class EnergyPrice(Strict):
    type: Literal["energy_price"]
    unit: EnergyUnit
    # A second energy price on top of the first (a contract option such as green
    # heat) is named on the bill; the base energy price is not.
    name: str | None = None
    prices: tuple[MonthPrice, ...] = Field(min_length=1)
    applies_to: MeterKind = MeterKind.HEAT

    @field_validator("prices")
    @classmethod
    def _seasons(cls, value: tuple[MonthPrice, ...]) -> tuple[MonthPrice, ...]:
        return _each_month_once(value)


class SpotEnergyPrice(Strict):
    """Spot-indexed energy: monthly average spot price + transfer cost, discount, cap."""

    type: Literal["spot_energy"]
    zone: str
    transfer_cost: tuple[DatedPrice, ...] = Field(min_length=1)  # per kWh
    discount_percent: Decimal = Field(ge=0, le=100)
    max_price: tuple[DatedPrice, ...] = ()  # per kWh, after discount
    applies_to: MeterKind = MeterKind.HEAT
    # The month's spot price and the price per kWh after the discount are
    # rounded half up to these steps where they are formed, so the bill prints
    # the very figures it multiplies (0.0001 = 0.01 øre).
    spot_price_step: Decimal = Field(default=UNIT_PRICE_STEP, ge=UNIT_PRICE_STEP)
    unit_price_step: Decimal = Field(default=UNIT_PRICE_STEP, ge=UNIT_PRICE_STEP)


class VolumePrice(Strict):
    """Hot tap water per m3, or a Swedish flow charge per m3 of circulated water."""

    type: Literal["volume_price"]
    name: str
    name_key: str | None = Field(default=None, pattern=r"^invoice\.component\.[a-z_]+$")
    price_per_m3: Decimal
    applies_to: MeterKind

    @field_validator("price_per_m3")
    @classmethod
    def _four_places(cls, value: Decimal) -> Decimal:
        return _printable(value, "price_per_m3")


class CapacityCharge(Strict):
    """Price per kW and year on the mean of the N highest daily average loads
    of the heat meters (or of the cooling meters, for a cooling price list)."""

    type: Literal["capacity_charge"]
    price_per_kw_year: Decimal
    top_days: int = Field(default=3, ge=1, le=31)
    applies_to: Literal[MeterKind.HEAT, MeterKind.COOLING] = MeterKind.HEAT

    @field_validator("price_per_kw_year")
    @classmethod
    def _four_places(cls, value: Decimal) -> Decimal:
        return _printable(value, "price_per_kw_year")


class ReturnTemperature(Strict):
    """Bonus (negative) or fee per degree away from the reference, per MWh.

    District heating wants the water back cold: a return above the reference is
    a fee, below it a bonus. District cooling works the other way round: the
    network wants its water back warm (a large temperature difference), so a
    return below the reference is the fee and above it the bonus.
    """

    type: Literal["return_temperature"]
    reference_c: tuple[MonthPrice, ...]  # MonthPrice.price holds the reference temperature
    price_per_degree_mwh: Decimal
    applies_to: Literal[MeterKind.HEAT, MeterKind.COOLING] = MeterKind.HEAT

    @field_validator("price_per_degree_mwh")
    @classmethod
    def _three_places(cls, value: Decimal) -> Decimal:
        # x degrees to one decimal: the price per MWh keeps at most four places.
        if value != value.quantize(Decimal("0.001")):
            raise ValueError(f"price_per_degree_mwh {value} has more than 3 decimals")
        return value

    @field_validator("reference_c")
    @classmethod
    def _seasons(cls, value: tuple[MonthPrice, ...]) -> tuple[MonthPrice, ...]:
        return _each_month_once(value)


TariffComponent = Annotated[
    FixedFee | EnergyPrice | SpotEnergyPrice | VolumePrice | CapacityCharge | ReturnTemperature,
    Field(discriminator="type"),
]


class PriceList(Strict):
    """A versioned set of tariff components. Every list states whether its
    prices include VAT and why (prices quoted to consumers include VAT in
    Norway and the Netherlands; a net list passes a VAT change through)."""

    id: str
    valid_from: date
    prices_include_vat: bool
    vat_basis_reason: str = Field(min_length=10)
    components: tuple[TariffComponent, ...] = Field(min_length=1)


class Branding(Strict):
    display_name: str
    primary_color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    logo_text: str
    phone: str
    email: str
    address: str


class AdvancePolicy(Strict):
    """Limits on the monthly advance a customer may choose."""

    min_share_of_expected: Decimal = Decimal("0.7")
    max_share_of_expected: Decimal = Decimal("1.5")


_SLUG = r"^[a-z][a-z0-9_]{0,39}$"
ComponentType = Literal[
    "fixed_fee", "energy_price", "spot_energy", "volume_price", "capacity_charge", "return_temperature"
]


class OptionChoice(Strict):
    """One choice of a contract option. Its price effect is written in tariff
    components, so the tariff engine prices it like any price list: the
    components of the types in ``replaces`` leave the base list, ``adds`` join
    it. Its name and text come from the catalog (``offer.choice.<option>.<id>``)."""

    id: str = Field(pattern=_SLUG)
    replaces: tuple[ComponentType, ...] = ()
    adds: tuple[TariffComponent, ...] = ()
    # A price agreement binds for this long; a capacity level subscribes this much power.
    term_months: int | None = Field(default=None, ge=1, le=120)
    subscribed_kw: Decimal | None = Field(default=None, gt=0)


class ContractOption(Strict):
    """An option of the utility's contracts (price agreement, capacity level,
    green heat, ...): its first choice is the one a contract has unless chosen."""

    id: str = Field(pattern=_SLUG)
    choices: tuple[OptionChoice, ...] = Field(min_length=2)

    @field_validator("choices")
    @classmethod
    def _distinct(cls, value: tuple[OptionChoice, ...]) -> tuple[OptionChoice, ...]:
        if len({c.id for c in value}) != len(value):
            raise ValueError("an option names each choice once")
        return value

    @property
    def default(self) -> OptionChoice:
        return self.choices[0]

    def choice(self, choice_id: str) -> OptionChoice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


class Product(Strict):
    """A product the utility sells (name and text from the catalog, ``offer.product.<id>``)."""

    id: str = Field(pattern=_SLUG)


class Offer(Strict):
    """What a contract is made of: products, their options, the term."""

    products: tuple[Product, ...] = (Product(id="district_heating"),)
    options: tuple[ContractOption, ...] = ()
    term_months: int = Field(default=12, ge=1, le=120)
    notice_months: int = Field(default=1, ge=0, le=24)

    @model_validator(mode="after")
    def _distinct(self) -> Offer:
        if len({o.id for o in self.options}) != len(self.options):
            raise ValueError("the offer names each option once")
        if len({p.id for p in self.products}) != len(self.products) or not self.products:
            raise ValueError("the offer names at least one product, each once")
        return self

    def option(self, option_id: str) -> ContractOption | None:
        return next((o for o in self.options if o.id == option_id), None)


class ServiceOffer(Strict):
    """An energy service customers may ask for (texts from ``service.<id>.*``)."""

    id: str = Field(pattern=_SLUG)
    price_from: Decimal | None = Field(default=None, ge=0)
    price_unit: Literal["year", "visit", "hour"] | None = None


class KeyFigures(Strict):
    """A year's sustainability figures of the district-heating system."""

    year: int = Field(ge=2000, le=2100)
    fuel_mix: dict[str, Decimal]  # energy carrier -> percent of the heat produced
    co2_kg_per_mwh: Decimal = Field(ge=0)
    renewable_percent: Decimal = Field(ge=0, le=100)
    network_losses_percent: Decimal = Field(ge=0, le=100)

    @field_validator("fuel_mix")
    @classmethod
    def _whole(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        if not value or sum(value.values(), Decimal(0)) != Decimal(100):
            raise ValueError("the fuel mix adds up to 100 percent")
        for carrier in value:
            if not re.match(_SLUG, carrier):
                raise ValueError(f"unknown energy carrier {carrier!r}")
        return value


class Sustainability(Strict):
    """The utility's climate goal and yearly key figures."""

    goal: Literal["net_zero", "fossil_free", "renewable"] = "net_zero"
    goal_year: int = Field(ge=2000, le=2100)
    years: tuple[KeyFigures, ...] = Field(min_length=1)

    @field_validator("years")
    @classmethod
    def _in_order(cls, value: tuple[KeyFigures, ...]) -> tuple[KeyFigures, ...]:
        if [y.year for y in value] != sorted({y.year for y in value}):
            raise ValueError("key figures are listed once per year, oldest first")
        return value

    def figures_for(self, year: int) -> KeyFigures:
        """The year's figures, or the newest published before it (the latest for a later year)."""
        earlier = [y for y in self.years if y.year <= year]
        return earlier[-1] if earlier else self.years[0]


class Moving(Strict):
    """Moving out and in: when the final invoice is billed."""

    # The law's limit after the contract ends (NL: six weeks); kept per country here.
    final_invoice_deadline_days: int = Field(default=42, ge=1, le=120)
    # ``next_run``: the next monthly bill run issues it (never after the deadline:
    # it is issued at once when the run would come too late); ``at_once``: always at once.
    final_invoice: Literal["next_run", "at_once"] = "next_run"
    # The day of the month the monthly bill run starts (the schedule in template.yaml).
    bill_run_day: int = Field(default=1, ge=1, le=28)
    # The yearly consumption assumed for a meter without history, per meter kind:
    # kWh for energy meters, m3 for water meters.
    default_yearly: dict[MeterKind, Decimal] = Field(default_factory=dict)


class Signing(Strict):
    """How an administrator signs a contract: Swedish BankID (relying-party API
    v6) or a code sent to the signer's e-mail (a simple electronic signature)."""

    method: Literal["bankid_se", "email_code"] = "email_code"


class CustomerNumbers(Strict):
    """New customer numbers: the next of a counter from ``first``, written with
    ``template`` (``{n:06d}``), which must give the profile's pattern."""

    first: int = Field(ge=1)
    template: str


class QuietHours(Strict):
    """Hours in which no alert SMS is sent (it waits until ``end``); local time.
    ``start`` after ``end`` spans midnight (21:00-07:00)."""

    start: time
    end: time

    def covers(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class AlertPolicy(Strict):
    """Consumption alerts and monthly consumption information.

    Each alert has a summer and a winter threshold: ``winter_months`` are the
    months (1-12) the winter one applies (the heating season of the
    utility's climate; for district cooling, its low season). An alert SMS
    is never sent in ``sms_quiet_hours``. The monthly information compares a
    customer with the average customer of the same category once the
    category has ``benchmark_min_customers`` (fewer would reveal a neighbour).
    """

    winter_months: tuple[int, ...] = Field(min_length=1, max_length=11)
    sms_quiet_hours: QuietHours
    benchmark_min_customers: int = Field(default=5, ge=3)

    @field_validator("winter_months")
    @classmethod
    def _months_once(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= m <= 12 for m in value) or len(set(value)) != len(value):
            raise ValueError("winter months are distinct months 1 to 12")
        return value

    def is_winter(self, day: date) -> bool:
        return day.month in self.winter_months


class UtilityProfile(Strict):
    id: str
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    languages: tuple[Language, ...] = Field(min_length=1)
    default_language: Language
    timezone: str
    registration: RegistrationMethod
    login_with_customer_number: bool = False
    billing_mode: BillingMode
    payment_terms_days: int = Field(default=14, ge=1, le=90)
    # A period is billed no earlier than this many days after it ends (the
    # readings on the 1st must have come in); the schedule runs on the 2nd.
    reading_cutoff_days: int = Field(default=1, ge=0, le=28)
    price_lists: tuple[PriceList, ...] = Field(min_length=1)
    vat: tuple[DatedRate, ...] = Field(min_length=1)
    customer_number_pattern: str
    postcode_pattern: str
    sms_keyword: str = "KLEM"
    sms_number: str | None = None
    sender_email: str
    branding: Branding
    advance: AdvancePolicy = AdvancePolicy()
    climate_station: str
    seller: Seller
    payment: Payment
    bill_information: BillInformation
    compliance: Compliance = Compliance()
    offer: Offer = Offer()
    services: tuple[ServiceOffer, ...] = ()
    sustainability: Sustainability | None = None
    moving: Moving = Moving()
    signing: Signing = Signing()
    customer_numbers: CustomerNumbers | None = None
    # The portal keeps no history before this day (the system was taken into use then).
    history_since: date | None = None
    alerts: AlertPolicy

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in list_currencies():
            raise ValueError(f"{value} is not an ISO 4217 currency")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> UtilityProfile:
        if self.default_language not in self.languages:
            raise ValueError("default_language must be one of languages")
        for lang in self.languages:
            if lang not in LANGUAGES:
                raise ValueError(f"unsupported language {lang}")
        if self.customer_numbers is not None:
            first = self.customer_numbers.template.format(n=self.customer_numbers.first)
            if not re.match(self.customer_number_pattern, first):
                raise ValueError(f"new customer numbers ({first}) do not match customer_number_pattern")
        if len({s.id for s in self.services}) != len(self.services):
            raise ValueError("the services are named once each")
        return self

    @model_validator(mode="after")
    def _lawful(self) -> UtilityProfile:
        """What the country's law requires on a bill is present and valid."""
        self.seller.validate_for(self.country)
        self.payment.validate_for(self.country, self.currency)
        self.bill_information.validate_for(self.country)
        if self.payment.due_days_after_receipt is not None:
            # Due at the earliest N days after receipt (AVBFernwärmeV § 27): a bill
            # sent on the invoice date may take up to POSTAL_DAYS to arrive.
            least = self.payment.due_days_after_receipt + POSTAL_DAYS
            if self.payment_terms_days < least:
                raise ValueError(
                    f"payment_terms_days {self.payment_terms_days} is shorter than"
                    f" {self.payment.due_days_after_receipt} days after receipt (at least {least})"
                )
        compliance = self.compliance
        if self.country == "NO" and compliance.electric_heating_comparison is None:
            raise ValueError("compliance.electric_heating_comparison is required in Norway (energiloven § 5-5)")
        if self.country == "SE" and not compliance.energy_in_arrears:
            raise ValueError("compliance.energy_in_arrears is required in Sweden (EIFS 2022:3)")
        if self.country == "NL":
            years = {m.year for m in compliance.nl_acm_maximum}
            ordered = sorted(self.price_lists, key=lambda p: p.valid_from)
            for price_list, following in zip(ordered, [*ordered[1:], None], strict=True):
                last = following.valid_from - timedelta(days=1) if following else price_list.valid_from
                missing = [y for y in range(price_list.valid_from.year, last.year + 1) if y not in years]
                if missing:
                    raise ValueError(
                        f"compliance.nl_acm_maximum has no entry for {missing[0]} (price list {price_list.id})"
                    )
        return self

    def price_list_on(self, day: date) -> PriceList:
        candidates = [p for p in self.price_lists if p.valid_from <= day]
        if not candidates:
            raise LookupError(f"no price list in force on {day}")
        return max(candidates, key=lambda p: p.valid_from)

    def vat_on(self, day: date) -> Decimal:
        candidates = [v for v in self.vat if v.valid_from <= day]
        if not candidates:
            raise LookupError(f"no VAT rate in force on {day}")
        return max(candidates, key=lambda v: v.valid_from).rate


PROFILE_IDS = ("no", "nl", "de", "se")


@cache
def load_profile(profile_id: str) -> UtilityProfile:
    """Load a shipped profile by id (``no``, ``nl``, ``de``, ``se``)."""
    if profile_id not in PROFILE_IDS:
        raise ValueError(f"unknown profile {profile_id!r}; choose one of {', '.join(PROFILE_IDS)}")
    text = resources.files("heatportal.profiles").joinpath(f"{profile_id}.yaml").read_text("utf-8")
    return UtilityProfile.model_validate(yaml.safe_load(text))
