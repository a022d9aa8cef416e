"""Every page of every role, in Debian's Chromium at 360 px wide: no page is
wider than the screen, and axe-core finds no serious or critical violation.

The pages are found, not listed: for each role the test follows the links of
its menu and of the pages those lead to (same site, GET, one visit per path),
plus the deep pages below. A page another area adds to the menu is covered
the day it lands. Roles: a customer's administrator, full and read-only
users, a person with several accounts, a management company's administrator
and manager, customer service (on its own pages and viewing a customer), and
nobody signed in (the public pages). The Dutch stack adds the advance pages.

The figures (pages per role, violations) go to artifacts/crawl/; screenshots
of the main pages at 1280 and 390 px to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
REPORT = ROOT / "artifacts" / "crawl"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 740}
SERIOUS = {"serious", "critical"}
# Paths never followed: files, the local stack's own pages, one-time links.
SKIP = re.compile(r"^/(static/|_local/|api/|r/)|\.(pdf|csv|xlsx|json)$|/export$")
MAX_PAGES_PER_ROLE = 60
CUSTOMER_COOKIE = "hp_cust"  # heatportal.web.session.CUSTOMER_COOKIE
# Pages of one kind visited per role: two meters (heat, hot water), two invoices, ...
PER_KIND = 2


def page_kind(path: str) -> str:
    """Pages that differ only by a number or a query (another meter, invoice,
    year, unit) are one kind, except the consumption page's views."""
    url = urlsplit(path)
    view = re.search(r"(?:^|&)view=(\w+)", url.query)
    return re.sub(r"\d{2,}", "#", url.path) + (f"?view={view.group(1)}" if view else "")


@dataclass
class Role:
    name: str
    user: Callable[[list[dict[str, Any]]], dict[str, Any] | None]
    deep: Callable[[Any], list[str]] = lambda _page: []
    # After signing in: open a customer first (customer service, a company).
    prepare: Callable[[Any, str, list[dict[str, Any]]], None] | None = None


@dataclass
class Finding:
    role: str
    path: str
    problem: str


@dataclass
class Crawl:
    pages: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def first_user(condition: Callable[[dict[str, Any]], bool]) -> Callable[[list[dict[str, Any]]], dict[str, Any] | None]:
    return lambda demo: next((u for u in demo if condition(u)), None)


def customer_with(role: str) -> Callable[[list[dict[str, Any]]], dict[str, Any] | None]:
    return first_user(lambda u: len(u["customers"]) == 1 and u["customers"][0]["role"] == role and not u["staff"])


def links_to(page: Any, pattern: str) -> list[str]:
    """The paths of the page's links matching ``pattern`` (first of each)."""
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = [h for h in hrefs if re.match(pattern, h or "")]
    return list(dict.fromkeys(found))[:2]


def customer_deep_pages(page: Any) -> list[str]:
    """Pages a customer reaches below the menu: a meter, an invoice, the
    documents' contract and data card, consumption by month and in total."""
    deep = [
        "/consumption?view=month",
        "/consumption?view=total",
        "/account/profile",
        "/account/password",
        "/account/email",
        "/reminders",
        "/accounts",
        "/help",
    ]
    base = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    for start, pattern in (
        ("/meters", r"^/meters/\w+$"),
        ("/invoices", r"^/invoices/\d+$"),
        ("/documents", r"^/documents/(contract|facilities/[^/]+)$"),
    ):
        page.goto(base + start)
        deep += links_to(page, pattern) or [urlsplit(page.url).path]
    return deep


def open_customer_as_staff(page: Any, base: str, demo: list[dict[str, Any]]) -> None:
    number = demo[0]["customers"][0]["customer_number"]
    page.goto(f"{base}/staff/customers?q={number}")
    page.locator("main form[action='/accounts'] button").first.click()
    page.wait_for_load_state()


def open_customer_as_company(page: Any, base: str, _demo: list[dict[str, Any]]) -> None:
    page.goto(f"{base}/organisation")
    page.locator("main form[action$='/open'] button").first.click()
    page.wait_for_load_state()


