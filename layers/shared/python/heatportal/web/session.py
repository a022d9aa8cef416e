"""Portal sessions: Cognito tokens in HttpOnly cookies, CSRF double-submit.

The browser never sees a token from script: cookies are HttpOnly, SameSite=Lax
and Secure whenever the request came over HTTPS (always on AWS). Every form
carries a CSRF token bound to the session: an HMAC of the random ``hp_csrf``
cookie keyed with the session's refresh (or ID) token, which no other site
can read. A plain double-submit token (the cookie's value itself) would be
forgeable by anyone able to plant the cookie (a sibling host), and a token
of one session would work in another; before sign-in the token is the
cookie's value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

ID_COOKIE = "hp_id"
REFRESH_COOKIE = "hp_refresh"
ACCESS_COOKIE = "hp_access"
CSRF_COOKIE = "hp_csrf"
LANG_COOKIE = "hp_lang"
CUSTOMER_COOKIE = "hp_cust"
REMEMBER_SECONDS = 30 * 24 * 3600


def parse_cookies(headers: dict[str, str] | None) -> dict[str, str]:
    raw = ""
    for key, value in (headers or {}).items():
        if key.lower() == "cookie":
            raw = value
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 - a malformed Cookie header means no cookies
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def is_https(headers: dict[str, str] | None) -> bool:
    for key, value in (headers or {}).items():
        if key.lower() == "x-forwarded-proto":
            return value.lower() == "https"
    return False


def cookie(name: str, value: str, *, secure: bool, max_age: int | None = None) -> Cookie:
    return Cookie(
        name=name,
        value=value,
        path="/",
        secure=secure,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.LAX_MODE,
    )


def expired(name: str, *, secure: bool) -> Cookie:
    return cookie(name, "", secure=secure, max_age=0)


def new_csrf_token() -> str:
    """The random value of the ``hp_csrf`` cookie."""
    return secrets.token_urlsafe(32)


def csrf_token(cookies: dict[str, str]) -> str:
    """The token forms carry in this session ("" without the ``hp_csrf`` cookie)."""
    nonce = cookies.get(CSRF_COOKIE) or ""
    session = cookies.get(REFRESH_COOKIE) or cookies.get(ID_COOKIE)
    if not nonce or not session:
        return nonce
    digest = hmac.new(session.encode(), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_valid(cookies: dict[str, str], submitted: str | None) -> bool:
    expected = csrf_token(cookies)
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected, submitted)
