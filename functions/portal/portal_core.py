"""What every portal page shares: the request view (language, cookies, CSRF,
session), rendering with security headers, and error pages."""

import base64
import contextlib
import email.parser
import email.policy
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote
from zoneinfo import ZoneInfo

import portal_layout as layout
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from jinja2 import Environment, FileSystemLoader, select_autoescape

from heatportal import composition
from heatportal.domain.contact import hidden_character, text_invalid
from heatportal.domain.errors import DomainError, Forbidden, Unauthorized, ValidationFailed
from heatportal.domain.model import LANGUAGES, Customer, Invoice, Language, Membership, Meter, MeterKind
from heatportal.i18n import (
    format_date,
    format_date_range,
    format_input,
    format_money,
    format_month,
    format_number,
    format_quantity,
    language_name,
    translate,
    unit_symbol,
)
from heatportal.services.access import Links, PersonLinks, Principal, Scope
from heatportal.services.alerts.inbox import unread_of
from heatportal.services.portfolio.scope import Portfolio
from heatportal.services.sessions import revoked_by
from heatportal.web import session as s
from heatportal.web.api import language_of, status_of
from heatportal.web.scope import scope_of

HERE = Path(__file__).parent
LANG_COOKIE_SECONDS = 365 * 24 * 3600
# The customer a person with several chose last, offered first in the chooser.
LAST_CUSTOMER_COOKIE = "hp_last_cust"
LAST_CUSTOMER_SECONDS = 365 * 24 * 3600
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
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


# Texts with a variant per country of the utility (``<key>.NO``, ``.SE``, ``.NL``,
# ``.DE``) in every language: a Dutch KvK number is no "USt-IdNr." in German.
BY_COUNTRY = frozenset({"company.field.org_number", "company.field.customer_org_number", "error.org_number_invalid"})


