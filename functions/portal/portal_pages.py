"""Portal pages of the first slice: sign-in, start page, meters and readings, invoices."""

import contextlib
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import HERE, LANG_COOKIE_SECONDS, Page, cognito_username, page, signed_in
from portal_meter_settings import meter_page_extras, meters_list_extras

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden, RateLimited, Unauthorized, ValidationFailed
from heatportal.domain.model import LANGUAGES, InvoiceKind, InvoiceStatus
from heatportal.services.access import Principal
from heatportal.web import session as s
from heatportal.web.redirects import safe_next

router = Router()
# Documents issued this recently are "new" on the start page.
NEW_DOCUMENT_DAYS = 31


@router.get("/static/<name>")
def static(name: str) -> Response[str]:
    if name == "brand.css":
        color = composition.profile().branding.primary_color
        return Response(200, "text/css", f":root{{--brand:{color};}}\n", {"Cache-Control": "max-age=3600"})
    if name != "portal.css":
        return Response(404, "text/plain", "not found")
    return Response(
        200, "text/css", (HERE / "static" / "portal.css").read_text(encoding="utf-8"), {"Cache-Control": "max-age=3600"}
    )


@router.post("/language")
@page(router)
def switch_language(view: Page) -> Response[str]:
    """The language switcher (a POST, so no other site can change a person's
    stored choice). The CSRF token is checked by page() before this runs."""
    form = view.form()
    chosen = next((lang for lang in LANGUAGES if lang == form.get("lang")), None)
    if chosen is not None:
        view.principal()  # so a signed-in person's choice is stored on the user
        view.switch_language(chosen)
        view.remember_language()
    return view.redirect(safe_next(form.get("next")))


@router.get("/login")
@page(router)
def login_form(view: Page) -> Response[str]:
    return view.render("login.html", next=safe_next(view.query.get("next")), error=None, username="")


@router.post("/login")
@page(router)
def login(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)
    username = form.get("username", "").strip()
    try:
        # The same sign-in as the API: rate limits per username and per client
        # address, and the customer-number login where the profile allows it.
        tokens = composition.account_service().login(
            username, form.get("password", ""), view.client, composition.sign_in
        )
    except (Unauthorized, RateLimited) as error:
        status = 429 if isinstance(error, RateLimited) else 401
        return view.render(
            "login.html",
            status,
            next=safe_next(form.get("next")),
            error=view.t(f"error.{error.code}", **error.params),
            username=username,
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
    _use_stored_language(view, tokens.id_token)
    return view.redirect(safe_next(form.get("next")))


def _use_stored_language(view: Page, id_token: str) -> None:
    """Start in the language the person chose last time (stored on the Cognito
    user); someone who never chose keeps what this browser shows and has it stored."""
    claims = composition.jwt_verifier().verify(id_token)
    username = cognito_username(claims)
    if username is None:
        return
    stored = claims.get("locale") or composition.identity().locale_of(username)
    language = next((lang for lang in LANGUAGES if lang == stored), None)
    if language is not None:
        view.set_cookies.append(s.cookie(s.LANG_COOKIE, language, secure=view.secure, max_age=LANG_COOKIE_SECONDS))
    elif view.cookies.get(s.LANG_COOKIE) == view.lang:
        composition.identity().remember_locale(username, view.lang)


@router.post("/logout")
@page(router)
def logout(view: Page) -> Response[str]:
    principal = view.principal()  # who is signing out, from the (possibly refreshed) session
    if principal is not None:
        # ID tokens stay valid after GlobalSignOut: the API and the portal refuse older ones.
        composition.sessions().end_everywhere(principal.user_id)
    access_token = view.cookies.get(s.ACCESS_COOKIE)
    with contextlib.suppress(Unauthorized):  # already signed out elsewhere
        if view.username:
            composition.identity().sign_out_user(view.username)
        elif access_token:
            composition.identity().logout_everywhere(access_token)
    for name in (s.ID_COOKIE, s.ACCESS_COOKIE, s.REFRESH_COOKIE, s.CUSTOMER_COOKIE):
        view.set_cookies.append(s.expired(name, secure=view.secure))
    return view.redirect("/login")


@router.get("/accounts")
@page(router)
def accounts(view: Page) -> Response[str]:
    principal, current = signed_in(view)
    memberships = composition.access().customers_of(principal)
    repo = composition.repository()
    customers = [(m, repo.get_customer(m.customer_number)) for m in memberships]
    return view.render("accounts.html", customers=customers, current=current)


@router.post("/accounts")
@page(router)
def choose_account(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    chosen = form.get("customer", "")
    composition.access().require(principal, chosen, role_read(), companies="any")
    view.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, chosen, secure=view.secure))
    return view.redirect("/")


