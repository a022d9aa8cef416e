"""What the utility holds on one customer in one place: the profile, its
facilities and meters, the people linked to it and the management companies
granted access (and, when a page asks, its invoices or its audit trail).

Read in one request (the customer's partition) once per request: access is
decided from it, and a page shows it without reading any of it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.companies import CompanyGrant
from heatportal.domain.contracts import ContractVersion, Supply
from heatportal.domain.document_store import PublishedDocument
from heatportal.domain.model import Customer, Facility, Invoice, Membership, Meter

AUDIT_SHOWN = 200  # the newest entries of an audit trail a page shows


@dataclass(frozen=True)
class CustomerRecord:
    number: str
    customer: Customer | None
    facilities: tuple[Facility, ...] = ()
    meters: tuple[Meter, ...] = ()  # by meter number
    memberships: tuple[Membership, ...] = ()
    grants: tuple[CompanyGrant, ...] = ()
    invoices: tuple[Invoice, ...] | None = None  # newest first; None when not read
    # Which invoice billed a period, by (period key, kind key) -> invoice number
    # (the store's markers); read with the invoices, None when not read.
    billed: Mapping[tuple[str, str], int] | None = None
    # Who changed access to the customer (the partition's audit trail), newest
    # first, at most AUDIT_SHOWN; None when not read.
    audit: tuple[AuditEntry, ...] | None = None
    supplies: tuple[Supply, ...] = ()
    contract_versions: tuple[ContractVersion, ...] = ()
    documents: tuple[PublishedDocument, ...] = ()  # published to the customer, newest first
    # The documents each person has opened (by user id).
    opened: dict[str, frozenset[str]] = field(default_factory=dict)
    # Notification counters per facility (``*``: the whole customer), and the
    # counters each person (by user id) has seen: the header's unread count.
    inbox: Mapping[str, int] = field(default_factory=dict)
    seen: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def membership(self, user_id: str) -> Membership | None:
        return next((m for m in self.memberships if m.user_id == user_id), None)

    def grant(self, org_number: str) -> CompanyGrant | None:
        return next((g for g in self.grants if g.org_number == org_number), None)

    def billed_invoice(self, period_key: str, kind_key: str) -> Invoice | None:
        """The invoice that billed the period under the kind key, as read with
        the invoices (call only when they were: ``billed`` is not None)."""
        assert self.billed is not None
        assert self.invoices is not None
        number = self.billed.get((period_key, kind_key))
        return next((i for i in self.invoices if i.number == number), None) if number is not None else None

    def meter(self, meter_number: str) -> Meter | None:
        return next((m for m in self.meters if m.number == meter_number), None)

    @property
    def facility_ids(self) -> list[str]:
        return [f.id for f in self.facilities]
