"""The core fakes wired together, as the composition root wires the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field

from heatportal.services.access import AccessService, Principal, Scope
from tests.fakes.clock import FixedClock
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.delivery import InMemoryDeliveryQueue, InMemoryDeliveryStore
from tests.fakes.documents import InMemoryDocumentStore
from tests.fakes.invoices import (
    InMemoryBillingRunRepository,
    InMemoryCorrectionStore,
    InMemoryHoldStore,
    InMemoryInvoiceRepository,
    InMemoryRunManifests,
)
from tests.fakes.messaging import InMemoryMailer
from tests.fakes.readings import InMemoryReadingRepository
from tests.fakes.spot_prices import InMemorySpotPriceStore


@dataclass
class World:
    clock: FixedClock
    customers: InMemoryCustomerRepository = field(default_factory=InMemoryCustomerRepository)
    memberships: InMemoryMembershipRepository = field(default_factory=InMemoryMembershipRepository)
    readings: InMemoryReadingRepository = field(default_factory=InMemoryReadingRepository)
    invoices: InMemoryInvoiceRepository = field(default_factory=InMemoryInvoiceRepository)
    spot_prices: InMemorySpotPriceStore = field(default_factory=InMemorySpotPriceStore)
    runs: InMemoryBillingRunRepository = field(default_factory=InMemoryBillingRunRepository)
    documents: InMemoryDocumentStore = field(default_factory=InMemoryDocumentStore)
    mailer: InMemoryMailer = field(default_factory=InMemoryMailer)
    deliveries: InMemoryDeliveryStore = field(default_factory=InMemoryDeliveryStore)
    queue: InMemoryDeliveryQueue = field(default_factory=InMemoryDeliveryQueue)
    manifests: InMemoryRunManifests = field(default_factory=InMemoryRunManifests)
    holds: InMemoryHoldStore = field(default_factory=InMemoryHoldStore)
    corrections: InMemoryCorrectionStore = field(init=False)

    def __post_init__(self) -> None:
        self.corrections = InMemoryCorrectionStore(self.invoices)

    def scope(self, who: Principal, customer_number: str) -> Scope:
        """The person's scope on the customer, as the edge resolves it."""
        records = InMemoryCustomerRecords(self.memberships, self.customers, invoices=self.invoices)
        return AccessService(records).scope(who, customer_number)
