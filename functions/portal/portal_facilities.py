"""``/facilities``: every facility the person may see, across their customers
(searched, filtered, a page at a time; select some or all and save them as a
named group), a facility's page (``/facilities/<id>``: meters and readings,
figures, contract and invoices, operating protocols, district heating and
cooling reports), and the portfolio's invoices (``/facilities/invoices``,
seed 004's filter and its rule for more than 20 facilities)."""

from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_analysis import download
from portal_core import Page, page, signed_in
from portal_forms import date_or_none, decimal_or_none

from heatportal import composition
from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.model import Language
from heatportal.domain.portfolio import SUPPLIES
from heatportal.services.portfolio.facilities import FacilityQuery
from heatportal.services.portfolio.invoices import PortfolioInvoiceFilter
from heatportal.services.portfolio.scope import Portfolio
from heatportal.web import session as s

router = Router()

LIST_FIELDS = ("text", "supply", "status", "group")


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < 100_000 else default


def _query(view: Page) -> FacilityQuery:
    supply = view.query.get("supply")
    status = view.query.get("status")
    return FacilityQuery(
        text=(view.query.get("text") or "").strip()[:100],
        supply=supply if supply in SUPPLIES else None,  # type: ignore[arg-type]  # narrowed by the check
        status=status if status in ("attention", "ok") else None,  # type: ignore[arg-type]  # narrowed by the check
        group=view.query.get("group") or None,
        page=_int(view.query.get("page"), 1),
        size=_int(view.query.get("size"), 25),
    )


