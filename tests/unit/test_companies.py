"""Management companies: organisation numbers, and what a company's
grant lets its people see (heatportal.domain.companies, services.access)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from heatportal.domain.companies import (
    CompanyGrant,
    OrgMember,
    OrgRole,
    format_org_number,
    normalize_org_number,
    same_org_number,
)
from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.model import Role
from heatportal.services.access import AccessService, Principal
from tests.builders import a_membership
from tests.fakes.companies import InMemoryCompanyDirectory
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryMembershipRepository

CUSTOMER = "100001"
ORG = "923609016"


@pytest.mark.parametrize(
    ("country", "written", "compact"),
    [
        ("NO", "923 609 016", "923609016"),
        ("SE", "556036-0793", "5560360793"),
        ("DE", "DE 136 695 976", "DE136695976"),
        ("DE", "136695976", "DE136695976"),
        ("NL", "3412 1234", "34121234"),
    ],
)
def test_organisation_numbers_are_checked_and_kept_compact(country: str, written: str, compact: str) -> None:
    assert normalize_org_number(written, country) == compact
    assert same_org_number(written, compact, country)


@pytest.mark.parametrize(
    ("country", "text"),
    [
        ("NO", "923609017"),
        ("SE", "556036-0794"),
        ("DE", "DE136695977"),
        ("NL", "1234567"),
        ("NO", ""),
        ("NO", "x" * 30),
    ],
)
def test_a_wrong_organisation_number_is_refused_with_a_code(country: str, text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        normalize_org_number(text, country)
    assert refused.value.code == "org_number_invalid"
    assert refused.value.fields == [{"field": "org_number", "code": "org_number_invalid"}]


def test_written_forms_and_a_missing_record_never_match() -> None:
    assert format_org_number("923609016", "NO") == "923 609 016"
    assert format_org_number("5560360793", "SE") == "556036-0793"
    assert not same_org_number(None, "923609016", "NO")
    assert not same_org_number("garbage", "923609016", "NO")


def grant(org: str = ORG, facilities: frozenset[str] | None = None, status: str = "active", role: Role = Role.FULL):
    return CompanyGrant(
        customer_number=CUSTOMER,
        org_number=org,
        role=role,
        facilities=facilities,
        status=status,  # type: ignore[arg-type]
        granted_by="admin@example.no",
        granted_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def company_person(user_id: str = "forvalter") -> Principal:
    return Principal(user_id=user_id, email=f"{user_id}@example.no")


def access_with(
    *grants: CompanyGrant, member_role: OrgRole = OrgRole.MANAGER
) -> tuple[AccessService, InMemoryCompanyDirectory]:
    memberships = InMemoryMembershipRepository()
    companies = InMemoryCompanyDirectory(
        memberships,
        members=[OrgMember(ORG, "forvalter", "forvalter@example.no", member_role)],
        grants=list(grants),
        facilities={CUSTOMER: ["F1", "F2"]},
    )
    return AccessService(InMemoryCustomerRecords(memberships, companies=companies), companies=companies), companies


def test_a_company_grant_never_counts_where_companies_are_not_allowed() -> None:
    access, _ = access_with(grant())
    with pytest.raises(Forbidden):
        access.require(company_person(), CUSTOMER, Role.READ)  # profile, users, payments
    with pytest.raises(Forbidden):
        access.require(company_person(), CUSTOMER, Role.ADMIN, companies="whole")


def test_a_partial_grant_passes_for_its_facilities_only() -> None:
    access, _ = access_with(grant(facilities=frozenset({"F1"})))
    seen = access.require(company_person(), CUSTOMER, Role.FULL, companies="any")
    assert (seen.organisation, seen.facilities, seen.role) == (ORG, frozenset({"F1"}), Role.FULL)
    assert seen.sees("F1") and not seen.sees("F2")
    seen.require_facility("F1")
    with pytest.raises(Forbidden):
        seen.require_facility("F2")
    with pytest.raises(Forbidden):
        access.require(company_person(), CUSTOMER, Role.READ, companies="whole")  # invoices


def test_a_grant_of_every_facility_covers_the_whole_customer() -> None:
    for facilities in (None, frozenset({"F1", "F2"})):
        access, _ = access_with(grant(facilities=facilities))
        assert access.require(company_person(), CUSTOMER, Role.READ, companies="whole").organisation == ORG


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("pending", Forbidden), ("read-only", Forbidden), ("other-customer", Forbidden)],
)
def test_pending_weaker_or_foreign_grants_give_nothing(kind: str, expected: type[Exception]) -> None:
    given = {
        "pending": grant(status="pending"),
        "read-only": grant(role=Role.READ),
        "other-customer": replace(grant(), customer_number="100002"),
    }[kind]
    access, _ = access_with(given)
    with pytest.raises(expected):
        access.require(company_person(), CUSTOMER, Role.FULL, companies="any")


def test_members_and_staff_never_pay_for_the_company_lookup() -> None:
    memberships = InMemoryMembershipRepository(a_membership("kari", CUSTOMER, Role.READ))
    companies = InMemoryCompanyDirectory(memberships, grants=[grant()])
    access = AccessService(InMemoryCustomerRecords(memberships, companies=companies), companies=companies)
    access.require(Principal("kari", "kari@example.no"), CUSTOMER, Role.READ, companies="any")
    access.require(Principal("staff-1", "s@example.no", frozenset({"staff"})), CUSTOMER, Role.READ, companies="any")
    assert companies.calls == []


def test_the_customers_of_a_company_person_are_marked_with_the_company() -> None:
    memberships = InMemoryMembershipRepository(a_membership("forvalter", "100009", Role.ADMIN))
    companies = InMemoryCompanyDirectory(
        memberships,
        members=[OrgMember(ORG, "forvalter", "forvalter@example.no", OrgRole.ADMIN)],
        grants=[
            grant(),
            replace(grant(status="pending"), customer_number="100003"),
        ],
    )
    mine = AccessService(InMemoryCustomerRecords(memberships, companies=companies), companies=companies).customers_of(
        company_person()
    )
    assert [(m.customer_number, m.role, m.via_org) for m in mine] == [
        ("100009", Role.ADMIN, None),
        (CUSTOMER, Role.FULL, ORG),
    ]
