"""Contracts: a customer's supply at a facility (from moving in to moving out)
and the versions of its terms (product, options, term), each in force from a
day on. A facility without a stored supply is supplied since its first meter
was installed, on the profile's first product with every option at its default.

The options are priced by the tariff engine: ``price_list_with`` writes the
chosen options into the price list in force, so an estimate, a simulation and
the bill all come from the same components.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Address, Facility, Frozen, Meter
from heatportal.domain.profile import Offer, OptionChoice, PriceList, UtilityProfile


class ContractTerms(Frozen):
    """What is agreed: the product, the chosen options (option id -> choice id,
    every option of the offer), the term in months."""

    product: str
    options: dict[str, str] = Field(default_factory=dict)
    term_months: int

    def choice(self, offer: Offer, option_id: str) -> OptionChoice | None:
        option = offer.option(option_id)
        if option is None:
            return None
        return option.choice(self.options.get(option_id, option.default.id)) or option.default

    def chosen(self, offer: Offer) -> list[OptionChoice]:
        """The choice of every option of the offer (its default where none was made)."""
        return [c for o in offer.options if (c := self.choice(offer, o.id)) is not None]

    def subscribed_kw(self, offer: Offer) -> Decimal | None:
        return next((c.subscribed_kw for c in self.chosen(offer) if c.subscribed_kw is not None), None)

    def is_default(self, offer: Offer) -> bool:
        return all(c.id == o.default.id for o, c in zip(offer.options, self.chosen(offer), strict=True))


def default_terms(offer: Offer) -> ContractTerms:
    return ContractTerms(
        product=offer.products[0].id,
        options={o.id: o.default.id for o in offer.options},
        term_months=offer.term_months,
    )


def terms_from_choices(offer: Offer, product: str | None, choices: Mapping[str, str]) -> ContractTerms:
    """Terms from a person's picks: a product and a choice per option, each one
    the offer has (ValidationFailed naming the field otherwise); options not
    picked keep their default. A price agreement sets the term."""
    product_id = product or offer.products[0].id
    if not any(p.id == product_id for p in offer.products):
        raise ValidationFailed(
            "Choose one of our products.", code="contract_product_unknown", fields=[{"field": "product"}]
        )
    options: dict[str, str] = {}
    for option in offer.options:
        picked = choices.get(option.id, option.default.id)
        if option.choice(picked) is None:
            raise ValidationFailed(
                "Choose one of the options offered.",
                code="contract_option_unknown",
                fields=[{"field": f"options.{option.id}", "code": "contract_option_unknown"}],
            )
        options[option.id] = picked
    unknown = sorted(set(choices) - {o.id for o in offer.options})
    if unknown:
        raise ValidationFailed(
            "Choose one of the options offered.",
            code="contract_option_unknown",
            fields=[{"field": f"options.{unknown[0]}", "code": "contract_option_unknown"}],
        )
    terms = ContractTerms(product=product_id, options=options, term_months=offer.term_months)
    agreed = [c.term_months for c in terms.chosen(offer) if c.term_months is not None]
    return terms.model_copy(update={"term_months": max(agreed)}) if agreed else terms


def price_list_with(price_list: PriceList, terms: ContractTerms, offer: Offer) -> PriceList:
    """The price list as the terms make it: each chosen option's ``replaces``
    component types leave it, its ``adds`` join it."""
    components = list(price_list.components)
    for choice in terms.chosen(offer):
        if choice.replaces:
            components = [c for c in components if c.type not in choice.replaces]
        components += list(choice.adds)
    if terms.is_default(offer):
        return price_list
    suffix = "+".join(f"{o}={c}" for o, c in sorted(terms.options.items()))
    return price_list.model_copy(update={"id": f"{price_list.id}[{suffix}]", "components": tuple(components)})


class ContractVersion(Frozen):
    """One version of a facility's contract, in force from ``valid_from`` until
    the next version (or the end of the supply)."""

    customer_number: str
    facility_id: str
    valid_from: date
    terms: ContractTerms
    # Who signed it and how: None for the contract every facility starts with.
    signed_by: str | None = None
    signed_at: datetime | None = None
    signature_method: str | None = None
    signature_reference: str | None = None
    document_id: str | None = None


class Supply(Frozen):
    """A customer's supply at a facility: from the day of moving in (its meters'
    values that day are the start) to the day of moving out (the final reading
    of that day ends it, and the final invoice covers it)."""

    customer_number: str
    facility_id: str
    started_on: date
    ended_on: date | None = None
    forwarding_address: Address | None = None
    # The final invoice covers the ended meters from this day to ``ended_on``;
    # the monthly bills stop the day before.
    final_invoice_from: date | None = None
    final_invoice_due_by: date | None = None
    final_invoice: int | None = None
    ended_by: str | None = None
    ended_at: datetime | None = None
    # The incoming party's customer number, once the facility is taken over.
    successor: str | None = None

    def active_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)

    @property
    def awaiting_final_invoice(self) -> bool:
        return self.ended_on is not None and self.final_invoice is None


class Contract(Frozen):
    """A facility's contract as the customer sees it: its supply and versions."""

    facility: Facility
    supply: Supply
    versions: tuple[ContractVersion, ...]  # oldest first, at least one
    implied: bool = False  # no stored supply: derived from the facility's meters

    def version_on(self, day: date) -> ContractVersion:
        earlier = [v for v in self.versions if v.valid_from <= day]
        return earlier[-1] if earlier else self.versions[0]

    @property
    def current(self) -> ContractVersion:
        return self.versions[-1]


def contracts_of(
    profile: UtilityProfile,
    customer_number: str,
    facilities: tuple[Facility, ...],
    meters: tuple[Meter, ...],
    supplies: tuple[Supply, ...],
    versions: tuple[ContractVersion, ...],
) -> list[Contract]:
    """The customer's contracts, one per facility and supply, newest supply
    first per facility; a facility without a stored supply gets the implied one."""
    result: list[Contract] = []
    for facility in facilities:
        stored = sorted((s for s in supplies if s.facility_id == facility.id), key=lambda s: s.started_on)
        own = sorted((v for v in versions if v.facility_id == facility.id), key=lambda v: v.valid_from)
        if not stored:
            installed = [m.installed_on for m in meters if m.facility_id == facility.id]
            started = min(installed) if installed else date(2000, 1, 1)
            stored = [Supply(customer_number=customer_number, facility_id=facility.id, started_on=started)]
            implied = True
        else:
            implied = False
        for index, supply in enumerate(reversed(stored)):
            later = stored[len(stored) - index] if index else None
            mine = [
                v
                for v in own
                if v.valid_from >= supply.started_on and (later is None or v.valid_from < later.started_on)
            ]
            first = ContractVersion(
                customer_number=customer_number,
                facility_id=facility.id,
                valid_from=supply.started_on,
                terms=default_terms(profile.offer),
            )
            if not mine or mine[0].valid_from > supply.started_on:
                mine = [first, *mine]
            result.append(Contract(facility=facility, supply=supply, versions=tuple(mine), implied=implied))
    return result


def current_meter(meters: list[Meter]) -> Meter | None:
    """Of the items of one meter number (one per customer it served, after a
    move): the one in use, else the one installed last."""
    if not meters:
        return None
    return max(meters, key=lambda m: (m.removed_on is None, m.installed_on))
