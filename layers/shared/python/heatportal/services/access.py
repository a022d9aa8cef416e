"""Who may do what for which customer. Checked on every customer-scoped request
from membership records, never from anything the client sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from heatportal.domain.companies import CompanyGrant, OrgMember
from heatportal.domain.errors import Forbidden, Unauthorized
from heatportal.domain.model import Membership, Role
from heatportal.ports import MembershipRepository

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


@dataclass(frozen=True)
class Grant:
    """The outcome of an access check: the membership, staff access, or a
    management company's grant (limited to ``facilities`` when not None)."""

    customer_number: str
    role: Role
    staff: bool = False
    membership: Membership | None = None
    organisation: str | None = None
    facilities: frozenset[str] | None = None

    def sees(self, facility_id: str) -> bool:
        return self.facilities is None or facility_id in self.facilities

    def require_facility(self, facility_id: str) -> None:
        """Raise Forbidden unless the grant covers the facility (a management
        company sees exactly the facilities it was granted)."""
        if not self.sees(facility_id):
            raise Forbidden("You do not have access to this facility.", code="forbidden")


CompanyScope = Literal["no", "any", "whole"]
"""Whether a management company's grant can pass a check: ``no`` (the
customer's own people and staff only: profile, users, payments), ``any`` (a
grant on some facility; the caller then checks or filters by facility with
``Grant.sees``), ``whole`` (a grant that covers every facility of the customer:
invoices and other documents that cover the whole customer)."""


class CompanyDirectory(Protocol):
    """Management companies as access needs them (adapters.dynamo_companies)."""

    def access_of(self, user_id: str) -> tuple[list[Membership], list[OrgMember]]:
        """The user's own memberships and organisation memberships (one query)."""
        ...

    def organisations_of(self, user_id: str) -> list[OrgMember]: ...

    def get_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None: ...

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]: ...

    def facility_ids(self, customer_number: str) -> list[str]: ...


class AccessService:
    def __init__(self, memberships: MembershipRepository, companies: CompanyDirectory | None = None) -> None:
        self.memberships = memberships
        self.companies = companies

    def require(
        self, principal: Principal, customer_number: str, needed: Role, *, companies: CompanyScope = "no"
    ) -> Grant:
        """Raise Forbidden unless the principal holds at least ``needed``.

        An unknown customer and a customer the person may not see get the same
        answer, so the route reveals nothing about which numbers exist. A
        management company's grant counts only where ``companies`` allows it,
        never for administrator rights.
        """
        membership = self.memberships.get_membership(principal.user_id, customer_number)
        if membership is not None and _RANK[membership.role] >= _RANK[needed]:
            return Grant(customer_number, membership.role, membership=membership)
        if principal.is_staff:
            return Grant(customer_number, Role.FULL, staff=True)
        if companies != "no" and self.companies is not None and needed != Role.ADMIN and membership is None:
            grant = self._company_grant(principal, customer_number, needed, companies)
            if grant is not None:
                return grant
        raise Forbidden("You do not have access to this customer.", code="forbidden")

    def _company_grant(
        self, principal: Principal, customer_number: str, needed: Role, scope: CompanyScope
    ) -> Grant | None:
        assert self.companies is not None
        facility_ids: list[str] | None = None
        for org in self.companies.organisations_of(principal.user_id):
            if not org.manages(customer_number):
                continue  # a manager the company's administrator gave other customers
            grant = self.companies.get_grant(customer_number, org.org_number)
            if grant is None or not grant.active or _RANK[grant.role] < _RANK[needed]:
                continue
            if scope == "whole" and grant.facilities is not None:
                if facility_ids is None:
                    facility_ids = self.companies.facility_ids(customer_number)
                if not grant.covers_all(facility_ids):
                    continue
            return Grant(customer_number, grant.role, organisation=org.org_number, facilities=grant.facilities)
        return None

    def customers_of(self, principal: Principal) -> list[Membership]:
        """The customers the person may choose: own memberships first, then
        those a management company of theirs was granted (``via_org`` set)."""
        if self.companies is None:
            return self.memberships.list_memberships(principal.user_id)
        own, orgs = self.companies.access_of(principal.user_id)
        seen = {m.customer_number for m in own}
        via: list[Membership] = []
        for org in orgs:
            for grant in self.companies.grants_of_org(org.org_number):
                if grant.active and grant.customer_number not in seen and org.manages(grant.customer_number):
                    seen.add(grant.customer_number)
                    via.append(
                        Membership(
                            user_id=principal.user_id,
                            customer_number=grant.customer_number,
                            role=grant.role,
                            email=principal.email,
                            via_org=org.org_number,
                        )
                    )
        return [*own, *via]
