"""The compliance check every invoice passes before it is stored.

Limits the law puts on a heat bill, configured in the profile (figures that
change each year stay in the profile, never in code):

- NL (Warmtewet, ACM): the price per GJ and the fixed charges at most the ACM
  maxima of the year, which include VAT; since 2025 the price per GJ has a
  maximum for the first 31 GJ of a year and one above it.
- NO (energiloven § 5-5): the price of district heating per kWh not above the
  price of electric heating in the area that month, both incl. VAT, after the
  electricity support scheme.
- SE (EIFS 2022:3): energy is billed only in arrears: an energy or
  return-temperature line may not cover a day after the invoice date.

An invoice that fails is held for customer service with the reasons and is
never numbered or sent (``services.billing.drafts``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from heatportal.domain import notes
from heatportal.domain.model import Invoice, InvoiceLine
from heatportal.domain.money import EnergyUnit, convert


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DatedAmount(_Strict):
    valid_from: date
    price: Decimal


class TierMaximum(_Strict):
    """The maximum per GJ for the supply up to ``up_to_gj`` a year (None: the rest)."""

    up_to_gj: Decimal | None = Field(default=None, gt=0)
    price: Decimal = Field(gt=0)


class AcmMaximum(_Strict):
    """One calendar year's ACM maximum prices, incl. VAT."""

    year: int = Field(ge=2000, le=2100)
    source: str = Field(min_length=1)
    energy_per_gj: tuple[TierMaximum, ...] = Field(min_length=1)
    standing_charge_per_year: Decimal | None = None
    metering_per_year: Decimal | None = None
    delivery_set_per_year: Decimal | None = None
    fixed_total_per_year: Decimal = Field(gt=0)

    @model_validator(mode="after")
    def _tiers_in_order(self) -> AcmMaximum:
        bounds = [t.up_to_gj for t in self.energy_per_gj]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("the last energy tier is open-ended (no up_to_gj), the others are bounded")
        return self

    def energy_maximum(self, annual_gj: Decimal) -> Decimal:
        """The lowest maximum of the tiers a customer using ``annual_gj`` a year reaches."""
        reached: list[Decimal] = []
        lower = Decimal(0)
        for tier in self.energy_per_gj:
            if annual_gj > lower or not reached:
                reached.append(tier.price)
            if tier.up_to_gj is not None:
                lower = tier.up_to_gj
        return min(reached)

    @property
    def component_maxima(self) -> dict[str, Decimal]:
        """Maximum per fixed component, by the component's name key."""
        pairs = {
            "invoice.component.standing_charge": self.standing_charge_per_year,
            "invoice.component.metering": self.metering_per_year,
            "invoice.component.delivery_set": self.delivery_set_per_year,
        }
        return {k: v for k, v in pairs.items() if v is not None}


class SupportScheme(_Strict):
    """Strømstøtte: the state pays ``coverage`` of the spot price above ``threshold_per_kwh`` (ex VAT)."""

    valid_from: date
    kind: Literal["stromstotte"]
    threshold_per_kwh: Decimal = Field(ge=0)
    coverage: Decimal = Field(ge=0, le=1)


