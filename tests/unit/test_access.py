"""Who may do what for which customer (heatportal.services.access)."""

from __future__ import annotations

import pytest

from heatportal.domain.errors import Forbidden, Unauthorized
from heatportal.domain.model import Role
from heatportal.services.access import AccessService, Principal
from tests.builders import a_membership
from tests.fakes.customers import InMemoryMembershipRepository

CUSTOMER = "100001"
OTHER_CUSTOMER = "100002"
RANK = {Role.READ: 1, Role.FULL: 2, Role.ADMIN: 3}


def person(user_id: str = "user-1", *groups: str) -> Principal:
    return Principal(user_id=user_id, email=f"{user_id}@example.no", groups=frozenset(groups))


@pytest.mark.parametrize("held", list(Role))
@pytest.mark.parametrize("needed", list(Role))
def test_a_member_may_do_what_the_role_allows_and_nothing_more(held: Role, needed: Role) -> None:
    # Given a person who holds `held` for the customer
    membership = a_membership("user-1", CUSTOMER, held)
    access = AccessService(InMemoryMembershipRepository(membership))
    # When something needing `needed` is asked
    if RANK[held] >= RANK[needed]:
        grant = access.require(person(), CUSTOMER, needed)
        # Then it is granted through the membership
        assert (grant.customer_number, grant.role, grant.staff) == (CUSTOMER, held, False)
        assert grant.membership == membership
    else:
        # Then it is forbidden
        with pytest.raises(Forbidden) as refused:
            access.require(person(), CUSTOMER, needed)
        assert refused.value.code == "forbidden"


@pytest.mark.parametrize("needed", [Role.READ, Role.FULL])
def test_customer_service_staff_may_act_for_any_customer(needed: Role) -> None:
    access = AccessService(InMemoryMembershipRepository())
    grant = access.require(person("agent-7", "staff"), CUSTOMER, needed)
    assert grant.staff
    assert grant.role == Role.FULL
    assert grant.membership is None


def test_staff_who_are_also_members_act_as_members() -> None:
    access = AccessService(InMemoryMembershipRepository(a_membership("agent-7", CUSTOMER, Role.ADMIN)))
    grant = access.require(person("agent-7", "staff"), CUSTOMER, Role.FULL)
    assert not grant.staff
    assert grant.role == Role.ADMIN


def test_a_read_only_member_who_is_staff_gets_staff_access_for_changes() -> None:
    access = AccessService(InMemoryMembershipRepository(a_membership("agent-7", CUSTOMER, Role.READ)))
    grant = access.require(person("agent-7", "staff"), CUSTOMER, Role.FULL)
    assert grant.staff


def test_other_groups_are_not_staff() -> None:
    access = AccessService(InMemoryMembershipRepository())
    with pytest.raises(Forbidden):
        access.require(person("user-1", "property_managers", "Staff"), CUSTOMER, Role.READ)


def test_unknown_customer_and_someone_elses_customer_look_the_same() -> None:
    # Given a person who is member of one customer only
    access = AccessService(InMemoryMembershipRepository(a_membership("user-1", CUSTOMER, Role.ADMIN)))
    # When they ask for another existing customer, and for a number nobody has
    with pytest.raises(Forbidden) as not_mine:
        access.require(person(), OTHER_CUSTOMER, Role.READ)
    with pytest.raises(Forbidden) as unknown:
        access.require(person(), "999999", Role.READ)
    # Then both answers are identical: nothing tells which numbers exist
    assert not_mine.value.code == unknown.value.code == "forbidden"
    assert not_mine.value.message == unknown.value.message
    assert not_mine.value.params == unknown.value.params == {}


def test_a_membership_of_another_person_gives_no_access() -> None:
    access = AccessService(InMemoryMembershipRepository(a_membership("user-2", CUSTOMER, Role.ADMIN)))
    with pytest.raises(Forbidden):
        access.require(person("user-1"), CUSTOMER, Role.READ)


def test_customers_of_lists_only_the_persons_memberships() -> None:
    memberships = InMemoryMembershipRepository(
        a_membership("user-1", CUSTOMER, Role.ADMIN),
        a_membership("user-1", OTHER_CUSTOMER, Role.READ),
        a_membership("user-2", "100003", Role.FULL),
    )
    mine = AccessService(memberships).customers_of(person("user-1"))
    assert [(m.customer_number, m.role) for m in mine] == [(CUSTOMER, Role.ADMIN), (OTHER_CUSTOMER, Role.READ)]


# --- the principal from verified token claims ---------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (["staff", "admins"], {"staff", "admins"}),
        ("[staff admins]", {"staff", "admins"}),  # API Gateway flattens a list claim like this
        ("staff,admins", {"staff", "admins"}),
        ("[staff]", {"staff"}),
        ("[]", set()),
        (None, set()),
    ],
)
def test_principal_reads_cognito_groups_in_every_shape(groups: object, expected: set[str]) -> None:
    claims: dict[str, object] = {"sub": "abc-123", "email": "kari@example.no"}
    if groups is not None:
        claims["cognito:groups"] = groups
    principal = Principal.from_claims(claims)
    assert principal.user_id == "abc-123"
    assert principal.email == "kari@example.no"
    assert principal.groups == frozenset(expected)
    assert principal.is_staff == ("staff" in expected)


def test_principal_without_email_has_an_empty_email() -> None:
    assert Principal.from_claims({"sub": "abc-123"}).email == ""


@pytest.mark.parametrize("claims", [None, {}, {"email": "kari@example.no"}, {"sub": ""}, {"sub": None}])
def test_no_subject_means_not_logged_in(claims: dict[str, object] | None) -> None:
    with pytest.raises(Unauthorized) as refused:
        Principal.from_claims(claims)
    assert refused.value.code == "unauthorized"
