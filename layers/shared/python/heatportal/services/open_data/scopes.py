"""What a credential may read of one customer, decided once per request.

A personal token reads with its person's access as the portal decides it at
that moment (``AccessService.scope`` and ``Scope.require``: own membership,
or a management company's grant on some facilities), narrowed to the
token's customers, facilities and kinds. A provider share reads the
facilities the customer's administrator chose, as long as the customer has
them, and each of its reads is written to the customer's audit trail.
Invoices cover the whole customer: only a credential that covers every
facility reads them (as for a management company in the portal).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.errors import Forbidden
from heatportal.domain.model import Meter, Role
from heatportal.domain.open_data import DataCredential, DataKind, PersonalToken, covers_all, narrowed
from heatportal.ports import Clock
from heatportal.services.access import AccessService, CustomerRecords, Principal, Scope
from heatportal.services.open_data.common import OpenDataStore


@dataclass(frozen=True)
class DataScope:
    """A credential's authorised access to one customer. ``scope`` is already
    narrowed to the credential's facilities: read it (``sees``,
    ``visible_meters``, ``record``), never ``require`` it again."""

    credential: DataCredential
    scope: Scope
    whole: bool  # covers every facility of the customer

    @property
    def customer_number(self) -> str:
        return self.scope.customer_number

    @property
    def record(self) -> CustomerRecord:
        return self.scope.record

    def meter(self, meter_number: str) -> Meter:
        """One of the customer's meters this credential covers: NotFound for a
        number the customer has no meter by, Forbidden for a meter on a facility
        the credential does not cover (as the portal answers)."""
        meter = self.scope.meter(meter_number)
        self.scope.require_facility(meter.facility_id)
        return meter

    def visible_meters(self) -> list[Meter]:
        return self.scope.visible_meters()


def _kind_refused(kind: DataKind) -> Forbidden:
    return Forbidden("This token may not read this kind of data.", code="token_kind", params={"kind": kind})


class DataScopes:
    def __init__(self, access: AccessService, records: CustomerRecords, store: OpenDataStore, clock: Clock) -> None:
        self.access = access
        self.records = records
        self.store = store
        self.clock = clock

    def scope(self, credential: DataCredential, customer_number: str, kind: DataKind | None, what: str) -> DataScope:
        """The credential's scope on the customer for reading ``kind`` (None:
        the meter list, which every credential reads); ``what`` names the read
        in the audit trail of a provider share. Forbidden when the credential
        does not cover the customer, the kind, or (invoices) every facility."""
        grant = credential.grant(customer_number)
        if grant is None:
            raise Forbidden("This token does not cover this customer.", code="token_customer")
        if kind is not None and kind not in credential.kinds:
            raise _kind_refused(kind)
        invoices = kind == "invoices"
        if isinstance(credential, PersonalToken):
            person = Principal(user_id=credential.user_id, email=credential.email)
            access = self.access.scope(person, customer_number, invoices=invoices)
            base = access.require(Role.READ, companies="whole" if invoices else "any")
            facilities = narrowed(base.facilities, grant.facilities)
        else:
            record = self.records.customer_record(customer_number, invoices=invoices)
            if record.customer is None:
                raise Forbidden("This token does not cover this customer.", code="token_customer")
            provider = Principal(user_id=f"share:{credential.id}", email=credential.provider_email)
            base = Scope(provider, record, Role.READ)
            facilities = narrowed(None, grant.facilities) or frozenset()
            self.store.record_access(
                AuditEntry(
                    customer_number,
                    self.clock.now(),
                    f"{credential.provider_name} <{credential.provider_email}>",
                    "share_used",
                    what,
                )
            )
        whole = covers_all(facilities, frozenset(base.record.facility_ids))
        if invoices and not whole:
            raise Forbidden("Invoices cover every facility; this token covers some.", code="token_whole_customer")
        return DataScope(credential, replace(base, facilities=facilities), whole)

    def customers(self, credential: DataCredential) -> list[DataScope]:
        """Every customer the credential covers and may still read (a person who
        lost access to one loses it for their token too)."""
        scopes = []
        for grant in credential.grants:
            try:
                scopes.append(self.scope(credential, grant.customer_number, None, "customers"))
            except Forbidden:
                continue
        return scopes
