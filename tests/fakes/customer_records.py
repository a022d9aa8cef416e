"""The customer's record in one read (``services.access.CustomerRecords``) in
memory, over the other fakes: what one Query on the customer's partition
returns in ``adapters.dynamo_customer_record.DynamoCustomerRecords`` (held to
it by tests/contract/ports). ``reads`` counts the records read."""

from __future__ import annotations

from typing import Protocol

from heatportal.domain.customer_record import AUDIT_SHOWN, CustomerRecord
from heatportal.domain.model import Facility, Membership
from heatportal.services.access import CustomerRecords
from tests.builders import ADDRESS
from tests.fakes.accounts import InMemoryAccountStore
from tests.fakes.alerts import InMemoryAlertStore
from tests.fakes.companies import InMemoryCompanyDirectory
from tests.fakes.contracts import InMemoryContractStore, InMemoryPublishedDocuments
from tests.fakes.customers import InMemoryCustomerRepository
from tests.fakes.invoices import InMemoryInvoiceRepository


class MemberLists(Protocol):
    """A fake that keeps memberships: the membership repository or the account store."""

    def list_members(self, customer_number: str) -> list[Membership]: ...

    def list_memberships(self, user_id: str) -> list[Membership]: ...


class InMemoryCustomerRecords(CustomerRecords):
    def __init__(
        self,
        memberships: MemberLists,
        customers: InMemoryCustomerRepository | None = None,
        *,
        companies: InMemoryCompanyDirectory | None = None,
        invoices: InMemoryInvoiceRepository | None = None,
        contracts: InMemoryContractStore | None = None,
        documents: InMemoryPublishedDocuments | None = None,
        alerts: InMemoryAlertStore | None = None,
        accounts: InMemoryAccountStore | None = None,
    ) -> None:
        self.memberships = memberships
        # The access changes (audit trail) live with the account store: the one given, or the
        # memberships' when that keeps them.
        self.accounts = accounts or (memberships if isinstance(memberships, InMemoryAccountStore) else None)
        self.contracts = contracts
        self.documents = documents
        self.customers = customers or InMemoryCustomerRepository()
        self.companies = companies
        self.invoices = invoices
        self.alerts = alerts
        self.reads = 0

    def customer_record(self, customer_number: str, *, invoices: bool = False, audit: bool = False) -> CustomerRecord:
        self.reads += 1
        accounts = self.accounts
        facilities = self.customers.list_facilities(customer_number)
        if self.companies is not None:
            # Facilities a company test names by id only.
            known = {f.id for f in facilities}
            facilities += [
                Facility(id=f, customer_number=customer_number, name=f, address=ADDRESS)
                for f in self.companies.facilities.get(customer_number, [])
                if f not in known
            ]
        grants = [g for g in self.companies.grants if g.customer_number == customer_number] if self.companies else []
        return CustomerRecord(
            number=customer_number,
            customer=self.customers.get_customer(customer_number),
            facilities=tuple(sorted(facilities, key=lambda f: f.id)),
            meters=tuple(self.customers.list_meters(customer_number)),
            memberships=tuple(self.memberships.list_members(customer_number)),
            grants=tuple(sorted(grants, key=lambda g: g.org_number)),
            invoices=tuple(self.invoices.list_invoices(customer_number)) if invoices and self.invoices else None,
            billed={
                (period, kind): number
                for (c, period, kind), (number, _) in self.invoices.billed.items()
                if c == customer_number
            }
            if invoices and self.invoices
            else None,
            audit=tuple(accounts.changes_of(customer_number)[:AUDIT_SHOWN] if accounts else ()) if audit else None,
            supplies=tuple(self.contracts.supplies_of_customer(customer_number)) if self.contracts else (),
            contract_versions=tuple(
                v for (c, _, _), v in sorted(self.contracts.versions.items()) if c == customer_number
            )
            if self.contracts
            else (),
            documents=tuple(self.documents.customer_documents(customer_number)) if self.documents else (),
            opened={user: frozenset(ids) for (c, user), ids in self.documents.opened.items() if c == customer_number}
            if self.documents
            else {},
            inbox=dict(self.alerts.inboxes.get(customer_number, {})) if self.alerts else {},
            seen={u: dict(c) for u, c in self.alerts.seen.get(customer_number, {}).items()} if self.alerts else {},
        )

    def list_memberships(self, user_id: str) -> list[Membership]:
        return self.memberships.list_memberships(user_id)
