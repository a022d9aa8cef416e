"""Linked customer numbers with in-memory fakes: the registration proof of the
profile (or an administrator's password for a registered number) links; a
meter number proves nothing; wrong proofs lock the number on registration's
counter; the customer is told; a link on proof alone leaves the number open
for its real owner's registration."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from heatportal.domain.errors import Conflict, RateLimited, Unauthorized
from heatportal.domain.model import Membership, Role
from heatportal.services.access import Principal
from heatportal.services.accounts.links import LinkService
from heatportal.services.ratelimit import RateLimiter
from tests.fakes.ratelimit import InMemoryRateLimitStore
from tests.unit.test_accounts import PASSWORD, PIN, Setup, build, customer, register


@dataclass
class Links:
    setup: Setup
    service: LinkService
    told: list[tuple[str, str]]


def links(profile_id: str = "no") -> Links:
    s = build(profile_id)
    return Links(s, s.links, s.link_notices)


def person(s: Setup, email: str, number: str | None = None) -> Principal:
    sub = s.identity.add_user(email, PASSWORD)
    if number is not None:
        s.store.add(Membership(user_id=sub, customer_number=number, role=Role.ADMIN, email=email))
    return Principal(user_id=sub, email=email)


def test_the_pin_letter_links_and_the_customer_is_told():
    world = links()
    customer(world.setup, "100300")
    me = person(world.setup, "me@example.com")
    with pytest.raises(Unauthorized) as wrong:
        world.service.link_customer(me, "100300", "000000", None, "ip")
    assert wrong.value.code == "link_failed"
    linked = world.service.link_customer(me, "100300", PIN, None, "ip")
    assert (linked.role, linked.linked_by_proof) == (Role.ADMIN, True)
    assert world.service.link_customer(me, "100300", PIN, None, "ip") == linked  # a retry
    assert world.told == [("100300", "me@example.com")]
    assert [a.action for a in world.setup.store.audit] == ["linked"]


def test_a_meter_number_or_nothing_proves_nothing():
    world = links()
    customer(world.setup, "100300")
    me = person(world.setup, "me@example.com")
    for proof in ("", "   "):
        with pytest.raises(Unauthorized):
            world.service.link_customer(me, "100300", proof, None, "ip")
    assert world.setup.store.list_members("100300") == []
    assert world.told == []


def test_postcode_and_name_profiles_link_on_their_own_proof():
    nl = links("nl")
    customer(nl.setup, "12345678901", postcode="1234 AB")
    me = person(nl.setup, "ik@example.nl")
    assert nl.service.link_customer(me, "12345678901", "1234AB", None, "ip").linked_by_proof
    de = links("de")
    customer(de.setup, "0012345/1", name="Jürgen Müller")
    ich = person(de.setup, "ich@example.de")
    with pytest.raises(Unauthorized):
        de.service.link_customer(ich, "0012345/1", "Hans Meier", None, "ip")
    assert de.service.link_customer(ich, "0012345/1", "jurgen  muller", None, "ip").role == Role.ADMIN


def test_wrong_proofs_share_registrations_lock():
    world = links()
    customer(world.setup, "100300")
    me = person(world.setup, "me@example.com")
    for _ in range(3):
        with pytest.raises(Unauthorized):
            register(world.setup, "100300", pin="000000")
    for _ in range(3):
        with pytest.raises(Unauthorized):
            world.service.link_customer(me, "100300", "000001", None, "ip")
    with pytest.raises(RateLimited):
        world.service.link_customer(me, "100300", PIN, None, "ip")


def test_the_real_owner_still_registers_after_a_link_on_proof_alone():
    world = links()
    customer(world.setup, "100300")
    stranger = person(world.setup, "stranger@example.com")
    world.service.link_customer(stranger, "100300", PIN, None, "ip")
    s = world.setup
    pending = register(s, "100300", email="owner@example.com")
    owner = s.registration.complete_registration(pending, s.code("owner@example.com"), PASSWORD, PASSWORD)
    assert owner.role == Role.ADMIN and not owner.linked_by_proof
    s.users.remove_user(s.scope(Principal(user_id=owner.user_id, email=owner.email), "100300"), stranger.user_id)
    assert [m.email for m in s.store.list_members("100300")] == ["owner@example.com"]
    # Registered now: neither a registration nor a link on the PIN letter alone.
    with pytest.raises(Unauthorized):
        register(s, "100300", email="third@example.com")
    with pytest.raises(Unauthorized):
        world.service.link_customer(person(s, "third@example.com"), "100300", PIN, None, "ip")


def test_a_registered_number_links_with_an_administrators_password_only():
    world = links()
    customer(world.setup, "100200")
    customer(world.setup, "100300")
    me = person(world.setup, "me@example.com", "100200")
    person(world.setup, "them@example.com", "100300")
    for proof, password in ((PIN, None), (PIN, "guess-123"), ("", "guess-123")):
        with pytest.raises(Unauthorized):
            world.service.link_customer(me, "100300", proof, password, "ip")
    linked = world.service.link_customer(me, "100300", "", PASSWORD, "ip")
    assert (linked.role, linked.linked_by_proof) == (Role.ADMIN, False)
    assert world.told == [("100300", "me@example.com")]


def test_guessing_an_administrators_password_here_counts_on_that_administrators_lock():
    world = links()
    customer(world.setup, "100300")
    them = person(world.setup, "them@example.com", "100300")
    fresh = RateLimiter(InMemoryRateLimitStore())  # a fresh counter for the sign-ins below
    world.setup.credentials.limiter = fresh
    world.service.limiter = fresh
    for i in range(5):
        me = person(world.setup, f"guesser-{i}@example.com")
        with pytest.raises(Unauthorized):
            world.service.link_customer(me, "100300", "", f"guess-{i}-1", f"ip-{i}")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            world.setup.credentials.login(them.email, "wrong-1", "ip", world.setup.identity.authenticate)
    with pytest.raises(RateLimited):
        world.setup.credentials.login(them.email, PASSWORD, "ip", world.setup.identity.authenticate)


def test_unlinking_keeps_an_administrator_for_the_others():
    world = links("de")
    customer(world.setup, "0012345/1")
    customer(world.setup, "0054321/1")
    owner = person(world.setup, "owner@example.de", "0012345/1")
    linked = world.service.link_customer(owner, "0054321/1", "Kari Nordmann", None, "ip")
    assert linked.role == Role.ADMIN
    auth = world.setup.identity.authenticate
    assert world.setup.credentials.login("0054321/1", PASSWORD, "ip", auth) == "tokens-for-owner@example.de"
    world.setup.identity.add_user("partner@example.de", "partner-pw-1")
    world.setup.store.add(
        Membership(user_id="p1", customer_number="0054321/1", role=Role.READ, email="partner@example.de")
    )
    with pytest.raises(Conflict) as last:
        world.service.unlink_customer(
            world.setup.scope(owner, "0054321/1")
        )  # would leave the partner without an administrator
    assert last.value.code == "last_admin"
    world.setup.users.change_role(world.setup.scope(owner, "0054321/1"), "p1", Role.ADMIN)
    world.service.unlink_customer(world.setup.scope(owner, "0054321/1"))
    assert [m.email for m in world.setup.store.list_members("0054321/1")] == ["partner@example.de"]
    assert [a.action for a in world.setup.store.audit][-1] == "unlinked"
