"""Who may do what for which customer. Checked on every customer-scoped request
from membership records, never from anything the client sends: the edge
resolves the person's ``Scope`` on the customer once per request, services
narrow it without reading again."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from heatportal.domain.companies import CompanyGrant, OrgMember
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.errors import Forbidden, NotFound, Unauthorized
from heatportal.domain.model import Membership, Meter, Role

_RANK = {Role.READ: 1, Role.FULL: 2, Role.ADMIN: 3}


@dataclass(frozen=True)
class Principal:
    """The signed-in person, from verified token claims."""

    user_id: str
    email: str
    groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return "staff" in self.groups

    @classmethod
    def from_claims(cls, claims: dict[str, object] | None) -> Principal:
        if not claims or not claims.get("sub"):
            raise Unauthorized("Please log in.", code="unauthorized")
        raw = claims.get("cognito:groups") or []
        if isinstance(raw, str):
            # API Gateway flattens list claims into "[a b]" or "a,b".
            raw_groups: list[object] = list(raw.strip("[]").replace(",", " ").split())
        elif isinstance(raw, list | tuple | set | frozenset):
            raw_groups = list(raw)
        else:
            raw_groups = []
        return cls(
            user_id=str(claims["sub"]),
            email=str(claims.get("email", "")),
            groups=frozenset(str(g) for g in raw_groups),
        )


CompanyScope = Literal["no", "any", "whole"]
"""Whether a management company's grant can pass a check: ``no`` (the
customer's own people and staff only: profile, users, payments), ``any`` (a
grant on some facility; the caller then checks or filters by facility with
``Scope.sees``), ``whole`` (a grant that covers every facility of the customer:
invoices and other documents that cover the whole customer)."""


@dataclass(frozen=True)
class Scope:
    """One person's authorised access to one customer, decided once per request.

    The edge (``heatportal.web.scope``) resolves it from one read of the
    customer's record (and, for a management company's people, their
    organisations) and hands it to the services. A service narrows it with
    ``require`` and ``require_facility`` (pure checks on what was read, never a
    second read) and takes the customer's profile, facilities and meters from
    ``record``. The fields say how access was granted: the membership, staff
    access, or a management company's grant (limited to ``facilities`` when
    not None).
    """

    principal: Principal
    record: CustomerRecord
    role: Role
    staff: bool = False
    membership: Membership | None = None
    organisation: str | None = None
    facilities: frozenset[str] | None = None
    # The grants of the person's companies on this customer, in the order of
    # their organisations; read only when the person is no member and no staff.
    company_grants: tuple[CompanyGrant, ...] = ()

    @property
    def customer_number(self) -> str:
        return self.record.number

    def require(self, needed: Role, *, companies: CompanyScope = "no") -> Scope:
        """This scope narrowed to what a use case needs; Forbidden unless the
        person holds at least ``needed``.

        An unknown customer and a customer the person may not see get the same
        answer, so the route reveals nothing about which numbers exist. A
        management company's grant counts only where ``companies`` allows it,
        never for administrator rights.
        """
        membership = self.record.membership(self.principal.user_id)
        if membership is not None and _RANK[membership.role] >= _RANK[needed]:
            return replace(
                self, role=membership.role, staff=False, membership=membership, organisation=None, facilities=None
            )
        if self.principal.is_staff:
            return replace(self, role=Role.FULL, staff=True, membership=None, organisation=None, facilities=None)
        if companies != "no" and needed != Role.ADMIN and membership is None:
            for grant in self.company_grants:
                if not grant.active or _RANK[grant.role] < _RANK[needed]:
                    continue
                if companies == "whole" and not grant.covers_all(self.record.facility_ids):
                    continue
                return replace(
                    self,
                    role=grant.role,
                    staff=False,
                    membership=None,
                    organisation=grant.org_number,
                    facilities=grant.facilities,
                )
        raise Forbidden("You do not have access to this customer.", code="forbidden")

    def sees(self, facility_id: str) -> bool:
        return self.facilities is None or facility_id in self.facilities

    def require_facility(self, facility_id: str) -> None:
        """Raise Forbidden unless the scope covers the facility (a management
        company sees exactly the facilities it was granted)."""
        if not self.sees(facility_id):
            raise Forbidden("You do not have access to this facility.", code="forbidden")

    def meter(self, meter_number: str) -> Meter:
        """One of the customer's meters (from the record: no read); NotFound
        for a number the customer has no meter by."""
        meter = self.record.meter(meter_number)
        if meter is None:
            raise NotFound("This meter does not exist for the customer.", code="meter_not_found")
        return meter

    def visible_meters(self) -> list[Meter]:
        """The customer's meters on facilities this scope covers."""
        return [m for m in self.record.meters if self.sees(m.facility_id)]


