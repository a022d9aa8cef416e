"""Portal sessions through the real portal handler behind the local gateway:
cookies, CSRF, sign-out everywhere, security headers, remembered language."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from heatportal.adapters.signouts import DynamoSignOuts
from infra.local.resources import clients
from tests.integration.conftest import PASSWORD

HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture
def browser(stack) -> Client:
    """A fresh cookie jar: one person's browser."""
    return Client(stack.http_server.app)


def set_cookies(resp) -> dict[str, str]:
    """name -> the whole Set-Cookie line."""
    return {line.split("=", 1)[0]: line for line in resp.headers.getlist("Set-Cookie")}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "form without CSRF field"
    return match.group(1)


def sign_in(browser: Client, email: str, headers: dict[str, str] | None = None, **extra: str):
    page = browser.get("/login", headers=headers or {})
    data = {"csrf": csrf_of(page.get_data(as_text=True)), "username": email, "password": PASSWORD, "next": "/"}
    data.update(extra)
    return browser.post("/login", data=data, headers=headers or {})


def test_tokens_live_only_in_httponly_samesite_cookies_secure_over_https(browser, seed):
    seeded = seed()
    resp = sign_in(browser, seeded.email, HTTPS)
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/"
    cookies = set_cookies(resp)
    for name in ("hp_id", "hp_access", "hp_refresh"):
        line = cookies[name]
        assert "HttpOnly" in line and "Secure" in line and "SameSite=Lax" in line, line
    assert resp.get_data(as_text=True) == ""  # no token in any body


def test_cookies_are_not_marked_secure_on_plain_http_loopback(browser, seed):
    seeded = seed()
    cookies = set_cookies(sign_in(browser, seeded.email))
    assert "Secure" not in cookies["hp_id"]
    assert "HttpOnly" in cookies["hp_id"]


def test_remember_me_keeps_the_refresh_token_for_30_days_otherwise_for_the_session(stack, seed):
    seeded = seed()
    session_only = set_cookies(sign_in(Client(stack.http_server.app), seeded.email))["hp_refresh"]
    remembered = set_cookies(sign_in(Client(stack.http_server.app), seeded.email, remember="on"))["hp_refresh"]
    assert "Max-Age" not in session_only and "Expires" not in session_only
    assert "Max-Age=2592000" in remembered


def test_security_headers_on_every_page(browser, seed):
    seeded = seed()
    sign_in(browser, seeded.email, HTTPS)
    for path in ("/login", "/", "/meters", "/invoices", "/no-such-page"):
        resp = browser.get(path, headers=HTTPS)
        assert resp.status_code in (200, 303, 404), path
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
        assert resp.headers["Cache-Control"] == "no-store"


def test_no_hsts_on_plain_http(browser):
    assert "Strict-Transport-Security" not in browser.get("/login").headers


def test_a_post_without_the_csrf_token_changes_nothing(browser, seed):
    seeded = seed()
    sign_in(browser, seeded.email)
    url = f"/meters/{seeded.meter.number}/readings"
    for data in ({"value": "99999"}, {"value": "99999", "csrf": "forged"}):
        resp = browser.post(url, data=data)
        assert resp.status_code == 403
        assert "Skjemaet" in resp.get_data(as_text=True) or "form" in resp.get_data(as_text=True).lower()
    readings = browser.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    assert "99" + "\u00a0" + "999" not in readings and "99999" not in readings


def test_login_without_csrf_is_refused_before_cognito_is_asked(browser, seed):
    seeded = seed()
    resp = browser.post("/login", data={"username": seeded.email, "password": PASSWORD})
    assert resp.status_code == 403
    assert "hp_id" not in set_cookies(resp)


def test_a_wrong_password_gets_the_same_answer_as_an_unknown_user(browser, seed):
    seeded = seed()
    page = browser.get("/login").get_data(as_text=True)
    wrong = browser.post("/login", data={"csrf": csrf_of(page), "username": seeded.email, "password": "wrong-pass-1"})
    unknown = browser.post(
        "/login", data={"csrf": csrf_of(page), "username": "nobody-here@example.com", "password": "wrong-pass-1"}
    )
    assert wrong.status_code == unknown.status_code == 401

    def alert(resp) -> str:
        found = re.search(r'<a href="#username">([^<]+)</a>', resp.get_data(as_text=True))
        assert found is not None
        return found.group(1)

    assert alert(wrong) == alert(unknown)


