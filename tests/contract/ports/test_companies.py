"""CompanyDirectory (what access needs of management companies): the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, datetime

from heatportal.domain.companies import CompanyGrant, OrgMember, OrgRole
from heatportal.domain.model import Role
from heatportal.services.access import PersonLinks
from tests.builders import a_membership
from tests.contract.ports.conftest import Ports

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def grant(customer: str, org: str, facilities: frozenset[str] | None = None) -> CompanyGrant:
    return CompanyGrant(customer, org, Role.FULL, facilities, "active", "kari@example.no", AT, "post@forvalter.no")


def test_a_person_has_its_memberships_and_its_organisations_from_one_read(ports: Ports) -> None:
    ports.given.membership(a_membership("per", "100002", Role.READ))
    ports.given.membership(a_membership("per", "100001", Role.ADMIN))
    ports.given.org_member(OrgMember("923609016", "per", "per@example.no", OrgRole.MANAGER, frozenset({"100003"})))
    ports.given.org_member(OrgMember("812345672", "per", "per@example.no", OrgRole.ADMIN))
    ports.given.org_member(OrgMember("923609016", "eva", "eva@example.no", OrgRole.ADMIN))

    links = ports.companies.access_of("per")
    own, orgs = links.memberships, links.organisations
    assert [(m.customer_number, m.role) for m in own] == [("100001", Role.ADMIN), ("100002", Role.READ)]
    assert [(o.org_number, o.role, o.customers) for o in orgs] == [
        ("812345672", OrgRole.ADMIN, None),
        ("923609016", OrgRole.MANAGER, frozenset({"100003"})),
    ]
    assert ports.companies.organisations_of("per") == orgs
    assert ports.companies.access_of("nobody") == PersonLinks([], [])


def test_grants_are_listed_per_company(ports: Ports) -> None:
    ports.given.grant(grant("100002", "923609016", frozenset({"F-2"})))
    ports.given.grant(grant("100001", "923609016"))
    ports.given.grant(grant("100001", "812345672"))

    assert [g.customer_number for g in ports.companies.grants_of_org("923609016")] == ["100001", "100002"]
    assert ports.companies.grants_of_org("999999999") == []