class Page:
    """Request-scoped view of the session: language, cookies, principal."""

    def __init__(self, event: BaseProxyEvent) -> None:
        self.event = event
        self.headers: dict[str, str] = dict(event.headers or {})
        self.cookies = s.parse_cookies(self.headers)
        self.secure = s.is_https(self.headers)
        self.set_cookies: list[Any] = []
        self.query = dict(event.query_string_parameters or {})
        profile = composition.profile()
        wanted = self.query.get("lang") or self.cookies.get(s.LANG_COOKIE)
        chosen = next((lang for lang in LANGUAGES if lang == wanted), None)
        self.lang: Language = chosen or language_of(self.headers, default=profile.default_language)
        # ``?lang=`` (a link, e.g. from an email) switches this browser only; storing
        # the choice on the user takes the switcher's CSRF-checked POST (switch_language).
        self.lang_switched = False
        if chosen and self.query.get("lang"):
            self.set_cookies.append(s.cookie(s.LANG_COOKIE, chosen, secure=self.secure, max_age=LANG_COOKIE_SECONDS))
        nonce = self.cookies.get(s.CSRF_COOKIE) or ""
        if not nonce:
            nonce = s.new_csrf_token()
            self.set_cookies.append(s.cookie(s.CSRF_COOKIE, nonce, secure=self.secure))
        # The forms' token, bound to this session (web.session.csrf_token).
        self.csrf = s.csrf_token({**self.cookies, s.CSRF_COOKIE: nonce})
        self._principal: Principal | None = None
        self._username: str | None = None
        self._links: Links | None = None
        self._person: PersonLinks | None = None
        self._scopes: dict[str, Scope] = {}
        self._portfolio: Portfolio | None = None

    # --- forms -----------------------------------------------------------------
    def _body(self) -> str:
        """The form body; one that is not text (binary, wrong encoding) is an
        empty form, so the CSRF check refuses it instead of a 500."""
        try:
            return self.event.decoded_body or ""
        except (UnicodeDecodeError, ValueError):
            return ""

    def raw_body(self) -> bytes:
        """The request body as bytes (a file upload arrives base64-encoded)."""
        body = self.event.body or ""
        if self.event.is_base64_encoded:
            try:
                return base64.b64decode(body)
            except ValueError:
                return b""
        return body.encode()

    def _multipart(self) -> tuple[dict[str, list[str]], dict[str, tuple[str, bytes]]]:
        """A multipart form's text fields and files (a file upload form)."""
        content_type = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        if not content_type.lower().startswith("multipart/form-data"):
            return {}, {}
        raw = b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + self.raw_body()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        fields: dict[str, list[str]] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if not message.is_multipart():
            return fields, files
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (filename, payload)
            else:
                fields.setdefault(name, []).append(payload.decode("utf-8", errors="replace"))
        return fields, files

    def files(self) -> dict[str, tuple[str, bytes]]:
        """The files of a multipart form: field name -> (file name, bytes)."""
        return self._multipart()[1]

    def _fields(self, keep_blank_values: bool) -> dict[str, list[str]]:
        """The form's fields; one with a control or bidi character (other than
        a textarea's line breaks) is refused for every form at once (text_invalid)."""
        multipart, _files = self._multipart()
        fields = multipart or parse_qs(self._body(), keep_blank_values=keep_blank_values)
        for name, values in fields.items():
            if any(hidden_character(text, multiline=True) is not None for text in (name, *values)):
                raise text_invalid(name)
        return fields

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in self._fields(keep_blank_values=True).items()}

    def form_list(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes)."""
        return self._fields(keep_blank_values=False).get(name, [])

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
                claims = verifier.verify(token)
                principal = Principal.from_claims(claims)
                # The sign-out record comes with the person's links, in one read.
                person = composition.access().person(principal)
                if revoked_by(claims, person.signed_out_at_ms):
                    raise Unauthorized("Signed out on another device.", code="session_expired")
                self._person = person
                self._principal = principal
                self._username = cognito_username(claims)
                return self._principal
            except Unauthorized:
                pass
        refresh = self.cookies.get(s.REFRESH_COOKIE)
        if refresh:
            try:
                tokens = composition.identity().refresh(refresh)
                claims = verifier.verify(tokens.id_token)
                self._principal = Principal.from_claims(claims)
                self._username = cognito_username(claims)
                self.set_cookies.append(s.cookie(s.ID_COOKIE, tokens.id_token, secure=self.secure))
                self.set_cookies.append(s.cookie(s.ACCESS_COOKIE, tokens.access_token, secure=self.secure))
                return self._principal
            except Unauthorized:
                return None
        return None

    @property
    def client(self) -> str:
        """The caller's address as API Gateway saw it (never a header the client sends)."""
        identity = (self.event.raw_event.get("requestContext") or {}).get("identity") or {}
        return str(identity.get("sourceIp") or "unknown")

    @property
    def username(self) -> str | None:
        """The Cognito user name of the signed-in person (after ``principal()``)."""
        return self._username

    def links(self, principal: Principal) -> Links:
        """The person's customer relationships and organisations, read once per request."""
        if self._links is None:
            self._links = composition.access().links_of(principal, self._person)
        return self._links

    def memberships(self, principal: Principal) -> list[Membership]:
        """The customers the person may choose (own first, then through a company)."""
        return self.links(principal).customers

    def scope(self, principal: Principal, number: str, *, invoices: bool = False, audit: bool = False) -> Scope:
        """The person's scope on the customer, decided once per request: one read
        of the customer's record (with its invoices or audit trail when the page
        shows them). Forbidden when the person may see nothing of the customer."""
        known = self._scopes.get(number)
        if known is None or (invoices and known.record.invoices is None) or (audit and known.record.audit is None):
            known = scope_of(
                principal, number, invoices=invoices, audit=audit, organisations=self.links(principal).organisations
            )
            self._scopes[number] = known
        return known

    def portfolio(self, principal: Principal) -> Portfolio:
        """Every facility the person may see across their customers, decided once
        per request from their links (read once) and the customers' directories;
        customer service sees the customer it opened."""
        if self._portfolio is None:
            staff_customer = self.customer_number(principal) if principal.is_staff else None
            self._portfolio = composition.portfolio_access().portfolio(
                principal, links=self.links(principal), staff_customer=staff_customer
            )
        return self._portfolio

    def customer_number(self, principal: Principal) -> str | None:
        """The customer the person is looking at; checked against memberships."""
        chosen = self.chosen_customer(principal)
        if chosen is not None:
            return chosen
        numbers = [m.customer_number for m in self.memberships(principal)]
        return numbers[0] if numbers else None

    def chosen_customer(self, principal: Principal) -> str | None:
        """The customer the person chose in this session (the chooser, customer
        service's search, a company's customer list), if they may see it."""
        chosen = self.cookies.get(s.CUSTOMER_COOKIE)
        if not chosen:
            return None
        if principal.is_staff or any(m.customer_number == chosen for m in self.memberships(principal)):
            return chosen
        return None

    def choose_customer(self, number: str) -> None:
        """Look at this customer from now on in this session, and remember it as
        the last one chosen (the chooser offers it first next time)."""
        self.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, number, secure=self.secure))
        self.set_cookies.append(
            s.cookie(LAST_CUSTOMER_COOKIE, number, secure=self.secure, max_age=LAST_CUSTOMER_SECONDS)
        )

    def leave_customer(self) -> None:
        self.set_cookies.append(s.expired(s.CUSTOMER_COOKIE, secure=self.secure))

    def sees_whole_customer(self, principal: Principal, number: str) -> bool:
        """False only for a management company granted some of the customer's
        facilities: its nav leaves out what covers the whole customer (invoices,
        economy, trial settlement, advance). Own people and staff: no lookup."""
        membership = next((m for m in self.memberships(principal) if m.customer_number == number), None)
        if membership is None or membership.via_org is None:
            return True
        try:
            self.scope(principal, number).require(membership.role, companies="whole")
        except Forbidden:
            return False
        return True

    # --- rendering -------------------------------------------------------------------
    def t(self, key: str, **params: Any) -> str:
        if key in BY_COUNTRY:  # named as the utility's country names it (KvK, USt-IdNr., ...)
            key = f"{key}.{composition.profile().country}"
        return translate(key, self.lang, **params)

    def page_help(self, key: str, billing_mode: str) -> str | None:
        """The page's "On this page" text, in the utility's variant where it has
        one (``page_help.start.monthly_arrears``: no advances where the utility
        bills in arrears); None for a page without one (the help page itself)."""
        if key == "help":
            return None
        for candidate in (f"page_help.{key}.{billing_mode}", f"page_help.{key}"):
            text = self.t(candidate)
            if text != candidate:
                return text
        return self.t("page_help.generic")

    def switch_language(self, lang: Language) -> None:
        """The person picked a language in the switcher: this browser keeps it,
        and when signed in it is stored on the user (see remember_language)."""
        self.lang = lang
        self.lang_switched = True
        self.set_cookies.append(s.cookie(s.LANG_COOKIE, lang, secure=self.secure, max_age=LANG_COOKIE_SECONDS))

    def remember_language(self) -> None:
        """A language picked while signed in is stored on the Cognito user, so
        the next sign-in (on any device) starts in it."""
        if self.lang_switched and self._username:
            with contextlib.suppress(Unauthorized):  # the user was deleted meanwhile: only the cookie remains
                composition.identity().remember_locale(self._username, self.lang)
            self.lang_switched = False

    def render(self, template: str, status: int = 200, **context: Any) -> Response[str]:
        self.remember_language()
        profile = composition.profile()
        lang = self.lang
        if self._principal is not None and "frame" not in context:
            context["frame"] = self._frame(self._principal, context)
        if "unread" not in context and self._principal is not None:
            context["unread"] = self._unread(self._principal)
        help_key = layout.help_key(self.event.path)
        html = _env.get_template(template).render(
            page_help=self.page_help(help_key, profile.billing_mode.value),
            t=self.t,
            lang=lang,
            languages=[(code, language_name(code)) for code in LANGUAGES],
            profile=profile,
            brand=profile.branding,
            csrf=self.csrf,
            path=self.event.path,
            money=lambda amount, currency=profile.currency: format_money(amount, currency, lang),
            # A unit price: its currency, at least the currency's decimals and at most four.
            price=lambda amount, currency=profile.currency: format_money(amount, currency, lang, max_decimals=4),
            number=lambda value, decimals=None: format_number(value, lang, decimals),
            # A number filled into a form field, in the language's notation (read back by parse_number).
            input_number=lambda value, decimals=None: format_input(value, lang, decimals),
            quantity=lambda value, unit, decimals=None: format_quantity(value, unit, lang, decimals),
            # A register's value always with the register's own number of decimals (m³, kWh, ...).
            reading=lambda value, register: format_quantity(value, register.unit.value, lang, register.decimals),
            unit_label=lambda unit: unit_symbol(unit, lang),
            day=lambda d: format_date(d, lang),
            month=lambda p: format_month(p.start, lang),
            supplied=lambda invoice: supplied(invoice, lang),
            moment=lambda dt: format_moment(dt, lang, profile.timezone),
            **context,
        )
        headers = self.security_headers()
        headers["Content-Language"] = lang
        return Response(status, "text/html; charset=utf-8", html, headers, cookies=self.set_cookies)

    def _frame(self, principal: Principal, context: dict[str, Any]) -> layout.Frame:
        """The menu, the customer in the header and customer service's banner
        (customer service's own pages name no customer: no read for it)."""
        path = self.event.path
        staff_page = principal.is_staff and layout.staff_page(path)
        if "customer" in context:  # the page names its customer (None: a page about no customer)
            customer = context["customer"]
        else:
            customer = None if staff_page else self._current_customer(principal)
            context["customer"] = customer
        number = customer.number if customer is not None else None
        whole = context.get("whole_customer")
        if whole is None:
            whole = number is None or self.sees_whole_customer(principal, number)
        return layout.frame(
            composition.profile(),
            principal,
            self.links(principal),
            path,
            customer,
            whole_customer=bool(whole),
            chosen=self.chosen_customer(principal),
        )

    def _unread(self, principal: Principal) -> int | None:
        """The header's count of new notifications, from the record the page
        read already (None on a page without it: no request for the count)."""
        number = self.customer_number(principal)
        known = self._scopes.get(number) if number is not None else None
        return unread_of(known) if known is not None else None

    def _current_customer(self, principal: Principal) -> Customer | None:
        """The customer the nav names: from the page's scope when it has one (no read)."""
        number = self.customer_number(principal)
        if number is None:
            return None
        known = self._scopes.get(number)
        if known is not None:
            return known.record.customer
        return composition.repository().get_customer(number)

    def redirect(self, location: str) -> Response[str]:
        self.remember_language()
        return Response(
            303, "text/plain", "", {"Location": location, **self.security_headers()}, cookies=self.set_cookies
        )

    def security_headers(self) -> dict[str, Any]:
        headers: dict[str, Any] = dict(SECURITY_HEADERS)
        if self.secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return headers


