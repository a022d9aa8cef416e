"""Management companies as access needs them (``services.access.CompanyDirectory``)
in memory, in the order of ``adapters.dynamo_companies.DynamoCompanyStore``
(held to it by tests/contract/ports). Records the calls made, so a test can
count the reads a request costs."""

from __future__ import annotations

from heatportal.domain.companies import CompanyGrant, OrgMember
from heatportal.services.access import CompanyDirectory, PersonLinks
from tests.fakes.customers import InMemoryMembershipRepository


class InMemoryCompanyDirectory(CompanyDirectory):
    def __init__(
        self,
        memberships: InMemoryMembershipRepository,
        members: list[OrgMember] | None = None,
        grants: list[CompanyGrant] | None = None,
        facilities: dict[str, list[str]] | None = None,
    ) -> None:
        self.memberships = memberships
        self.members = list(members or [])
        self.grants = list(grants or [])
        self.facilities = facilities or {}
        self.calls: list[str] = []

    def access_of(self, user_id: str) -> PersonLinks:
        self.calls.append("access_of")
        return PersonLinks(self.memberships.list_memberships(user_id), self.organisations_of(user_id))

    def organisations_of(self, user_id: str) -> list[OrgMember]:
        self.calls.append("organisations_of")
        return sorted((m for m in self.members if m.user_id == user_id), key=lambda m: m.org_number)

    def get_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None:
        self.calls.append("get_grant")
        return next(
            (g for g in self.grants if (g.customer_number, g.org_number) == (customer_number, org_number)), None
        )

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]:
        self.calls.append("grants_of_org")
        return sorted((g for g in self.grants if g.org_number == org_number), key=lambda g: g.customer_number)
