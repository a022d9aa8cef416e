"""The hosted web portal: server-rendered pages (Jinja2) on the same services
as the JSON API. Works without JavaScript; every form is CSRF-protected.
"""

import contextlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from jinja2 import Environment, FileSystemLoader, select_autoescape

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden, Unauthorized, ValidationFailed
from heatportal.domain.model import LANGUAGES, InvoiceStatus, Language
from heatportal.i18n import (
    format_date,
    format_money,
    format_month,
    format_number,
    format_quantity,
    language_name,
    translate,
)
from heatportal.services.access import Principal
from heatportal.web import session as s
from heatportal.web.api import language_of

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()

HERE = Path(__file__).parent
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class Page:
    """Request-scoped view of the session: language, cookies, principal."""

    def __init__(self) -> None:
        event = app.current_event
        self.headers: dict[str, str] = dict(event.headers or {})
        self.cookies = s.parse_cookies(self.headers)
        self.secure = s.is_https(self.headers)
        self.set_cookies: list[Any] = []
        self.query = dict(event.query_string_parameters or {})
        profile = composition.profile()
        wanted = self.query.get("lang") or self.cookies.get(s.LANG_COOKIE)
        chosen = next((lang for lang in LANGUAGES if lang == wanted), None)
        self.lang: Language = chosen or language_of(self.headers, default=profile.default_language)
        if chosen and self.query.get("lang"):
            self.set_cookies.append(s.cookie(s.LANG_COOKIE, chosen, secure=self.secure, max_age=365 * 24 * 3600))
        self.csrf = self.cookies.get(s.CSRF_COOKIE) or ""
        if not self.csrf:
            self.csrf = s.new_csrf_token()
            self.set_cookies.append(s.cookie(s.CSRF_COOKIE, self.csrf, secure=self.secure))
        self._principal: Principal | None = None

    # --- forms -----------------------------------------------------------------
    def form(self) -> dict[str, str]:
        body = app.current_event.decoded_body or ""
        return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}

    def check_csrf(self, form: dict[str, str]) -> None:
        if not s.csrf_valid(self.cookies, form.get("csrf")):
            raise ValidationFailed("The form has expired.", code="csrf_failed")

    # --- identity ------------------------------------------------------------------
    def principal(self) -> Principal | None:
        if self._principal is not None:
            return self._principal
        token = self.cookies.get(s.ID_COOKIE)
        verifier = composition.jwt_verifier()
        if token:
            try:
                self._principal = Principal.from_claims(verifier.verify(token))
                return self._principal
            except Unauthorized:
                pass
        refresh = self.cookies.get(s.REFRESH_COOKIE)
        if refresh:
            try:
                tokens = composition.identity().refresh(refresh)
                self._principal = Principal.from_claims(verifier.verify(tokens.id_token))
                self.set_cookies.append(s.cookie(s.ID_COOKIE, tokens.id_token, secure=self.secure))
                self.set_cookies.append(s.cookie(s.ACCESS_COOKIE, tokens.access_token, secure=self.secure))
                return self._principal
            except Unauthorized:
                return None
        return None

    def customer_number(self, principal: Principal) -> str | None:
        """The customer the person is looking at; checked against memberships."""
        memberships = composition.access().customers_of(principal)
        chosen = self.cookies.get(s.CUSTOMER_COOKIE)
        numbers = [m.customer_number for m in memberships]
        if chosen and (chosen in numbers or principal.is_staff):
            return chosen
        return numbers[0] if numbers else None

    # --- rendering -------------------------------------------------------------------
    def t(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)

    def render(self, template: str, status: int = 200, **context: Any) -> Response[str]:
        profile = composition.profile()
        lang = self.lang
        if "customer" not in context and self._principal is not None:
            number = self.customer_number(self._principal)
            context["customer"] = composition.repository().get_customer(number) if number else None
        html = _env.get_template(template).render(
            t=self.t,
            lang=lang,
            languages=[(code, language_name(code)) for code in LANGUAGES],
            profile=profile,
            brand=profile.branding,
            csrf=self.csrf,
            path=app.current_event.path,
            money=lambda amount, currency=profile.currency: format_money(amount, currency, lang),
            number=lambda value, decimals=None: format_number(value, lang, decimals),
            quantity=lambda value, unit: format_quantity(value, unit, lang),
            day=lambda d: format_date(d, lang),
            month=lambda p: format_month(p.start, lang),
            **context,
        )
        headers: dict[str, Any] = dict(SECURITY_HEADERS)
        if self.secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        headers["Content-Language"] = lang
        return Response(status, "text/html; charset=utf-8", html, headers, cookies=self.set_cookies)

    def redirect(self, location: str) -> Response[str]:
        return Response(303, "text/plain", "", {"Location": location, **SECURITY_HEADERS}, cookies=self.set_cookies)