@router.get("/facilities")
@page(router)
def facilities(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    if len(portfolio.facilities) == 1 and not view.query:
        # Seed 004: a person with one facility sees it at once.
        return view.redirect(f"/facilities/{portfolio.facilities[0].id}")
    return _list(view, portfolio)


def _list(view: Page, portfolio: Portfolio, *, error: str | None = None, status: int = 200) -> Response[str]:
    service = composition.facility_service()
    settings = service.settings(portfolio)
    query = _query(view)
    try:
        found = service.search(portfolio, settings, query)
    except NotFound:
        found = service.search(portfolio, settings, FacilityQuery())
    filters = {k: view.query.get(k, "") for k in LIST_FIELDS if view.query.get(k)}
    if found.group is None:
        filters.pop("group", None)
    return view.render(
        "facilities.html",
        status=status,
        found=found,
        groups=settings.groups,
        filters=filters,
        today=composition.clock().today(),
        page_link=lambda number: "/facilities?" + urlencode({**filters, "page": number}),
        error=error,
        portfolio=portfolio,
        notice=view.t("facilities.saved")
        if view.query.get("saved")
        else view.t("facilities.deleted")
        if view.query.get("deleted")
        else None,
    )


@router.post("/facilities/groups")
@page(router)
def create_group(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    form = view.form()
    chosen = view.form_list("facility")
    if form.get("all") == "1":
        # "Select all": every facility the list's filters found (all pages).
        chosen = [i for i in form.get("all_ids", "").split(",") if i]
    service = composition.facility_service()
    try:
        group = service.create_group(portfolio, service.settings(portfolio), form.get("name", ""), chosen)
    except ValidationFailed as refused:
        return _list(view, portfolio, error=view.t(f"error.{refused.code}", **refused.params), status=400)
    return view.redirect(f"/facilities?group={group.id}&saved=1")


@router.post("/facilities/groups/<group_id>")
@page(router)
def change_group(view: Page, group_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    form = view.form()
    service = composition.facility_service()
    settings = service.settings(portfolio)
    if form.get("action") == "delete":
        service.delete_group(settings, group_id)
        return view.redirect("/facilities?deleted=1")
    try:
        service.update_group(portfolio, settings, group_id, name=form.get("name", ""))
    except ValidationFailed as refused:
        return _list(view, portfolio, error=view.t(f"error.{refused.code}", **refused.params), status=400)
    return view.redirect(f"/facilities?group={group_id}&saved=1")


# --- the portfolio's invoices ---------------------------------------------------------------------

INVOICE_FIELDS = (
    "number",
    "measuring_point",
    "property_name",
    "address",
    "status",
    "issued_from",
    "issued_to",
    "amount_min",
    "amount_max",
    "facility",
)


def _invoice_filter(query: dict[str, str], lang: Language) -> PortfolioInvoiceFilter:
    number = query.get("number", "").strip()
    status = query.get("status", "")
    return PortfolioInvoiceFilter(
        number=int(number) if number.isdigit() and 0 < int(number) < 10**12 else None,
        measuring_point=query.get("measuring_point", "").strip()[:40] or None,
        property_name=query.get("property_name", "").strip()[:100] or None,
        address=query.get("address", "").strip()[:100] or None,
        status=status if status in ("paid", "unpaid") else None,  # type: ignore[arg-type]  # narrowed by the check
        issued_from=date_or_none(query.get("issued_from", "")),
        issued_to=date_or_none(query.get("issued_to", "")),
        amount_min=decimal_or_none(query.get("amount_min", ""), lang),
        amount_max=decimal_or_none(query.get("amount_max", ""), lang),
        facility=query.get("facility", "").strip()[:40] or None,
    )


@router.get("/facilities/invoices")
@page(router)
def invoices(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    query = {k: view.query.get(k, "") or "" for k in INVOICE_FIELDS}
    service = composition.portfolio_invoice_service()
    error = None
    try:
        found = service.search(portfolio, _invoice_filter(query, view.lang))
    except ValidationFailed as refused:
        error = view.t(f"error.{refused.code}", **refused.params)
        found = service.search(portfolio, PortfolioInvoiceFilter())
    return view.render("facilities_invoices.html", found=found, query=query, error=error, portfolio=portfolio)


@router.get("/facilities/invoices/export")
@page(router)
def invoices_export(view: Page) -> Response[Any]:
    from heatportal.documents.portfolio_export import CSV, XLSX, csv_bytes, invoices_csv, invoices_workbook

    principal, _ = signed_in(view)
    query = {k: view.query.get(k, "") or "" for k in INVOICE_FIELDS}
    found = composition.portfolio_invoice_service().search(view.portfolio(principal), _invoice_filter(query, view.lang))
    if view.query.get("format") == "csv":
        return download(view, "invoices.csv", CSV, csv_bytes(invoices_csv(found, view.lang)))
    return download(view, "invoices.xlsx", XLSX, invoices_workbook(found, view.lang))


@router.get("/facilities/invoices/<customer>/<number>")
@page(router)
def invoice(view: Page, customer: str, number: str) -> Response[str]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    service = composition.portfolio_invoice_service()
    if number.endswith(".pdf") and number.removesuffix(".pdf").isdigit():
        return view.redirect(service.pdf_link(portfolio, customer, int(number.removesuffix(".pdf"))))
    if not number.isdigit():
        return view.render("error.html", 404, message=view.t("error.invoice_not_found"))
    row = service.invoice(portfolio, customer, int(number))
    names = {f.id: f.facility.name for f in portfolio.facilities}
    return view.render("facility_invoice.html", row=row, names=names, today=composition.clock().today())


# --- a facility ----------------------------------------------------------------------------------


@router.get("/facilities/<facility_id>")
@page(router)
def facility(view: Page, facility_id: str) -> Response[str]:
    principal, current = signed_in(view)
    portfolio = view.portfolio(principal)
    found = composition.facility_service().page(portfolio, facility_id)
    if found.facility.customer_number != current and not principal.is_staff:
        # The facility's own links (meters, readings, invoices, contract) are the
        # pages of its customer: look at that customer from here on.
        view.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, found.facility.customer_number, secure=view.secure))
    return view.render(
        "facility.html",
        found=found,
        staff=principal.is_staff,
        today=composition.clock().today(),
        several=len(portfolio.facilities) > 1,
    )


@router.get("/facilities/<facility_id>/report.pdf")
@page(router)
def report(view: Page, facility_id: str) -> Response[Any]:
    principal, _ = signed_in(view)
    supply = view.query.get("supply")
    chosen = supply if supply in SUPPLIES else "heating"
    filename, body = composition.facility_report(view.portfolio(principal), facility_id, chosen, view.lang)  # type: ignore[arg-type]  # one of SUPPLIES
    return download(view, filename, "application/pdf", body)


@router.get("/facilities/<facility_id>/protocols/<protocol_id>")
@page(router)
def protocol(view: Page, facility_id: str, protocol_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    url = composition.protocol_service().link(view.portfolio(principal), facility_id, protocol_id.removesuffix(".pdf"))
    return view.redirect(url)


@router.post("/facilities/<facility_id>/protocols")
@page(router)
def upload_protocol(view: Page, facility_id: str) -> Response[str]:
    """Customer service uploads a protocol (a multipart form with the PDF)."""
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    found = portfolio.facility(facility_id)
    form = view.form()
    filename, content = view.files().get("file", ("protocol.pdf", b""))
    scope = view.scope(principal, found.customer_number)
    try:
        composition.protocol_service().upload(scope, facility_id, form.get("title", ""), filename, content)
    except ValidationFailed as refused:
        page_data = composition.facility_service().page(portfolio, facility_id)
        return view.render(
            "facility.html",
            400,
            found=page_data,
            staff=principal.is_staff,
            today=composition.clock().today(),
            several=len(portfolio.facilities) > 1,
            upload_error=view.t(f"error.{refused.code}", **refused.params),
        )
    return view.redirect(f"/facilities/{facility_id}?uploaded=1#protocols")
