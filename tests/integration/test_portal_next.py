"""The portal's ``next`` parameter (after sign-in, after a language switch)
never sends the browser to another site, whatever is hidden in it: browsers
drop tabs and newlines from a URL and read a backslash as a slash, so
``/<TAB>/evil.example`` becomes ``//evil.example``."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from tests.integration.conftest import PASSWORD
from tests.integration.test_auth_portal import csrf_of

OFF_SITE = [
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\r/evil.example/x",
    "/\x00/evil.example/x",
    "/\x0b/evil.example/x",
    "\t//evil.example/x",
    " //evil.example/x",
    "//evil.example",
    "/\\evil.example",
    "/.\\/evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "https:/evil.example/",
    "javascript:alert(1)",
    "/\u2028/evil.example",
    "/\u0085/evil.example",
]


def _hidden_next(html: str) -> str:
    found = re.findall(r'name="next" value="([^"]*)"', html)
    assert found, "login form without next"
    return found[-1]


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_the_login_form_never_carries_an_off_site_next(stack, target):
    browser = Client(stack.http_server.app)
    html = browser.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert _hidden_next(html) == "/"


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_signing_in_never_redirects_off_site(stack, seed, target):
    seeded = seed()
    browser = Client(stack.http_server.app)
    page = browser.get("/login").get_data(as_text=True)
    csrf = csrf_of(page)
    resp = browser.post("/login", data={"csrf": csrf, "username": seeded.email, "password": PASSWORD, "next": target})
    # Home, or (for a control character) the form refused as a whole: never off the site.
    assert (resp.status_code, resp.headers.get("Location")) in {(303, "/"), (422, None)}


def test_a_path_on_the_site_with_its_query_is_kept(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    page = browser.get("/login").get_data(as_text=True)
    csrf = csrf_of(page)
    target = f"/meters/{seeded.meter.number}?submitted=1"
    resp = browser.post("/login", data={"csrf": csrf, "username": seeded.email, "password": PASSWORD, "next": target})
    assert resp.headers["Location"] == target