def page(handler: Callable[..., Response[str]]) -> Callable[..., Response[str]]:
    """Render domain errors as a page in the person's language, never a 500."""

    def wrapped(*args: Any, **kwargs: Any) -> Response[str]:
        view = Page()
        try:
            return handler(view, *args, **kwargs)
        except Unauthorized:
            return view.redirect(f"/login?next={quote(app.current_event.path)}")
        except Forbidden as error:
            return view.render("error.html", 403, message=view.t(f"error.{error.code}"))
        except DomainError as error:
            return view.render("error.html", 400, message=view.t(f"error.{error.code}", **error.params))

    wrapped.__name__ = handler.__name__
    return wrapped


def signed_in(view: Page) -> tuple[Principal, str | None]:
    principal = view.principal()
    if principal is None:
        raise Unauthorized("Please log in.", code="unauthorized")
    return principal, view.customer_number(principal)


# --- pages -------------------------------------------------------------------------


@app.get("/static/<name>")
def static(name: str) -> Response[str]:
    if name == "brand.css":
        color = composition.profile().branding.primary_color
        return Response(200, "text/css", f":root{{--brand:{color};}}\n", {"Cache-Control": "max-age=3600"})
    if name != "portal.css":
        return Response(404, "text/plain", "not found")
    return Response(
        200, "text/css", (HERE / "static" / "portal.css").read_text(encoding="utf-8"), {"Cache-Control": "max-age=3600"}
    )


@app.get("/login")
@page
def login_form(view: Page) -> Response[str]:
    return view.render("login.html", next=view.query.get("next", "/"), error=None, username="")


@app.post("/login")
@page
def login(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)
    username = form.get("username", "").strip()
    try:
        tokens = composition.identity().login(username, form.get("password", ""))
    except Unauthorized as error:
        return view.render(
            "login.html", 401, next=form.get("next", "/"), error=view.t(f"error.{error.code}"), username=username
        )
    remember = form.get("remember") == "on"
    view.set_cookies.append(s.cookie(s.ID_COOKIE, tokens.id_token, secure=view.secure))
    view.set_cookies.append(s.cookie(s.ACCESS_COOKIE, tokens.access_token, secure=view.secure))
    if tokens.refresh_token:
        # "Remember me" keeps the refresh token for 30 days; otherwise for the browser session.
        view.set_cookies.append(
            s.cookie(
                s.REFRESH_COOKIE,
                tokens.refresh_token,
                secure=view.secure,
                max_age=s.REMEMBER_SECONDS if remember else None,
            )
        )
    target = form.get("next", "/")
    return view.redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@app.post("/logout")
@page
def logout(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)
    access_token = view.cookies.get(s.ACCESS_COOKIE)
    if access_token:
        with contextlib.suppress(Unauthorized):  # already signed out elsewhere
            composition.identity().logout_everywhere(access_token)
    for name in (s.ID_COOKIE, s.ACCESS_COOKIE, s.REFRESH_COOKIE, s.CUSTOMER_COOKIE):
        view.set_cookies.append(s.expired(name, secure=view.secure))
    return view.redirect("/login")


@app.get("/accounts")
@page
def accounts(view: Page) -> Response[str]:
    principal, current = signed_in(view)
    memberships = composition.access().customers_of(principal)
    repo = composition.repository()
    customers = [(m, repo.get_customer(m.customer_number)) for m in memberships]
    return view.render("accounts.html", customers=customers, current=current)


@app.post("/accounts")
@page
def choose_account(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    chosen = form.get("customer", "")
    composition.access().require(principal, chosen, role_read())
    view.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, chosen, secure=view.secure))
    return view.redirect("/")


def role_read() -> Any:
    from heatportal.domain.model import Role

    return Role.READ


