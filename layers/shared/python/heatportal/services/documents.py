"""A customer's documents: the contract, the price sheet of the
price list in force (a PDF), and the technical data card of each facility."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from heatportal.domain.errors import NotFound
from heatportal.domain.model import Customer, Facility, Language, Meter, Role
from heatportal.domain.profile import PriceList, UtilityProfile
from heatportal.ports import Clock, DocumentStore
from heatportal.services.access import Scope

PRICE_SHEET_LINK_SECONDS = 300


@dataclass(frozen=True)
class Contract:
    customer: Customer
    facilities: list[Facility]
    price_list: PriceList
    profile: UtilityProfile


PriceSheetRenderer = Callable[[UtilityProfile, PriceList, Language, date], bytes]
"""The price sheet PDF of a price list in a language, as in force on a date."""


@dataclass(frozen=True)
class PriceListInForce:
    price_list: PriceList
    on: date


@dataclass(frozen=True)
class DataCard:
    facility: Facility
    meters: list[Meter]


class DocumentService:
    def __init__(
        self,
        profile: UtilityProfile,
        store: DocumentStore,
        clock: Clock,
        render_pdf: PriceSheetRenderer,
    ) -> None:
        self.profile = profile
        self.store = store
        self.clock = clock
        self.render_pdf = render_pdf

    def contract(self, scope: Scope) -> Contract:
        scope.require(Role.READ, companies="whole")
        customer = scope.record.customer
        if customer is None:
            raise NotFound("No such customer.", code="not_found")
        return Contract(
            customer=customer,
            facilities=list(scope.record.facilities),
            price_list=self.profile.price_list_on(self.clock.today()),
            profile=self.profile,
        )

    def data_card(self, scope: Scope, facility_id: str) -> DataCard:
        grant = scope.require(Role.READ, companies="any")
        grant.require_facility(facility_id)
        facility = next((f for f in scope.record.facilities if f.id == facility_id), None)
        if facility is None:
            raise NotFound("No such facility.", code="facility_not_found")
        meters = [m for m in scope.record.meters if m.facility_id == facility_id]
        return DataCard(facility=facility, meters=meters)

    def price_list(self, scope: Scope) -> PriceListInForce:
        """The price list in force today (its sheet is drawn in the reader's language)."""
        scope.require(Role.READ, companies="any")
        today = self.clock.today()
        return PriceListInForce(self.profile.price_list_on(today), today)

    def price_sheet_link(self, scope: Scope, lang: Language) -> str:
        """A short-lived link to the price sheet PDF. Drawn on each request (a
        few milliseconds, deterministic bytes), so it always shows the list in force."""
        in_force = self.price_list(scope)
        price_list = in_force.price_list
        key = f"price-sheets/{self.profile.id}/{price_list.id}/{lang}.pdf"
        self.store.put(key, self.render_pdf(self.profile, price_list, lang, in_force.on), "application/pdf")
        filename = f"{price_list.id}-{lang}.pdf"
        return self.store.presigned_url(key, filename, PRICE_SHEET_LINK_SECONDS)
