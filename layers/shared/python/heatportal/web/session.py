"""Portal sessions: Cognito tokens in HttpOnly cookies, CSRF double-submit.

The browser never sees a token from script: cookies are HttpOnly, SameSite=Lax
and Secure whenever the request came over HTTPS (always on AWS). Every form
carries a CSRF token that must equal the HttpOnly ``hp_csrf`` cookie.
"""

from __future__ import annotations

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
    return secrets.token_urlsafe(32)


def csrf_valid(cookies: dict[str, str], submitted: str | None) -> bool:
    expected = cookies.get(CSRF_COOKIE)
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected, submitted)
