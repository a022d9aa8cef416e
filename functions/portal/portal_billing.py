"""Portal pages for the money side: invoices with filters and open balance,
trial settlement (prøveavregning), economy overview with forecast and cost
estimate PDF, advance payment (voorschot, Abschlag)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import InvoiceKind
from heatportal.domain.profile import BillingMode
from heatportal.services.invoices import InvoiceFilter

router = Router()

FILTER_FIELDS = (
    "number",
    "measuring_point",
    "property_name",
    "address",
    "status",
    "kind",
    "issued_from",
    "issued_to",
    "amount_min",
    "amount_max",
)


def _decimal(text: str) -> Decimal | None:
    text = text.strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ValidationFailed("Not a number.", code="validation_failed") from error
    if not value.is_finite():
        raise ValidationFailed("Not a number.", code="validation_failed")
    return value


def _date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValidationFailed("Not a date.", code="validation_failed") from error


def _invoice_filter(query: dict[str, str]) -> InvoiceFilter:
    number = query.get("number", "").strip()
    status = query.get("status", "")
    kind = query.get("kind", "")
    return InvoiceFilter(
        number=int(number) if number.isdigit() and 0 < int(number) < 10**12 else None,
        measuring_point=query.get("measuring_point", "").strip()[:40] or None,
        property_name=query.get("property_name", "").strip()[:100] or None,
        address=query.get("address", "").strip()[:100] or None,
        status=status if status in ("paid", "unpaid") else None,  # type: ignore[arg-type]  # narrowed by the check
        kind=InvoiceKind(kind) if kind in {k.value for k in InvoiceKind} else None,
        issued_from=_date(query.get("issued_from", "")),
        issued_to=_date(query.get("issued_to", "")),
        amount_min=_decimal(query.get("amount_min", "")),
        amount_max=_decimal(query.get("amount_max", "")),
    )


@router.get("/invoices")
@page(router)
def invoices(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    query = {k: view.query.get(k, "") or "" for k in FILTER_FIELDS}
    error = None
    try:
        wanted = _invoice_filter(query)
        found = composition.invoice_service().search(view.scope(principal, number, invoices=True), wanted)
    except ValidationFailed as refused:
        error = view.t(f"error.{refused.code}", **refused.params)
        found = composition.invoice_service().search(view.scope(principal, number, invoices=True), InvoiceFilter())
    rows = found.rows
    return view.render(
        "invoices.html",
        open_rows=[r for r in rows if r.invoice.status.value == "open"],
        paid_rows=[r for r in rows if r.invoice.status.value != "open"],
        balance=found.balance,
        recent_months=found.recent_months_only,
        query=query,
        kinds=[k.value for k in InvoiceKind],
        error=error,
    )


# --- trial settlement --------------------------------------------------------------------


def _trial_page(
    view: Page, number: str, readings: dict[str, Decimal], status: int = 200, **extra: Any
) -> Response[str]:
    principal, _ = signed_in(view)
    trial = composition.trial_settlement_service().trial(view.scope(principal, number), readings)
    return view.render("billing_trial.html", status, trial=trial, **extra)


@router.get("/trial-settlement")
@page(router)
def trial_settlement(view: Page) -> Response[str]:
    _, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    return _trial_page(view, number, {})


@router.post("/trial-settlement")
@page(router)
def trial_settlement_entered(view: Page) -> Response[str]:
    _, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    entered: dict[str, Decimal] = {}
    try:
        for key, value in form.items():
            if key.startswith("reading-") and value.strip():
                parsed = _decimal(value)
                if parsed is not None:
                    entered[key.removeprefix("reading-")] = parsed
        return _trial_page(view, number, entered, entered=entered)
    except (ValidationFailed, DomainError) as error:
        message = view.t(f"error.{error.code}", **error.params)
        return _trial_page(view, number, {}, 422, error=message, entered=entered)


# --- economy overview ---------------------------------------------------------------------


@router.get("/economy")
@page(router)
def economy(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    overview = composition.forecast_service().overview(view.scope(principal, number, invoices=True))
    peak = max((m.high for m in overview.months), default=Decimal(0))
    return view.render("billing_economy.html", overview=overview, peak=peak)


@router.get("/economy.pdf")
def economy_pdf() -> Response[bytes]:
    view = Page(router.current_event)
    principal, number = signed_in_or_none(view)
    if principal is None or number is None:
        return Response(302, "text/plain", b"", {"Location": "/login?next=/economy"})
    estimate = composition.estimate_pdf_service().pdf(view.scope(principal, number, invoices=True), view.lang)
    headers = {
        **view.security_headers(),
        "Content-Disposition": f'inline; filename="{estimate.filename}"',
        "Cache-Control": "no-store",
    }
    return Response(200, "application/pdf", estimate.body, headers)


def signed_in_or_none(view: Page) -> tuple[Any, str | None]:
    principal = view.principal()
    if principal is None:
        return None, None
    return principal, view.customer_number(principal)


# --- advance payment -----------------------------------------------------------------------


def _advance_page(view: Page, number: str, status: int = 200, **extra: Any) -> Response[str]:
    principal, _ = signed_in(view)
    overview = composition.advance_service().overview(view.scope(principal, number))
    return view.render("billing_advance.html", status, advance=overview, **extra)


@router.get("/advance")
@page(router)
def advance(view: Page) -> Response[str]:
    _, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    if composition.profile().billing_mode != BillingMode.ADVANCE_YEARLY:
        return view.render("error.html", 404, message=view.t("error.advance_not_used"))
    try:
        changed = _date(view.query.get("changed") or "")
    except ValidationFailed:
        changed = None
    return _advance_page(view, number, changed=changed)


@router.post("/advance")
@page(router)
def change_advance(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    try:
        amount = _decimal(form.get("amount", ""))
        desired = _date(form.get("desired_from", ""))
        if amount is None or desired is None or amount <= 0:
            raise ValidationFailed("Amount and date are required.", code="validation_failed")
        scope = view.scope(principal, number)
        changed, _ = composition.advance_service().change(scope, amount, desired, form.get("comment", ""))
    except DomainError as error:
        message = view.t(f"error.{error.code}", **error.params)  # Decimals come out as "167,26" in Dutch
        return _advance_page(view, number, 422, error=message, form=form)
    return view.redirect(f"/advance?changed={changed.valid_from.isoformat()}")