def test_next_never_redirects_off_site(browser, seed):
    seeded = seed()
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/"):
        resp = sign_in(Client(browser.application), seeded.email, next=target)
        assert resp.headers["Location"] == "/", target


def test_logout_signs_out_everywhere(stack, repo, seed):
    seeded = seed()
    phone, laptop = Client(stack.http_server.app), Client(stack.http_server.app)
    sign_in(phone, seeded.email)
    sign_in(laptop, seeded.email)
    assert phone.get("/").status_code == 200
    page = laptop.get("/").get_data(as_text=True)
    resp = laptop.post("/logout", data={"csrf": csrf_of(page)})
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    cleared = set_cookies(resp)
    assert all("Max-Age=0" in cleared[name] for name in ("hp_id", "hp_access", "hp_refresh"))
    assert laptop.get("/").status_code == 303
    # The phone's ID token (still unexpired) is refused, and its revoked refresh token cannot renew it.
    assert phone.get("/").status_code == 303
    phone.delete_cookie("hp_id", domain="localhost")
    assert phone.get("/").status_code == 303
    # Signing in again afterwards works. ID tokens carry whole seconds, so a
    # sign-in within the second of the sign-out is refused: the sign-out is
    # moved a second back instead of waiting for the next second.
    signouts = DynamoSignOuts(repo.table)
    signed_out_at = signouts.signed_out_at_ms(seeded.user_id)
    assert signed_out_at is not None
    signouts.record(seeded.user_id, signed_out_at - 1000)
    again = Client(stack.http_server.app)
    sign_in(again, seeded.email)
    assert again.get("/").status_code == 200


def test_a_language_picked_while_signed_in_is_stored_on_the_user_and_used_at_the_next_sign_in(stack, seed):
    seeded = seed()
    first = Client(stack.http_server.app)
    sign_in(first, seeded.email)
    start = first.get("/").get_data(as_text=True)
    resp = first.post("/language", data={"csrf": csrf_of(start), "lang": "de", "next": "/"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/"
    assert 'lang="de"' in first.get("/").get_data(as_text=True)
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    attributes = cognito.admin_get_user(UserPoolId=stack.resources.user_pool_id, Username=seeded.email)
    assert {"Name": "locale", "Value": "de"} in attributes["UserAttributes"]

    other_device = Client(stack.http_server.app)
    resp = sign_in(other_device, seeded.email, headers={"Accept-Language": "nb-NO"})
    assert "hp_lang=de" in set_cookies(resp)["hp_lang"]
    assert '<html lang="de">' in other_device.get("/").get_data(as_text=True)


def test_a_language_link_switches_the_browser_only_and_a_forged_switch_is_refused(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    assert '<html lang="sv">' in browser.get("/?lang=sv").get_data(as_text=True)
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    attributes = cognito.admin_get_user(UserPoolId=stack.resources.user_pool_id, Username=seeded.email)
    assert {"Name": "locale", "Value": "sv"} not in attributes["UserAttributes"]
    forged = browser.post("/language", data={"csrf": "forged", "lang": "sv", "next": "/"})
    assert forged.status_code == 403
    attributes = cognito.admin_get_user(UserPoolId=stack.resources.user_pool_id, Username=seeded.email)
    assert {"Name": "locale", "Value": "sv"} not in attributes["UserAttributes"]


def test_password_guessing_is_limited_per_username_even_with_the_right_password(browser, seed):
    seeded = seed()
    page = browser.get("/login").get_data(as_text=True)
    token = csrf_of(page)
    for _ in range(10):
        wrong = browser.post("/login", data={"csrf": token, "username": seeded.email, "password": "guess-1234"})
        assert wrong.status_code == 401
    right = browser.post("/login", data={"csrf": token, "username": seeded.email, "password": PASSWORD})
    assert right.status_code == 429
    assert "For mange forsøk" in right.get_data(as_text=True)
    assert "hp_id" not in set_cookies(right)
