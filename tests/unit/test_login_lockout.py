"""The sign-in lock counts per person: a customer number (where the profile
signs in with it) and the e-mails of its administrators share their failures,
in both directions, and a success clears only the names of the person who
signed in. Names that are neither an e-mail nor a customer number (Cognito's
internal user name) never reach Cognito."""

from __future__ import annotations

import pytest

from heatportal.domain.errors import RateLimited, Unauthorized
from heatportal.domain.model import Membership, Role
from tests.unit.test_accounts import PASSWORD, build, customer


def _admin(s, number: str, email: str, password: str = PASSWORD) -> None:
    sub = s.identity.add_user(email, password)
    s.store.add(Membership(user_id=sub, customer_number=number, role=Role.ADMIN, email=email))


def _fail(s, name: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Unauthorized):
            s.credentials.login(name, "wrong-guess-1", "ip", s.identity.authenticate)


def test_failures_by_customer_number_lock_the_administrators_email_and_back():
    s = build("de")
    customer(s, "0012345/1")
    _admin(s, "0012345/1", "owner@example.de")
    _fail(s, "0012345/1", 5)
    _fail(s, "Owner@Example.de", 5)
    for name in ("owner@example.de", "0012345/1"):
        with pytest.raises(RateLimited):
            s.credentials.login(name, PASSWORD, "ip", s.identity.authenticate)


def test_a_success_clears_only_the_lock_of_whoever_signed_in():
    s = build("de")
    customer(s, "0012345/1")
    _admin(s, "0012345/1", "a@example.de")
    _admin(s, "0012345/1", "b@example.de", "b-password-1")
    _fail(s, "b@example.de", 9)
    # A signs in with the customer number: B's nine failures stay.
    assert s.credentials.login("0012345/1", PASSWORD, "ip", s.identity.authenticate) == "tokens-for-a@example.de"
    _fail(s, "b@example.de", 1)
    with pytest.raises(RateLimited):
        s.credentials.login("b@example.de", "b-password-1", "ip", s.identity.authenticate)


def test_an_internal_user_name_never_reaches_cognito():
    s = build()
    customer(s)
    _admin(s, "100200", "kari@example.com")
    sub = s.identity.users["kari@example.com"]["sub"]
    asked: list[str] = []

    def authenticate(username: str, password: str) -> str:
        asked.append(username)
        return s.identity.authenticate(username, password)

    with pytest.raises(Unauthorized):
        s.credentials.login(sub, PASSWORD, "ip", authenticate)
    assert all(name.endswith("@invalid") for name in asked)