def role_read() -> Any:
    from heatportal.domain.model import Role

    return Role.READ


@router.get("/")
@page(router)
def start(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    customer = composition.repository().get_customer(number)
    meters = composition.reading_service().list_meters(principal, number)
    invoices_hidden = False
    try:
        invoices = composition.invoice_service().list(principal, number)
    except Forbidden:
        # A management company granted only some facilities sees no invoices
        # (they cover the whole customer): no balance rather than a wrong zero.
        invoices, invoices_hidden = [], True
    notice = composition.interruption_service().for_customer(principal, number)
    today = composition.clock().today()
    open_invoices = [i for i in invoices if i.status == InvoiceStatus.OPEN]
    advances = sorted((i for i in invoices if i.kind == InvoiceKind.ADVANCE), key=lambda i: i.issued_on)
    return view.render(
        "start.html",
        customer=customer,
        meters=meters,
        open_invoices=open_invoices,
        open_total=sum((i.total for i in open_invoices), Decimal(0)),
        overdue=[i for i in open_invoices if i.due_on < today],
        advance=advances[-1] if advances else None,
        new_documents=sorted(
            (i for i in invoices if i.pdf_key and (today - i.issued_on).days <= NEW_DOCUMENT_DAYS),
            key=lambda i: i.issued_on,
            reverse=True,
        ),
        interruptions=notice,
        invoices_hidden=invoices_hidden,
        several=len(view.memberships(principal)) > 1,
    )


@router.get("/meters")
@page(router)
def meters(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    overview = composition.reading_service().list_meters(principal, number)
    # One meter and nothing else to show: straight to it. A replaced meter stays
    # listed with its removal date; customer service gets the "add meter" form.
    if len(overview) == 1 and overview[0].meter.removed_on is None and not principal.is_staff:
        return view.redirect(f"/meters/{overview[0].meter.number}")
    return view.render("meters.html", meters=overview, **meters_list_extras(principal, number))


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
        "error_field": "value",
        "confirm": None,
    }
    # Corrections of these readings; for customer service the meter's settings too.
    context.update(meter_page_extras(principal, number, selected.meter, readings))
    context["settings_saved"] = view.query.get("settings_saved")
    context.update(extra)
    return view.render("meter.html", status, **context)


@router.get("/meters/<meter_number>")
@page(router)
def meter(view: Page, meter_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    return _meter_page(view, principal, number, meter_number, submitted=view.query.get("submitted"))


def register_values(form: dict[str, str]) -> tuple[dict[str, Decimal], str | None]:
    """Values of the secondary registers (inputs ``register_<name>``); an empty
    input is a register the person could not read. Returns the values and the
    name of the first one that is not a number."""
    values: dict[str, Decimal] = {}
    for key, raw in sorted(form.items()):
        name = key.removeprefix("register_")
        text = raw.strip().replace(" ", "").replace(",", ".")
        if name == key or not text:
            continue
        try:
            values[name] = Decimal(text)
        except InvalidOperation:
            return values, name
        if not values[name].is_finite():
            return values, name
    return values, None


def error_input(error: ValidationFailed) -> str:
    """The id of the input an error belongs to (``registers.volume`` -> ``register_volume``)."""
    field_name = str(error.fields[0].get("field", "value")) if error.fields else "value"
    if field_name.startswith("registers."):
        return "register_" + field_name.removeprefix("registers.")
    return "value"  # the main value and the date share the message under the value, as before


@router.post("/meters/<meter_number>/readings")
@page(router)
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
    registers, bad_register = register_values(form)
    if bad_register is not None:
        return _meter_page(
            view,
            principal,
            number,
            meter_number,
            422,
            form=form,
            error=view.t("error.register_not_a_number"),
            error_field=f"register_{bad_register}",
        )
    try:
        read_on = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        return _meter_page(
            view, principal, number, meter_number, 422, form=form, error=view.t("error.reading_bad_date")
        )
    try:
        composition.reading_service().submit(
            principal, number, meter_number, value, read_on, confirmed=form.get("confirm") == "yes", registers=registers
        )
    except ValidationFailed as error:
        message = view.t(f"error.{error.code}", **error.params)
        if error.code in ("reading_implausible", "register_implausible"):
            return _meter_page(view, principal, number, meter_number, 422, form=form, confirm=message)
        return _meter_page(
            view, principal, number, meter_number, 422, form=form, error=message, error_field=error_input(error)
        )
    except DomainError as error:
        return _meter_page(
            view, principal, number, meter_number, 422, form=form, error=view.t(f"error.{error.code}", **error.params)
        )
    return view.redirect(f"/meters/{meter_number}?submitted=1")


@router.get("/invoices/<invoice_number>")
@page(router)
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
