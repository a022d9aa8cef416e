"""An in-memory management-company directory (services.access.CompanyDirectory)."""

from __future__ import annotations

from heatportal.domain.companies import CompanyGrant, OrgMember
from heatportal.domain.model import Membership
from tests.unit.fakes import InMemoryMemberships


class InMemoryCompanies:
    def __init__(
        self,
        memberships: InMemoryMemberships,
        members: list[OrgMember] | None = None,
        grants: list[CompanyGrant] | None = None,
        facilities: dict[str, list[str]] | None = None,
    ) -> None:
        self.memberships = memberships
        self.members = list(members or [])
        self.grants = list(grants or [])
        self.facilities = facilities or {}
        self.calls: list[str] = []

    def access_of(self, user_id: str) -> tuple[list[Membership], list[OrgMember]]:
        self.calls.append("access_of")
        return self.memberships.list_memberships(user_id), self.organisations_of(user_id)

    def organisations_of(self, user_id: str) -> list[OrgMember]:
        self.calls.append("organisations_of")
        return [m for m in self.members if m.user_id == user_id]

    def get_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None:
        self.calls.append("get_grant")
        return next(
            (g for g in self.grants if (g.customer_number, g.org_number) == (customer_number, org_number)), None
        )

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]:
        self.calls.append("grants_of_org")
        return [g for g in self.grants if g.org_number == org_number]

    def facility_ids(self, customer_number: str) -> list[str]:
        self.calls.append("facility_ids")
        return self.facilities.get(customer_number, [])
