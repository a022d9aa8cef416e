"""``/invoices``: the invoice list with filters and the open balance, an
invoice's page (``/invoices/<n>``) and its PDF (``/invoices/<n>.pdf``, a
short-lived link after the same access check)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import date_or_none, decimal_or_none

from heatportal import composition
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import InvoiceKind, Language
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
    item = composition.invoice_service().get(view.scope(principal, number, invoices=True), int(invoice_number))
    return view.render("invoice.html", invoice=item, today=composition.clock().today())
