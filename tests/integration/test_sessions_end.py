"""Sessions end everywhere: after signing out (API or portal), a password
reset or an e-mail change, every ID token and access token issued before is
refused by the API and by the portal, and the refresh tokens are dead. The
login lockout counts per person, whatever name the person signs in with."""

from __future__ import annotations

import base64
import json
from typing import Any

from werkzeug.test import Client

from tests.integration.conftest import PASSWORD, body
from tests.integration.test_auth_accounts import NEW_PASSWORD, code_in, login, mails_to
from tests.integration.test_auth_portal import csrf_of


def tokens_of(http: Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    resp = login(http, email, password)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return body(resp)


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['id_token']}"}


def sub_of(id_token: str) -> str:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def assert_dead(http: Client, tokens: dict[str, Any], password: str = PASSWORD) -> None:
    """The ID token, the access token and the refresh token of a session all refused."""
    me = http.get("/api/me", headers=bearer(tokens))
    assert (me.status_code, body(me)["code"]) in {(401, "session_expired"), (401, "unauthorized")}, me.text
    change = http.post(
        "/api/auth/password/change",
        json={"old_password": password, "password": "another-pass-9", "password_confirm": "another-pass-9"},
        headers={**bearer(tokens), "X-Access-Token": tokens["access_token"]},
    )
    assert change.status_code == 401, change.text
    refreshed = http.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401, refreshed.text


def portal(http: Client, tokens: dict[str, Any]) -> Client:
    """A browser holding this session's cookies."""
    browser = Client(http.application)
    for name, key in (("hp_id", "id_token"), ("hp_access", "access_token"), ("hp_refresh", "refresh_token")):
        browser.set_cookie(name, tokens[key], domain="localhost")
    return browser


def test_the_apis_own_logout_ends_every_session_of_the_person(http, seed):
    seeded = seed()
    phone, laptop = tokens_of(http, seeded.email), tokens_of(http, seeded.email)
    assert http.get("/api/me", headers=bearer(phone)).status_code == 200
    out = http.post("/api/auth/logout", headers={**bearer(laptop), "X-Access-Token": laptop["access_token"]})
    assert out.status_code == 200, out.text
    for session in (phone, laptop):
        assert_dead(http, session)
        assert portal(http, session).get("/").status_code == 303  # back to the sign-in page
    # Signing in again at once works (no waiting for the next second on the caller's side).
    fresh = tokens_of(http, seeded.email)
    assert http.get("/api/me", headers=bearer(fresh)).status_code == 200


def test_logout_without_the_access_token_ends_the_sessions_too(http, seed):
    seeded = seed()
    session = tokens_of(http, seeded.email)
    assert http.post("/api/auth/logout", headers=bearer(session)).status_code == 200
    assert_dead(http, session)


def test_signing_out_in_the_portal_ends_the_api_sessions(http, seed):
    seeded = seed()
    api_session = tokens_of(http, seeded.email)
    browser = Client(http.application)
    page = browser.get("/login").get_data(as_text=True)
    csrf = csrf_of(page)
    browser.post("/login", data={"csrf": csrf, "username": seeded.email, "password": PASSWORD, "next": "/"})
    start = browser.get("/").get_data(as_text=True)
    assert browser.post("/logout", data={"csrf": csrf_of(start)}).status_code == 303
    assert_dead(http, api_session)


def test_a_password_reset_ends_every_session(http, seed):
    seeded = seed()
    session = tokens_of(http, seeded.email)
    assert http.post("/api/auth/password/forgot", json={"email": seeded.email}).status_code == 202
    code = code_in(mails_to(seeded.email)[-1])
    reset = http.post(
        "/api/auth/password/reset",
        json={"email": seeded.email, "code": code, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert reset.status_code == 200, reset.text
    assert_dead(http, session)
    assert portal(http, session).get("/").status_code == 303
    assert http.get("/api/me", headers=bearer(tokens_of(http, seeded.email, NEW_PASSWORD))).status_code == 200


def test_an_email_change_ends_every_session(http, seed):
    seeded = seed()
    other_device = tokens_of(http, seeded.email)
    new = f"byttet-{seeded.customer.number}@example.com"
    started = http.post(
        "/api/auth/email/change",
        json={"password": PASSWORD, "email": new},
        headers={**seeded.auth, "Accept-Language": "nb"},
    )
    assert started.status_code == 202, started.text
    done = http.post(
        "/api/auth/email/confirm",
        json={"id": body(started)["id"], "code": code_in(mails_to(new)[0])},
        headers=seeded.auth,
    )
    assert done.status_code == 200, done.text
    assert_dead(http, other_device)
    stale = http.get("/api/me", headers=seeded.auth)
    assert stale.status_code == 401
    assert http.get("/api/me", headers=bearer(tokens_of(http, new))).status_code == 200


def test_the_lockout_counts_per_person_whatever_spelling_is_typed(http, seed):
    seeded = seed()
    names = [seeded.email, seeded.email.upper(), f"  {seeded.email.title()} "]
    for attempt in range(10):
        wrong = login(http, names[attempt % len(names)], "wrong-password-1")
        assert wrong.status_code == 401, (attempt, wrong.text)
    for name in names:
        locked = login(http, name, PASSWORD)
        assert (locked.status_code, body(locked)["code"]) == (429, "rate_limited"), name


def test_the_internal_id_is_no_sign_in_name_so_it_cannot_go_around_the_lock(http, seed):
    seeded = seed()
    sub = sub_of(seeded.token)
    resp = login(http, sub, PASSWORD)
    assert (resp.status_code, body(resp)["code"]) == (401, "login_failed")
    for _ in range(10):
        assert login(http, seeded.email, "wrong-password-1").status_code == 401
    assert login(http, sub, PASSWORD).status_code in (401, 429)  # never tokens
    assert login(http, seeded.email, PASSWORD).status_code == 429


def test_cognitos_global_sign_out_by_access_token_works_on_the_local_stack(http, seed):
    """The portal's fallback when it only has the access token: an unsigned
    GlobalSignOut, which moto used to look up in the wrong region."""
    from heatportal import composition

    seeded = seed()
    session = tokens_of(http, seeded.email)
    composition.identity().logout_everywhere(session["access_token"])
    refreshed = http.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.status_code == 401
