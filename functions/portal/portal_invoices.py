"""``/invoices``: the invoice list with filters and the open balance, an
invoice's page (``/invoices/<n>``: the whole bill in the reader's language,
how to pay it and why it differs from the last one) and its PDF
(``/invoices/<n>.pdf``, a short-lived link after the same access check).

Customer service also finds here, for the customer it looks at: the
correction of an invoice with a preview (``/invoices/<n>/correct``), the
drafts held by the compliance check, the bills a late reading made stale
(corrected on demand, ``/invoices/late-readings``) and the corrections made."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from markupsafe import Markup
from portal_core import Page, page, signed_in
from portal_forms import date_or_none, decimal_or_none

from heatportal import composition
from heatportal.documents.invoice_text import InvoiceText, invoice_text, render_note
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import InvoiceKind, Language, LineNote
from heatportal.services.access import Principal
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


def _invoice_filter(query: dict[str, str], lang: Language) -> InvoiceFilter:
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
        issued_from=date_or_none(query.get("issued_from", "")),
        issued_to=date_or_none(query.get("issued_to", "")),
        amount_min=decimal_or_none(query.get("amount_min", ""), lang),
        amount_max=decimal_or_none(query.get("amount_max", ""), lang),
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
        wanted = _invoice_filter(query, view.lang)
        found = composition.invoice_service().search(view.scope(principal, number, invoices=True), wanted)
    except ValidationFailed as refused:
        error = view.t(f"error.{refused.code}", **refused.params)
        found = composition.invoice_service().search(view.scope(principal, number, invoices=True), InvoiceFilter())
    rows = found.rows
    desk = _billing_desk(view, principal, number) if principal.is_staff else None
    return view.render(
        "invoices.html",
        desk=desk,
        open_rows=[r for r in rows if r.invoice.status.value == "open"],
        paid_rows=[r for r in rows if r.invoice.status.value != "open"],
        balance=found.balance,
        recent_months=found.recent_months_only,
        query=query,
        kinds=[k.value for k in InvoiceKind],
        error=error,
    )


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
        scope = view.scope(principal, number, invoices=True)
        url = composition.invoice_service().pdf_link(scope, int(invoice_number.removesuffix(".pdf")))
        return view.redirect(url)
    if not invoice_number.isdigit():
        return view.render("error.html", 404, message=view.t("error.invoice_not_found"))
    scope = view.scope(principal, number, invoices=True)
    item = composition.invoice_service().get(scope, int(invoice_number))
    customer = scope.record.customer
    if customer is None:  # pragma: no cover - a scope without its customer
        return view.render("no_customer.html")
    shown = item.model_copy(update={"language": view.lang})  # the page speaks the reader's language
    doc = invoice_text(shown, customer, composition.profile())
    return view.render(
        "invoice.html",
        invoice=item,
        doc=doc,
        qr_svg=_qr_svg(doc),
        differences=composition.bill_explainer().explain(scope, item.number),
        staff=principal.is_staff,
        today=composition.clock().today(),
    )


def _qr_svg(doc: InvoiceText) -> Markup | None:
    """The EPC QR code (GiroCode) of a SEPA credit transfer, as inline SVG."""
    qr = doc.payment.qr
    if qr is None:
        return None
    import segno.helpers

    code = segno.helpers.make_epc_qr(
        name=qr.name[:70], iban=qr.iban, amount=qr.amount, text=qr.text[:140], bic=qr.bic or None
    )
    # segno draws only squares (one SVG path) from the payload: no text of anyone's is in it.
    return Markup(code.svg_inline(scale=4, border=4))  # noqa: S704 - the SVG holds no text


def _billing_desk(view: Page, principal: Principal, number: str) -> dict[str, object]:
    corrections = composition.corrections()
    lang, currency = view.lang, composition.profile().currency
    held = [
        (h, [render_note(LineNote(key=r.key, params=r.params), lang, currency) for r in h.reasons])
        for h in corrections.held(principal, number)
    ]
    return {
        "held": held,
        "late": corrections.preview_late_readings(principal, number),
        "history": corrections.history(principal, number),
    }


@router.post("/invoices/late-readings")
@page(router)
def correct_late_readings(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number)
    composition.corrections().require_staff(principal)
    if scope.record.customer is not None:
        composition.corrections().correct_late_readings(scope.record.customer, by=principal.email)
    return view.redirect("/invoices")


@router.get("/invoices/<invoice_number>/correct")
@page(router)
def correction_form(view: Page, invoice_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    if not invoice_number.isdigit():
        return view.render("error.html", 404, message=view.t("error.invoice_not_found"))
    reason = (view.query.get("reason") or "").strip()
    scope = view.scope(principal, number, invoices=True)
    item = composition.invoice_service().get(scope, int(invoice_number))
    composition.corrections().require_staff(principal)
    preview, error = None, None
    if reason:
        try:
            preview = composition.corrections().preview(principal, number, item.number, reason)
        except DomainError as refused:
            error = view.t(f"error.{refused.code}", **refused.params)
    return view.render("invoice_correct.html", invoice=item, reason=reason, preview=preview, error=error)


@router.post("/invoices/<invoice_number>/correct")
@page(router)
def correct(view: Page, invoice_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    if not invoice_number.isdigit():
        return view.render("error.html", 404, message=view.t("error.invoice_not_found"))
    scope = view.scope(principal, number, invoices=True)
    item = composition.invoice_service().get(scope, int(invoice_number))
    reason = form.get("reason", "")
    try:
        result = composition.corrections().correct(principal, number, item.number, reason)
    except ValidationFailed as refused:
        message = view.t(f"error.{refused.code}", **refused.params)
        return view.render("invoice_correct.html", 422, invoice=item, reason=reason, preview=None, error=message)
    return view.redirect(f"/invoices/{result.corrected.number}")