ROLES = [
    Role("customer-admin", customer_with("admin"), customer_deep_pages),
    Role("customer-full", customer_with("full"), customer_deep_pages),
    Role("customer-read", customer_with("read"), customer_deep_pages),
    Role(
        "several-accounts",
        first_user(lambda u: len(u["customers"]) > 1 and not u["staff"]),
        lambda page: ["/accounts", *customer_deep_pages(page)],
    ),
    Role(
        "company-admin",
        first_user(lambda u: (u["organisation"] or {}).get("role") == "admin"),
        lambda _page: ["/organisation"],
    ),
    Role(
        "company-manager",
        first_user(lambda u: (u["organisation"] or {}).get("role") == "manager"),
        lambda _page: ["/organisation"],
    ),
    Role(
        "company-viewing-customer",
        first_user(lambda u: (u["organisation"] or {}).get("role") == "admin"),
        customer_deep_pages,
        prepare=open_customer_as_company,
    ),
    Role(
        "staff",
        first_user(lambda u: u["staff"]),
        lambda _page: ["/staff/customers?q=a", "/staff/contact-requests?status=handled"],
    ),
    Role(
        "staff-viewing-customer", first_user(lambda u: u["staff"]), customer_deep_pages, prepare=open_customer_as_staff
    ),
]
PUBLIC_PAGES = [
    "/login",
    "/register",
    "/password/forgot",
    "/password/reset",
    "/customer-number/forgot",
    "/organisation/signup",
    "/organisation/invitation",
    "/invitation",
    "/register/verify",
    "/help",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: make test installs it (scripts/ensure-chromium.sh)")
        pytest.skip("chromium not installed (run scripts/ensure-chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's script (the copy axe-playwright-python ships), given to each
    crawl's browser context once (``add_init_script``): every page it opens has
    axe loaded, without sending the 0.5 MB script with each page (measured: 0.53
    s a page with the package's ``Axe.run``, 0.32 s so)."""
    from axe_playwright_python.sync_playwright import Axe

    return str(Axe().axe_script)


# axe-core's run on the page, answering only what fails the crawl (serious or critical), a few targets each;
# null when axe is not on the page (the check must not pass unseen).
SERIOUS_FINDINGS = f"""() => typeof axe === 'undefined' ? null : axe.run(document, {{resultTypes: ['violations']}})
    .then(r => r.violations.filter(v => {json.dumps(sorted(SERIOUS))}.includes(v.impact))
        .map(v => ({{id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map(n => n.target)}})))"""


def crawl_context(browser: Any, axe: str) -> Any:
    context = browser.new_context(viewport=PHONE, locale="nb-NO", bypass_csp=True)
    context.add_init_script(axe)
    return context


def sign_in(page: Any, base: str, user: dict[str, Any]) -> None:
    page.goto(f"{base}/login")
    page.locator("#username").fill(user["email"])
    page.locator("#password").fill(user["password"])
    page.locator("form[action='/login'] button.primary").click()
    page.wait_for_load_state()


def menu_links(page: Any, base: str) -> list[str]:
    """Same-site GET links of the page's menu and main content, as paths."""
    hrefs = page.eval_on_selector_all(
        "header nav a[href], main a[href], .viewing-as a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    paths = []
    for href in hrefs:
        url = urlsplit(urljoin(page.url, href))
        if url.netloc != urlsplit(base).netloc or SKIP.search(url.path) or url.path in ("/login",):
            continue
        paths.append(url.path + (f"?{url.query}" if url.query else ""))
    return paths


def check(page: Any, role: str, path: str, crawl: Crawl) -> None:
    """The page at 360 px: no sideways scrolling, no serious axe finding, no error page."""
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if widths[0] > widths[1]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                 .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
        )
        crawl.findings.append(Finding(role, path, f"{widths[0]} px wide at {widths[1]} px: {wide}"))
    violations = page.evaluate(SERIOUS_FINDINGS)
    if violations is None:
        crawl.findings.append(Finding(role, path, "axe-core was not loaded on the page"))
        return
    for violation in violations:
        crawl.findings.append(
            Finding(role, path, f"axe {violation['impact']} {violation['id']}: {violation['targets']}")
        )


def looking_at(context: Any) -> str | None:
    """The customer the session looks at (the portal's customer cookie), if any."""
    return next((c["value"] for c in context.cookies() if c["name"] == CUSTOMER_COOKIE), None)


def look_at(context: Any, base: str, customer: str | None) -> None:
    if looking_at(context) == customer:
        return
    context.clear_cookies(name=CUSTOMER_COOKIE)
    if customer is not None:
        context.add_cookies([{"name": CUSTOMER_COOKIE, "value": customer, "url": base}])


def crawl_role(browser: Any, axe: str, base: str, demo: list[dict[str, Any]], role: Role, crawl: Crawl) -> None:
    user = role.user(demo)
    assert user is not None, f"the demo has no login for {role.name}"
    context = crawl_context(browser, axe)
    page = context.new_page()
    sign_in(page, base, user)
    if role.prepare is not None:
        role.prepare(page, base, demo)
    landing = urlsplit(page.url).path
    # Each link is opened as from the page it was found on: with the customer that page looked at
    # (a portfolio's facility page looks at the facility's customer, and its links are that customer's).
    start = looking_at(context)
    queue = [(p, start) for p in dict.fromkeys([landing, *menu_links(page, base), *role.deep(page)])]
    seen: dict[str, int] = {}
    visited: list[str] = []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        path, customer = queue.pop(0)
        key = page_kind(path)
        if path in visited or seen.get(key, 0) >= PER_KIND:
            continue
        seen[key] = seen.get(key, 0) + 1
        look_at(context, base, customer)
        response = page.goto(base + path)
        status = response.status if response is not None else 0
        visited.append(path)
        if status >= 500 or status == 404:
            crawl.findings.append(Finding(role.name, path, f"HTTP {status}"))
            continue
        check(page, role.name, path, crawl)
        now = looking_at(context)
        queued = {p for p, _ in queue}
        queue += [(p, now) for p in menu_links(page, base) if p not in queued]
    crawl.pages[role.name] = visited
    context.close()


def crawl_public(browser: Any, axe: str, base: str, crawl: Crawl) -> None:
    context = crawl_context(browser, axe)
    page = context.new_page()
    visited = []
    for path in PUBLIC_PAGES:
        response = page.goto(base + path)
        if response is None or response.status >= 500:
            crawl.findings.append(Finding("public", path, f"HTTP {response.status if response else 0}"))
            continue
        visited.append(path)
        check(page, "public", path, crawl)
    crawl.pages["public"] = visited
    context.close()


def report(crawl: Crawl, name: str) -> str:
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"{name}.json").write_text(
        json.dumps(
            {
                "pages_per_role": {role: len(paths) for role, paths in crawl.pages.items()},
                "pages": crawl.pages,
                "findings": [f.__dict__ for f in crawl.findings],
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return "\n".join(f"{f.role} {f.path}: {f.problem}" for f in crawl.findings)


def test_every_page_of_every_role_fits_a_phone_and_passes_axe(browser, axe, local_stack):
    crawl = Crawl()
    crawl_public(browser, axe, local_stack.url, crawl)
    for role in ROLES:
        crawl_role(browser, axe, local_stack.url, local_stack.demo, role, crawl)
    problems = report(crawl, "no")
    counts = {role: len(paths) for role, paths in crawl.pages.items()}
    # The crawl reaches what each role can do (a count that drops means the menu lost pages).
    assert counts["customer-admin"] >= 20 and counts["staff"] >= 4 and counts["public"] == len(PUBLIC_PAGES), counts
    assert {"/staff/customers", "/staff/contact-requests"} <= set(crawl.pages["staff"])
    assert "/organisation" in crawl.pages["company-manager"]
    assert not problems, f"{len(crawl.findings)} problems on {sum(counts.values())} pages:\n{problems}"


def test_every_page_of_an_advance_paying_customer_fits_a_phone_and_passes_axe(browser, axe, local_stack_nl):
    crawl = Crawl()
    crawl_role(browser, axe, local_stack_nl.url, local_stack_nl.demo, ROLES[0], crawl)
    problems = report(crawl, "nl")
    assert "/advance" in crawl.pages["customer-admin"]
    assert not problems, f"{len(crawl.findings)} problems:\n{problems}"


def test_the_phone_header_is_one_row_and_the_menu_opens_from_its_button(browser, local_stack):
    user = customer_with("admin")(local_stack.demo)
    assert user is not None
    context = browser.new_context(viewport=PHONE, locale="nb-NO")
    page = context.new_page()
    sign_in(page, local_stack.url, user)
    header = page.locator("header.top")
    assert header.bounding_box()["height"] <= 64  # brand and menu button, one row
    nav = page.locator("header nav a").first
    assert not nav.is_visible()
    toggle = page.get_by_role("button", name="Meny")
    assert toggle.bounding_box()["height"] >= 44  # a finger-sized target
    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    for link in page.locator("header nav a").all():
        assert link.bounding_box()["height"] >= 44
    page.keyboard.press("Escape")
    assert not nav.is_visible()
    context.close()


MAIN_PAGES = ["/", "/meters", "/consumption", "/invoices", "/economy", "/trial-settlement", "/documents", "/account"]


def test_screenshots_of_the_main_pages_at_desktop_and_phone_width(browser, local_stack):
    SHOTS.mkdir(parents=True, exist_ok=True)
    demo = local_stack.demo
    cases = [
        ("customer", customer_with("admin")(demo), [*MAIN_PAGES, "/meters/{meter}", "/help"]),
        ("several", first_user(lambda u: len(u["customers"]) > 1 and not u["staff"])(demo), ["/accounts"]),
        ("company", first_user(lambda u: (u["organisation"] or {}).get("role") == "admin")(demo), ["/organisation"]),
        ("staff", first_user(lambda u: u["staff"])(demo), ["/staff/customers?q=a", "/staff/contact-requests"]),
    ]
    for width, height, suffix in ((1280, 900, "desktop"), (390, 844, "phone")):
        for name, user, paths in cases:
            assert user is not None, name
            context = browser.new_context(viewport={"width": width, "height": height}, locale="nb-NO")
            page = context.new_page()
            sign_in(page, local_stack.url, user)
            meter = None
            for wanted in paths:
                path = wanted
                if "{meter}" in wanted:
                    page.goto(f"{local_stack.url}/meters")
                    meter = meter or (links_to(page, r"^/meters/\w+$") or [urlsplit(page.url).path])[0]
                    path = meter
                page.goto(local_stack.url + path)
                slug = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0]).strip("-") or "start"
                page.screenshot(path=str(SHOTS / f"{name}-{slug}-{suffix}.png"), full_page=True)
            context.close()
    public = browser.new_context(viewport={"width": 390, "height": 844}, locale="nb-NO").new_page()
    public.goto(f"{local_stack.url}/login")
    public.screenshot(path=str(SHOTS / "public-login-phone.png"), full_page=True)
    assert (SHOTS / "customer-start-desktop.png").exists() and (SHOTS / "staff-staff-customers-phone.png").exists()


def test_the_check_finds_a_page_too_wide_and_a_serious_axe_violation(browser, axe):
    """The crawl's check is not blind: a page wider than the phone and an image
    without a text alternative (axe: image-alt, critical) are both found."""
    context = crawl_context(browser, axe)
    page = context.new_page()
    html = (
        "<!doctype html><html lang='nb'><head><title>t</title></head><body><main>"
        "<div style='width: 500px'>wide</div><img src='data:,'></main></body></html>"
    )
    page.route("http://check.invalid/", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto("http://check.invalid/")
    crawl = Crawl()
    check(page, "test", "/", crawl)
    context.close()
    problems = [f.problem for f in crawl.findings]
    assert len(problems) == 2, problems
    assert problems[0].startswith("508 px wide at 360 px")  # 500 and the body's margin
    assert problems[1].startswith("axe critical image-alt")
