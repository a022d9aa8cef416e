"""``/documents``: the documents the utility published (contracts, price
sheets, letters, statements, reports; "new" until the person opened one), the
contract summary, the price sheet (a PDF of the price list in force) and the
technical data card of each facility; ``/documents/files/<id>`` opens one."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.documents.price_sheet import price_sheet

router = Router()


@router.get("/documents")
@page(router)
def documents(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number)
    contract = composition.document_service().contract(scope)
    in_force = composition.document_service().price_list(scope)
    sheet = price_sheet(composition.profile(), in_force.price_list, view.lang, in_force.on)
    published = composition.document_store().documents(scope)
    return view.render("portal_documents.html", contract=contract, sheet=sheet, published=published)


@router.get("/documents/files/<document_id>")
@page(router)
def open_document(view: Page, document_id: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    # A short-lived S3 link, as for invoice PDFs; the person has opened it from now on.
    return view.redirect(composition.document_store().open(view.scope(principal, number), document_id))


@router.get("/documents/contract")
@page(router)
def contract(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    return view.render(
        "portal_documents_contract.html",
        contract=composition.document_service().contract(view.scope(principal, number)),
    )


@router.get("/documents/price-sheet.pdf")
@page(router)
def price_sheet_pdf(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    # Same reason as invoice PDFs: a browser link gets a short-lived S3 link.
    return view.redirect(composition.document_service().price_sheet_link(view.scope(principal, number), view.lang))


@router.get("/documents/facilities/<facility_id>")
@page(router)
def data_card(view: Page, facility_id: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    card = composition.document_service().data_card(view.scope(principal, number), facility_id)
    return view.render("portal_documents_card.html", card=card)
