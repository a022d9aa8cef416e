"""A customer's documents (seed 002): the contract, the price sheet of the
price list in force (a PDF), and the technical data card of each facility."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from heatportal.documents.price_sheet import PriceSheet, price_sheet
from heatportal.domain.errors import NotFound
from heatportal.domain.model import Customer, Facility, Language, Meter, Role
from heatportal.domain.profile import PriceList, UtilityProfile
from heatportal.ports import Clock, CustomerRepository, DocumentStore
from heatportal.services.access import AccessService, Principal

PRICE_SHEET_LINK_SECONDS = 300


@dataclass(frozen=True)
class Contract:
    customer: Customer
    facilities: list[Facility]
    price_list: PriceList
    profile: UtilityProfile


@dataclass(frozen=True)
class DataCard:
    facility: Facility
    meters: list[Meter]


class DocumentService:
    def __init__(
        self,
        profile: UtilityProfile,
        customers: CustomerRepository,
        access: AccessService,
        store: DocumentStore,
        clock: Clock,
        render_pdf: Callable[[PriceSheet, Language], bytes],
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.access = access
        self.store = store
        self.clock = clock
        self.render_pdf = render_pdf

    def contract(self, principal: Principal, customer_number: str) -> Contract:
        self.access.require(principal, customer_number, Role.READ, companies="whole")
        customer = self.customers.get_customer(customer_number)
        if customer is None:
            raise NotFound("No such customer.", code="not_found")
        return Contract(
            customer=customer,
            facilities=self.customers.list_facilities(customer_number),
            price_list=self.profile.price_list_on(self.clock.today()),
            profile=self.profile,
        )

    def data_card(self, principal: Principal, customer_number: str, facility_id: str) -> DataCard:
        grant = self.access.require(principal, customer_number, Role.READ, companies="any")
        grant.require_facility(facility_id)
        facility = next((f for f in self.customers.list_facilities(customer_number) if f.id == facility_id), None)
        if facility is None:
            raise NotFound("No such facility.", code="facility_not_found")
        meters = [m for m in self.customers.list_meters(customer_number) if m.facility_id == facility_id]
        return DataCard(facility=facility, meters=meters)

    def price_sheet(self, principal: Principal, customer_number: str, lang: Language) -> PriceSheet:
        self.access.require(principal, customer_number, Role.READ, companies="any")
        today = self.clock.today()
        return price_sheet(self.profile, self.profile.price_list_on(today), lang, today)

    def price_sheet_link(self, principal: Principal, customer_number: str, lang: Language) -> str:
        """A short-lived link to the price sheet PDF. Drawn on each request (a
        few milliseconds, deterministic bytes), so it always shows the list in force."""
        sheet = self.price_sheet(principal, customer_number, lang)
        price_list = self.profile.price_list_on(self.clock.today())
        key = f"price-sheets/{self.profile.id}/{price_list.id}/{lang}.pdf"
        self.store.put(key, self.render_pdf(sheet, lang), "application/pdf")
        filename = f"{price_list.id}-{lang}.pdf"
        return self.store.presigned_url(key, filename, PRICE_SHEET_LINK_SECONDS)