class CustomerRecords(Protocol):
    """The customer's record in one read (adapters.dynamo_customer_record)."""

    def customer_record(self, customer_number: str, *, invoices: bool = False, audit: bool = False) -> CustomerRecord:
        """Profile, facilities, meters, memberships and company grants of the
        customer (its invoices or its audit trail too when asked), in one request."""
        ...

    def list_memberships(self, user_id: str) -> list[Membership]: ...


@dataclass(frozen=True)
class PersonLinks:
    """What one read of a person's index partition holds: their own
    memberships, the organisations they belong to and when they last signed
    out everywhere (epoch ms; ``None`` when never, or when the directory does
    not keep sign-outs)."""

    memberships: list[Membership]
    organisations: list[OrgMember]
    signed_out_at_ms: int | None = None


class CompanyDirectory(Protocol):
    """Management companies as access needs them (adapters.dynamo_companies)."""

    def access_of(self, user_id: str) -> PersonLinks:
        """The user's own memberships, organisation memberships and last
        sign-out everywhere (one query)."""
        ...

    def organisations_of(self, user_id: str) -> list[OrgMember]: ...

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]: ...


class AccessService:
    def __init__(self, records: CustomerRecords, companies: CompanyDirectory | None = None) -> None:
        self.records = records
        self.companies = companies

    def scope(
        self,
        principal: Principal,
        customer_number: str,
        *,
        invoices: bool = False,
        audit: bool = False,
        organisations: list[OrgMember] | None = None,
    ) -> Scope:
        """The person's scope on the customer: one read of the customer's record
        (with its invoices or audit trail when asked), plus the person's organisations when the
        person is no member and no staff (unless the caller has them already).
        Forbidden unless the person may see something of the customer."""
        record = self.records.customer_record(customer_number, invoices=invoices, audit=audit)
        grants: tuple[CompanyGrant, ...] = ()
        if record.membership(principal.user_id) is None and not principal.is_staff and self.companies is not None:
            if organisations is None:
                organisations = self.companies.organisations_of(principal.user_id)
            grants = tuple(
                grant
                for org in organisations
                if org.manages(customer_number)  # a manager the company's administrator gave other customers
                and (grant := record.grant(org.org_number)) is not None
            )
        facts = Scope(principal, record, Role.READ, company_grants=grants)
        return facts.require(Role.READ, companies="any")

    def require(
        self, principal: Principal, customer_number: str, needed: Role, *, companies: CompanyScope = "no"
    ) -> Scope:
        """One check on its own (the scope and its narrowing in one call)."""
        return self.scope(principal, customer_number).require(needed, companies=companies)

    def customers_of(self, principal: Principal) -> list[Membership]:
        """The customers the person may choose: own memberships first, then
        those a management company of theirs was granted (``via_org`` set)."""
        return self.links_of(principal).customers

    def person(self, principal: Principal) -> PersonLinks:
        """The person's own links and last sign-out everywhere: one read."""
        if self.companies is None:
            return PersonLinks(self.records.list_memberships(principal.user_id), [])
        return self.companies.access_of(principal.user_id)

    def links_of(self, principal: Principal, person: PersonLinks | None = None) -> Links:
        """The customers the person may choose and the organisations the person
        belongs to: one read (none when ``person`` was read already), plus one
        per organisation."""
        if person is None:
            person = self.person(principal)
        own, orgs = person.memberships, person.organisations
        if self.companies is None:
            return Links(own, orgs)
        seen = {m.customer_number for m in own}
        via: list[Membership] = []
        used: list[CompanyGrant] = []
        for org in orgs:
            for grant in self.companies.grants_of_org(org.org_number):
                if grant.active and grant.customer_number not in seen and org.manages(grant.customer_number):
                    seen.add(grant.customer_number)
                    used.append(grant)
                    via.append(
                        Membership(
                            user_id=principal.user_id,
                            customer_number=grant.customer_number,
                            role=grant.role,
                            email=principal.email,
                            via_org=org.org_number,
                        )
                    )
        return Links([*own, *via], orgs, tuple(used))


@dataclass(frozen=True)
class Links:
    """A person's links to customers: their own memberships first, then those
    through a management company (``via_org`` set), and the organisations they
    belong to (which ``AccessService.scope`` takes, so it need not read them again),
    and the company grants behind the ``via_org`` links (which facilities each
    covers: the portfolio lists exactly those)."""

    customers: list[Membership]
    organisations: list[OrgMember]
    grants: tuple[CompanyGrant, ...] = ()

    def grant(self, customer_number: str) -> CompanyGrant | None:
        """The grant behind a ``via_org`` link to the customer."""
        return next((g for g in self.grants if g.customer_number == customer_number), None)