def format_moment(moment: datetime, lang: Language, timezone: str) -> str:
    """Date and time of day in the utility's time zone: ``2. des. 2026, 08:00``."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{format_date(local.date(), lang)}, {local:%H:%M}"


def page(router: Router) -> Callable[[Callable[..., Response[str]]], Callable[..., Response[str]]]:
    """Give a page handler its request view; render domain errors as a page in
    the person's language, never a 500."""

    def decorate(handler: Callable[..., Response[str]]) -> Callable[..., Response[str]]:
        return _wrap(router, handler)

    return decorate


def _wrap(router: Router, handler: Callable[..., Response[str]]) -> Callable[..., Response[str]]:
    def wrapped(*args: Any, **kwargs: Any) -> Response[str]:
        view = Page(router.current_event)
        try:
            if view.event.http_method.upper() in STATE_CHANGING and not s.csrf_valid(
                view.cookies, view.form().get("csrf")
            ):
                # Checked here for every state-changing request, before any handler
                # runs, so a new POST route cannot forget it.
                return view.render("error.html", 403, message=view.t("error.csrf_failed"))
            return handler(view, *args, **kwargs)
        except Unauthorized:
            return view.redirect(f"/login?next={quote(view.event.path)}")
        except Forbidden as error:
            return view.render("error.html", 403, message=view.t(f"error.{error.code}"))
        except DomainError as error:
            message = view.t(f"error.{error.code}", **error.params)
            return view.render("error.html", status_of(error), message=message)

    wrapped.__name__ = handler.__name__
    return wrapped


