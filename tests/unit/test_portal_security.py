"""Portal forms and pages are safe by construction: every POST form carries the
CSRF token, every state-changing route refuses a request without it (before
the handler runs), and no template needs inline script or style (the CSP
forbids both). The handler is called in-process with hand-built API Gateway
events; nothing here reaches AWS."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from heatportal import composition
from heatportal.settings import settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "functions" / "portal" / "templates"
ENV = {
    "TABLE_NAME": "heatportal-unit",
    "IDEMPOTENCY_TABLE_NAME": "heatportal-unit-idempotency",
    "BUCKET_NAME": "heatportal-unit",
    "USER_POOL_ID": "eu-north-1_unit",
    "USER_POOL_CLIENT_ID": "unit-client",
    "PROFILE_ID": "no",
    "SENDER_EMAIL": "noreply@example.com",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:eu-north-1:000000000000:alerts",
    "AWS_DEFAULT_REGION": "eu-north-1",
    "POWERTOOLS_METRICS_NAMESPACE": "Heatportal",
    "POWERTOOLS_SERVICE_NAME": "heatportal",
}
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch) -> Any:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    for cached in (settings, composition.config, composition.profile):
        cached.cache_clear()
    from infra.local.lambdas import load_function

    yield load_function("PortalFunction")
    for cached in (settings, composition.config, composition.profile):
        cached.cache_clear()


class Context:
    function_name = "portal"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-north-1:000000000000:function:portal"
    aws_request_id = "unit"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def event(method: str, path: str, *, body: str = "", headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Host": "portal.example", "Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": "prod", "path": path, "httpMethod": method},
        "body": body,
        "isBase64Encoded": False,
    }


def post_routes(app: Any) -> list[str]:
    routes = [*app._static_routes, *app._dynamic_routes]
    paths = [r.path for r in routes if r.method.upper() in {"POST", "PUT", "PATCH", "DELETE"}]
    return [re.sub(r"<(\w+)>", "x1", p) for p in paths]


def test_every_post_form_in_every_template_carries_the_csrf_token():
    forms = 0
    for template in sorted(TEMPLATES.glob("*.html")):
        for attributes, inner in _FORM.findall(template.read_text(encoding="utf-8")):
            if 'method="post"' in attributes.lower():
                forms += 1
                assert '<input type="hidden" name="csrf" value="{{ csrf }}">' in inner, template.name
    assert forms >= 4


def test_no_template_needs_inline_script_or_style():
    for template in sorted(TEMPLATES.glob("*.html")):
        source = template.read_text(encoding="utf-8")
        # Only the portal's own script file, loaded from /static (CSP script-src 'self'); nothing inline.
        outside = re.sub(r'<script src="/static/[a-z]+\.js"></script>', "", source)
        assert "<script" not in outside.lower(), template.name
        assert "<style" not in source.lower(), template.name
        assert not re.search(r"\sstyle\s*=", source, re.I), template.name
        assert not re.search(r"\son[a-z]+\s*=", source, re.I), template.name


def test_there_are_post_routes_to_check(portal):
    assert {"/login", "/logout"} <= set(post_routes(portal.app))


@pytest.mark.parametrize("forged", [None, "forged-token"])
def test_every_post_route_refuses_a_request_without_the_csrf_token(portal, forged):
    cookie = {"Cookie": "hp_csrf=the-real-token"}
    for path in post_routes(portal.app):
        body = "value=1&customer=1" + (f"&csrf={forged}" if forged else "")
        response = portal.handler(event("POST", path, body=body, headers=cookie), Context())
        assert response["statusCode"] == 403, path
        assert "hp_id=" not in str(response.get("multiValueHeaders", {})), path


def test_the_csrf_refusal_is_a_translated_page_not_a_500(portal):
    response = portal.handler(
        event("POST", "/login", body="username=a&password=b", headers={"Accept-Language": "de"}), Context()
    )
    assert response["statusCode"] == 403
    assert '<html lang="de">' in response["body"]
    assert 'role="alert"' in response["body"]


def test_login_page_security_headers_and_cookies_over_https(portal):
    response = portal.handler(event("GET", "/login", headers={"X-Forwarded-Proto": "https"}), Context())
    headers = response["multiValueHeaders"]
    assert response["statusCode"] == 200
    csp = headers["Content-Security-Policy"][0]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["Strict-Transport-Security"][0].startswith("max-age=")
    csrf_cookie = next(c for c in headers["Set-Cookie"] if c.startswith("hp_csrf="))
    assert "HttpOnly" in csrf_cookie and "Secure" in csrf_cookie and "SameSite=Lax" in csrf_cookie
    token = csrf_cookie.split("=", 1)[1].split(";", 1)[0]
    assert f'name="csrf" value="{token}"' in response["body"]


def test_language_switch_on_a_public_page_sets_a_year_long_cookie(portal):
    ev = event("GET", "/login")
    ev["queryStringParameters"] = {"lang": "sv"}
    response = portal.handler(ev, Context())
    assert '<html lang="sv">' in response["body"]
    lang_cookie = next(c for c in response["multiValueHeaders"]["Set-Cookie"] if c.startswith("hp_lang="))
    assert "hp_lang=sv" in lang_cookie and "Max-Age=31536000" in lang_cookie


def test_an_unknown_language_falls_back_to_the_browser_language(portal):
    ev = event("GET", "/login", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    ev["queryStringParameters"] = {"lang": "xx"}
    response = portal.handler(ev, Context())
    assert '<html lang="nl">' in response["body"]
