"""The portal's CSRF token is bound to the session: a token from one
session (or one read before signing in) does not work in another, even when
an attacker has planted the same ``hp_csrf`` cookie (cookie tossing from a
sibling host defeats a plain double-submit token)."""

from __future__ import annotations

from werkzeug.test import Client

from tests.integration.conftest import PASSWORD
from tests.integration.test_auth_portal import csrf_of


def cookie(client: Client, name: str) -> str:
    found = client.get_cookie(name, domain="localhost")
    assert found is not None, name
    return found.value


def signed_in(stack, email: str) -> Client:
    browser = Client(stack.http_server.app)
    page = browser.get("/login").get_data(as_text=True)
    resp = browser.post("/login", data={"csrf": csrf_of(page), "username": email, "password": PASSWORD, "next": "/"})
    assert resp.status_code == 303
    return browser


def test_a_token_from_another_session_is_refused_even_with_the_same_cookie(stack, seed):
    attacker, victim = seed(), seed()
    mine = signed_in(stack, attacker.email)
    token = csrf_of(mine.get("/account/profile").get_data(as_text=True))
    theirs = signed_in(stack, victim.email)
    theirs.set_cookie("hp_csrf", cookie(mine, "hp_csrf"), domain="localhost")  # planted by the attacker
    forged = theirs.post("/account/profile/contact", data={"csrf": token, "email": "", "phone": "+4740000009"})
    assert forged.status_code == 403
    assert "+4740000009" not in theirs.get("/account/profile").get_data(as_text=True)


def test_the_token_of_the_session_works_and_changes_with_the_session(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    before = csrf_of(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"csrf": before, "username": seeded.email, "password": PASSWORD, "next": "/"})
    after = csrf_of(browser.get("/account/profile").get_data(as_text=True))
    assert after != before  # signing in binds a new token
    stale = browser.post("/account/profile/contact", data={"csrf": before, "email": "", "phone": "+4740000008"})
    assert stale.status_code == 403
    ok = browser.post("/account/profile/contact", data={"csrf": after, "email": "", "phone": "+4740000008"})
    assert ok.status_code == 303
