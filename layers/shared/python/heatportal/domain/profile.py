"""The utility profile: one deployment serves one utility, described here.

Profiles are YAML files validated by these models at start; an invalid profile
stops the process with pydantic's field errors instead of failing later.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from heatportal.domain.model import LANGUAGES, Language, MeterKind
from heatportal.domain.money import EnergyUnit


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegistrationMethod(StrEnum):
    PIN = "customer_number_pin"  # the PIN letter
    POSTCODE = "customer_number_postcode"  # the postcode of the billing address
    NAME = "customer_number_name"  # the customer's name


class BillingMode(StrEnum):
    MONTHLY_ARREARS = "monthly_arrears"  # each month's consumption billed after the month
    ADVANCE_YEARLY = "advance_yearly"  # monthly advances, settled once a year


class DatedRate(Strict):
    valid_from: date
    rate: Decimal


class MonthPrice(Strict):
    """A price that applies to the months listed (1-12); seasons are month sets."""

    months: tuple[int, ...] = Field(min_length=1)
    price: Decimal

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


def _each_month_once(prices: tuple[MonthPrice, ...]) -> tuple[MonthPrice, ...]:
    months = sorted(m for p in prices for m in p.months)
    if months != list(range(1, 13)):
        raise ValueError("the seasons must name every month 1-12 exactly once")
    return prices


class FixedFee(Strict):
    type: Literal["fixed_fee"]
    name: str
    amount_per_year: Decimal
    applies_to: MeterKind | None = None


class EnergyPrice(Strict):
    type: Literal["energy_price"]
    unit: EnergyUnit
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


class VolumePrice(Strict):
    """Hot tap water per m3, or a Swedish flow charge per m3 of circulated water."""

    type: Literal["volume_price"]
    name: str
    price_per_m3: Decimal
    applies_to: MeterKind


class CapacityCharge(Strict):
    """Price per kW and year on the mean of the N highest daily average loads."""

    type: Literal["capacity_charge"]
    price_per_kw_year: Decimal
    top_days: int = Field(default=3, ge=1, le=31)


class ReturnTemperature(Strict):
    """Bonus (negative) or fee per degree away from the reference, per MWh."""

    type: Literal["return_temperature"]
    reference_c: tuple[MonthPrice, ...]  # MonthPrice.price holds the reference temperature
    price_per_degree_mwh: Decimal

    @field_validator("reference_c")
    @classmethod
    def _seasons(cls, value: tuple[MonthPrice, ...]) -> tuple[MonthPrice, ...]:
        return _each_month_once(value)


TariffComponent = Annotated[
    FixedFee | EnergyPrice | SpotEnergyPrice | VolumePrice | CapacityCharge | ReturnTemperature,
    Field(discriminator="type"),
]


class PriceList(Strict):
    id: str
    valid_from: date
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
    payment_reference: Literal["kid", "ocr", "plain"]
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