@app.get("/")
@page
def start(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    customer = composition.repository().get_customer(number)
    meters = composition.reading_service().list_meters(principal, number)
    invoices = composition.invoice_service().list(principal, number)
    open_invoices = [i for i in invoices if i.status == InvoiceStatus.OPEN]
    today = composition.clock().today()
    return view.render(
        "start.html",
        customer=customer,
        meters=meters,
        open_invoices=open_invoices,
        open_total=sum((i.total for i in open_invoices), Decimal(0)),
        overdue=[i for i in open_invoices if i.due_on < today],
        several=len(composition.access().customers_of(principal)) > 1,
    )


@app.get("/meters")
@page
def meters(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    overview = composition.reading_service().list_meters(principal, number)
    active = [o for o in overview if o.meter.removed_on is None]
    if len(active) == 1:
        return view.redirect(f"/meters/{active[0].meter.number}")
    return view.render("meters.html", meters=overview)


def _meter_page(
    view: Page, principal: Principal, number: str, meter_number: str, status: int = 200, **extra: Any
) -> Response[str]:
    service = composition.reading_service()
    overview = service.list_meters(principal, number)
    selected = next((o for o in overview if o.meter.number == meter_number), None)
    if selected is None:
        return view.render("error.html", 404, message=view.t("error.meter_not_found"))
    readings = list(reversed(service.list_readings(principal, number, meter_number)))[:24]
    context = {
        "meters": overview,
        "selected": selected,
        "readings": readings,
        "today": composition.clock().today(),
        "form": {},
        "error": None,
        "confirm": None,
    }
    context.update(extra)
    return view.render("meter.html", status, **context)


@app.get("/meters/<meter_number>")
@page
def meter(view: Page, meter_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    return _meter_page(view, principal, number, meter_number, submitted=view.query.get("submitted"))


@app.post("/meters/<meter_number>/readings")
@page
def submit_reading(view: Page, meter_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    view.check_csrf(form)
    raw_value = form.get("value", "").strip().replace(" ", "").replace(",", ".")
    raw_date = form.get("read_on", "").strip()
    try:
        value = Decimal(raw_value)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        return _meter_page(
            view, principal, number, meter_number, 422, form=form, error=view.t("error.reading_not_a_number")
        )
    try:
        read_on = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        return _meter_page(
            view, principal, number, meter_number, 422, form=form, error=view.t("error.reading_bad_date")
        )
    try:
        composition.reading_service().submit(
            principal, number, meter_number, value, read_on, confirmed=form.get("confirm") == "yes"
        )
    except ValidationFailed as error:
        message = view.t(f"error.{error.code}", **error.params)
        if error.code == "reading_implausible":
            return _meter_page(view, principal, number, meter_number, 422, form=form, confirm=message)
        return _meter_page(view, principal, number, meter_number, 422, form=form, error=message)
    except DomainError as error:
        return _meter_page(
            view, principal, number, meter_number, 422, form=form, error=view.t(f"error.{error.code}", **error.params)
        )
    return view.redirect(f"/meters/{meter_number}?submitted=1")


@app.get("/invoices")
@page
def invoices(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    items = composition.invoice_service().list(principal, number)
    today = composition.clock().today()
    open_items = [i for i in items if i.status == InvoiceStatus.OPEN]
    return view.render(
        "invoices.html",
        open_invoices=open_items,
        paid_invoices=[i for i in items if i.status != InvoiceStatus.OPEN],
        open_total=sum((i.total for i in open_items), Decimal(0)),
        today=today,
    )


@app.get("/invoices/<invoice_number>")
@page
def invoice(view: Page, invoice_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    if invoice_number.endswith(".pdf") and invoice_number.removesuffix(".pdf").isdigit():
        # API Gateway returns binary only for matching Accept headers, which a
        # browser link does not send: hand out a short-lived S3 link instead,
        # after the same access check as every page.
        url = composition.invoice_service().pdf_link(principal, number, int(invoice_number.removesuffix(".pdf")))
        return view.redirect(url)
    if not invoice_number.isdigit():
        return view.render("error.html", 404, message=view.t("error.invoice_not_found"))
    item = composition.invoice_service().get(principal, number, int(invoice_number))
    return view.render("invoice.html", invoice=item, today=composition.clock().today())


@app.not_found
def not_found(_error: Exception) -> Response[str]:
    view = Page()
    return view.render("error.html", 404, message=view.t("error.not_found"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