def cognito_username(claims: dict[str, Any]) -> str | None:
    """The name for Cognito's admin calls: the pool signs in by e-mail, which
    Cognito accepts as the user name (moto matches tokens only by the name
    given at sign-in, which is the e-mail too)."""
    value = claims.get("email") or claims.get("cognito:username")
    return str(value) if value else None


def supplied(invoice: Invoice, lang: Language) -> str:
    """The days an invoice covers, as a list shows them: its month when it
    covers exactly the month (most do), else the dates (a final invoice from the
    last settlement to the moving day, a settlement's year)."""
    first, last = invoice.supply_first_day, invoice.supply_last_day
    if first == invoice.period.start and last == invoice.period.end - timedelta(days=1):
        return format_month(invoice.period.start, lang)
    return format_date_range(first, last, lang)


def signed_in(view: Page) -> tuple[Principal, str | None]:
    principal = view.principal()
    if principal is None:
        raise Unauthorized("Please log in.", code="unauthorized")
    return principal, view.customer_number(principal)


def meters_in_use(scope: Scope) -> list[Meter]:
    """The customer's meters in use, heat first, then hot tap water and the rest
    (the order of the switch "heat / hot tap water")."""
    in_use = [m for m in scope.record.meters if m.removed_on is None]
    return sorted(in_use, key=lambda m: (list(MeterKind).index(m.kind), m.number))


def signed_in_scope(view: Page, *, invoices: bool = False) -> Scope | None:
    """The signed-in person's scope on the customer they are looking at (None:
    they have none to look at), decided once for the request."""
    principal, number = signed_in(view)
    return view.scope(principal, number, invoices=invoices) if number is not None else None


# --- pages -------------------------------------------------------------------------