class ElectricHeatingComparison(_Strict):
    """The cost of heating with electricity in the zone, per kWh, as the
    regulator compares it (energiloven § 5-5); prices ex VAT."""

    zone: str
    basis: Literal["incl_vat"] = "incl_vat"
    supplier_markup_per_kwh: tuple[DatedAmount, ...] = Field(min_length=1)
    consumption_tax_per_kwh: tuple[DatedAmount, ...] = Field(min_length=1)
    enova_per_kwh: tuple[DatedAmount, ...] = Field(min_length=1)
    grid_energy_charge_per_kwh: tuple[DatedAmount, ...] = Field(min_length=1)
    grid_capacity_per_kwh: tuple[DatedAmount, ...] = ()
    support_scheme: tuple[SupportScheme, ...] = ()
    on_failure: Literal["hold"] = "hold"

    def price_incl_vat(self, day: date, spot_excl_vat: Decimal, vat_rate: Decimal) -> Decimal:
        """Electric heating per kWh incl. VAT on ``day`` at the month's spot price (ex VAT)."""

        def at(prices: tuple[DatedAmount, ...]) -> Decimal:
            in_force = [p for p in prices if p.valid_from <= day]
            return max(in_force, key=lambda p: p.valid_from).price if in_force else Decimal(0)

        support = Decimal(0)
        schemes = [s for s in self.support_scheme if s.valid_from <= day]
        if schemes:
            scheme = max(schemes, key=lambda s: s.valid_from)
            support = max(Decimal(0), spot_excl_vat - scheme.threshold_per_kwh) * scheme.coverage
        excl = (
            spot_excl_vat
            + at(self.supplier_markup_per_kwh)
            - support
            + at(self.consumption_tax_per_kwh)
            + at(self.enova_per_kwh)
            + at(self.grid_energy_charge_per_kwh)
            + at(self.grid_capacity_per_kwh)
        )
        return (excl * (1 + vat_rate)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


class Compliance(_Strict):
    nl_acm_maximum: tuple[AcmMaximum, ...] = ()
    electric_heating_comparison: ElectricHeatingComparison | None = None
    energy_in_arrears: bool = False
    on_failure: Literal["hold"] = "hold"

    def acm_for(self, year: int) -> AcmMaximum | None:
        return next((m for m in self.nl_acm_maximum if m.year == year), None)


# --- the check -----------------------------------------------------------------


@dataclass(frozen=True)
class HoldReason:
    """Why an invoice is held: a catalog key (``invoice.hold.*``) and its parameters
    (typed note parameters, see ``domain.notes``)."""

    key: str
    params: dict[str, str]


ENERGY_COMPONENTS = frozenset({"energy", "spot_energy"})
ARREARS_COMPONENTS = frozenset({"energy", "spot_energy", "return_temperature"})


def _gross_unit_price(line: InvoiceLine) -> Decimal:
    return line.unit_price if line.includes_vat else line.unit_price * (1 + line.vat_rate)


def check_invoice(
    compliance: Compliance,
    invoice: Invoice,
    *,
    spot_by_month: dict[str, Decimal] | None = None,
    annual_gj: Decimal | None = None,
) -> list[HoldReason]:
    """The reasons ``invoice`` may not be sent; empty when it may.

    ``spot_by_month``: the month's spot price ex VAT per ``YYYY-MM`` (NO);
    ``annual_gj``: the customer's consumption over a year, for the NL tier."""
    reasons: list[HoldReason] = []
    energy_lines = [ln for ln in invoice.lines if ln.component in ENERGY_COMPONENTS and ln.amount > 0]
    acm_lines = [ln for ln in energy_lines if compliance.nl_acm_maximum and ln.unit in (EnergyUnit.GJ, EnergyUnit.MWH)]
    # The maximum is on the whole price per GJ: the energy lines of the same days
    # (a base price and an option's surcharge) are added up.
    per_gj_by_days: dict[tuple[date | None, date | None], Decimal] = {}
    for acm_line in acm_lines:
        days = (acm_line.period_start, acm_line.period_end)
        per_gj = _gross_unit_price(acm_line) / convert(Decimal(1), EnergyUnit(acm_line.unit), EnergyUnit.GJ)
        per_gj_by_days[days] = per_gj_by_days.get(days, Decimal(0)) + per_gj
    for (start, _end), per_gj in per_gj_by_days.items():
        line_year = (start or invoice.period.start).year
        maximum = compliance.acm_for(line_year)
        if maximum is None:
            reasons.append(HoldReason("invoice.hold.nl_no_maximum", {"year": notes.text(str(line_year))}))
            continue
        limit = maximum.energy_maximum(annual_gj if annual_gj is not None else Decimal(0))
        if per_gj > limit:
            reasons.append(
                HoldReason(
                    "invoice.hold.nl_energy_max",
                    {"price": notes.price(per_gj), "maximum": notes.price(limit), "year": notes.text(str(line_year))},
                )
            )
    if compliance.nl_acm_maximum:
        reasons += _nl_fixed(compliance, invoice)
    comparison = compliance.electric_heating_comparison
    if comparison is not None:
        for spot_line in (ln for ln in energy_lines if ln.component == "spot_energy"):
            start = spot_line.period_start or invoice.period.start
            month = f"{start.year:04d}-{start.month:02d}"
            spot = (spot_by_month or {}).get(month)
            if spot is None:
                reasons.append(HoldReason("invoice.hold.no_spot_for_comparison", {"month": notes.month(month)}))
                continue
            electric = comparison.price_incl_vat(start, spot, spot_line.vat_rate)
            price = _gross_unit_price(spot_line)
            if price > electric:
                reasons.append(
                    HoldReason(
                        "invoice.hold.no_electric_comparison",
                        {"price": notes.price(price), "comparison": notes.price(electric), "month": notes.month(month)},
                    )
                )
    if compliance.energy_in_arrears:
        for line in invoice.lines:
            end = line.period_end or invoice.supply_last_day
            if line.component in ARREARS_COMPONENTS and end >= invoice.issued_on:
                reasons.append(
                    HoldReason(
                        "invoice.hold.se_energy_in_advance",
                        {"start": notes.day(line.period_start or invoice.period.start), "end": notes.day(end)},
                    )
                )
                break
    return reasons


def _nl_fixed(compliance: Compliance, invoice: Invoice) -> list[HoldReason]:
    """Fixed charges per year (gross) against the year's maxima, per component and in total."""

    by_year: dict[int, dict[str, Decimal]] = {}
    for line in invoice.lines:
        if line.component != "fixed_fee" or line.amount <= 0:
            continue
        year = (line.period_start or invoice.period.start).year
        by_year.setdefault(year, {})[line.text_key] = _gross_unit_price(line)
    reasons = []
    for year, fees in sorted(by_year.items()):
        maximum = compliance.acm_for(year)
        if maximum is None:
            reasons.append(HoldReason("invoice.hold.nl_no_maximum", {"year": notes.text(str(year))}))
            continue
        total = sum(fees.values(), Decimal(0))
        if total > maximum.fixed_total_per_year:
            reasons.append(
                HoldReason(
                    "invoice.hold.nl_fixed_max",
                    {
                        "total": notes.price(total),
                        "maximum": notes.price(maximum.fixed_total_per_year),
                        "year": notes.text(str(year)),
                    },
                )
            )
        for key, limit in maximum.component_maxima.items():
            if key in fees and fees[key] > limit:
                reasons.append(
                    HoldReason(
                        "invoice.hold.nl_component_max",
                        {
                            "component": notes.key(key),
                            "price": notes.price(fees[key]),
                            "maximum": notes.price(limit),
                            "year": notes.text(str(year)),
                        },
                    )
                )
    return reasons
