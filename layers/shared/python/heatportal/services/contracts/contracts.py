"""A customer's contracts (one per facility and supply) and the offer: the
products, options, price lists and price agreements the utility sells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from heatportal.domain.contracts import Contract, ContractTerms, contracts_of
from heatportal.domain.errors import NotFound
from heatportal.domain.model import Role
from heatportal.domain.profile import ContractOption, PriceList, Product, UtilityProfile
from heatportal.ports import Clock
from heatportal.services.access import Scope


@dataclass(frozen=True)
class OfferView:
    """ "Our contracts and options": what the utility sells, the price list in
    force and the next one (if published), the price agreements."""

    products: tuple[Product, ...]
    options: tuple[ContractOption, ...]
    in_force: PriceList
    upcoming: PriceList | None
    term_months: int
    notice_months: int

    @property
    def price_agreements(self) -> list[ContractOption]:
        """Options whose choices bind a price for a term (fixed-price agreements)."""
        return [o for o in self.options if any(c.term_months for c in o.choices)]


def scoped_contracts(profile: UtilityProfile, scope: Scope) -> list[Contract]:
    """The contracts of the facilities the scope covers (a management company
    sees those of its granted facilities)."""
    record = scope.record
    every = contracts_of(
        profile, record.number, record.facilities, record.meters, record.supplies, record.contract_versions
    )
    return [c for c in every if scope.sees(c.facility.id)]


class ContractService:
    def __init__(self, profile: UtilityProfile, clock: Clock) -> None:
        self.profile = profile
        self.clock = clock

    def contracts(self, scope: Scope) -> list[Contract]:
        grant = scope.require(Role.READ, companies="any")
        return scoped_contracts(self.profile, grant)

    def contract(self, scope: Scope, facility_id: str) -> Contract:
        """The facility's current contract (its newest supply). NotFound for a
        facility that is not the customer's (or not in a company's grant)."""
        grant = scope.require(Role.READ, companies="any")
        grant.require_facility(facility_id)
        found = [c for c in scoped_contracts(self.profile, grant) if c.facility.id == facility_id]
        if not found:
            raise NotFound("This facility does not exist for the customer.", code="facility_not_found")
        return max(found, key=lambda c: c.supply.started_on)

    def terms_on(self, contract: Contract, day: date) -> ContractTerms:
        return contract.version_on(day).terms

    def offer(self) -> OfferView:
        """Public facts: no customer needed (the page is for signed-in people)."""
        today = self.clock.today()
        later = sorted((p for p in self.profile.price_lists if p.valid_from > today), key=lambda p: p.valid_from)
        return OfferView(
            products=self.profile.offer.products,
            options=self.profile.offer.options,
            in_force=self.profile.price_list_on(today),
            upcoming=later[0] if later else None,
            term_months=self.profile.offer.term_months,
            notice_months=self.profile.offer.notice_months,
        )
