"""What a heat bill tells besides the amounts, from the profile: the fuel mix
and its greenhouse-gas emissions (and for Germany the primary energy factor
and the renewable share), taxes and levies, the average customers to compare
with, and where to turn with a question, a complaint or for advice.

The EU energy-efficiency directive (2023/1791, the billing annex) asks for all
of it, and the countries carry it (DE FFVAV § 5, NL Warmtewet, SE
fjärrvärmelagen, NO energiloven): a profile that lacks a required item does
not load (``validate_for``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from heatportal.domain.money import EnergyUnit


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


FuelCarrier = Literal[
    "waste_incineration",
    "biomass",
    "biogas",
    "heat_pump",
    "electric_boiler",
    "bio_oil",
    "fossil_oil",
    "natural_gas",
    "natural_gas_chp",
    "waste_heat",
    "solar_thermal",
    "geothermal",
]

# Printed as written, so no normalising URL type: https only, no spaces.
WebAddress = Annotated[str, Field(pattern=r"^https://[^\s/]+\.[^\s]+$")]

CustomerCategory = Literal["house", "apartment", "apartment_building", "business"]


class FuelShare(_Strict):
    carrier: FuelCarrier
    percent: Decimal = Field(gt=0, le=100)


class Emissions(_Strict):
    year: int = Field(ge=2000, le=2100)
    grams_co2e_per_kwh: Decimal = Field(ge=0)
    tonnes_co2e: Decimal = Field(ge=0)
    heat_delivered_mwh: Decimal = Field(gt=0)

    @model_validator(mode="after")
    def _tonnes_follow_from_the_rate(self) -> Emissions:
        # g/kWh x MWh = kg x 1000 / 1000 ... = tonnes: g/kWh x MWh / 1000.
        expected = self.grams_co2e_per_kwh * self.heat_delivered_mwh / 1000
        if abs(expected - self.tonnes_co2e) > max(Decimal(1), expected * Decimal("0.01")):
            raise ValueError(
                f"tonnes_co2e {self.tonnes_co2e} does not follow from {self.grams_co2e_per_kwh} g/kWh"
                f" x {self.heat_delivered_mwh} MWh = {expected}"
            )
        return self


class AverageCustomer(_Strict):
    """A normalised average customer of one category, per year."""

    category: CustomerCategory
    annual_kwh: Decimal | None = Field(default=None, gt=0)
    annual_gj: Decimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_quantity(self) -> AverageCustomer:
        if (self.annual_kwh is None) == (self.annual_gj is None):
            raise ValueError("give annual_kwh or annual_gj")
        return self

    @property
    def unit(self) -> EnergyUnit:
        return EnergyUnit.KWH if self.annual_kwh is not None else EnergyUnit.GJ

    @property
    def annual(self) -> Decimal:
        value = self.annual_kwh if self.annual_kwh is not None else self.annual_gj
        assert value is not None  # one of them, checked above
        return value


class Comparison(_Strict):
    average_customer: tuple[AverageCustomer, ...] = Field(min_length=1)
    # The category a private customer is compared with until customers' categories
    # are recorded; a business (with an organisation number) is a "business".
    default_category: CustomerCategory = "house"
    # The part of a typical customer's yearly heat that does not follow the
    # weather (hot tap water, losses): the average customer of a period is
    # annual x (share x days / 365 + (1 - share) x normal degree days / the year's).
    base_load_share: Decimal = Field(default=Decimal("0.2"), ge=0, le=1)

    def for_category(self, category: CustomerCategory) -> AverageCustomer | None:
        return next((a for a in self.average_customer if a.category == category), None)

    @model_validator(mode="after")
    def _default_is_listed(self) -> Comparison:
        if self.for_category(self.default_category) is None:
            raise ValueError(f"default_category {self.default_category} has no average_customer entry")
        return self


class Body(_Strict):
    """An organisation the bill names, with its web address."""

    name: str = Field(min_length=1)
    web: WebAddress
    # ADR: the utility takes part (Elklagenemnda hears heat cases only if it does).
    accepted_by_utility: bool | None = None
    participates: bool | None = None

    @property
    def takes_part(self) -> bool:
        return self.accepted_by_utility is not False and self.participates is not False


class Complaints(_Strict):
    name: str = Field(min_length=1)
    phone: str = Field(min_length=1)
    email: str = Field(min_length=3)
    web: WebAddress


class Contacts(_Strict):
    complaints: Complaints
    adr: tuple[Body, ...] = Field(min_length=1)
    consumer_bodies: tuple[Body, ...] = Field(min_length=1)
    energy_agencies: tuple[Body, ...] = ()
    regulator: Body | None = None

    @model_validator(mode="after")
    def _someone_hears_disputes(self) -> Contacts:
        if not any(body.takes_part for body in self.adr):
            raise ValueError("at least one ADR body must hear this utility's disputes")
        return self


class BillingRules(_Strict):
    settlement_within_weeks: int | None = Field(default=None, ge=1, le=52)
    show_measured_or_calculated: bool = True
    energy_in_arrears: bool = False
    advance_allowed: tuple[str, ...] = ()
    energy_information_days: int | None = Field(default=None, ge=1, le=60)


class BillInformation(_Strict):
    fuel_mix_year: int = Field(ge=2000, le=2100)
    fuel_mix: tuple[FuelShare, ...] = Field(min_length=1)
    emissions: Emissions
    primary_energy_factor: Decimal | None = Field(default=None, ge=0, le=3)
    renewable_share_percent: Decimal | None = Field(default=None, ge=0, le=100)
    taxes_and_levies: Literal["none_but_vat"] = "none_but_vat"
    billing_rules: BillingRules = BillingRules()
    comparison: Comparison
    contacts: Contacts

    @model_validator(mode="after")
    def _mix_adds_up(self) -> BillInformation:
        total = sum((share.percent for share in self.fuel_mix), Decimal(0))
        if total != 100:
            raise ValueError(f"the fuel mix adds up to {total} %, not 100 %")
        carriers = [share.carrier for share in self.fuel_mix]
        if len(set(carriers)) != len(carriers):
            raise ValueError("the fuel mix names each carrier once")
        return self

    def validate_for(self, country: str) -> None:
        if country == "DE" and (self.primary_energy_factor is None or self.renewable_share_percent is None):
            raise ValueError(
                "bill_information needs primary_energy_factor and renewable_share_percent in Germany (FFVAV § 5 (3))"
            )
        if not self.contacts.energy_agencies and country in ("DE", "NL", "SE", "NO"):
            raise ValueError("bill_information.contacts needs at least one energy agency")
