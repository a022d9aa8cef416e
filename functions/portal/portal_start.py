"""``/``: the start page: the customer's meters with their last reading, open and
overdue invoices, the advance in force, new documents, service interruptions.
Customer service, a management company's people and a person with several
accounts who has not chosen one land elsewhere (``portal_layout.landing``)."""

from decimal import Decimal

import portal_layout as layout
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import Forbidden
from heatportal.domain.model import InvoiceKind, InvoiceStatus
from heatportal.domain.profile import BillingMode

router = Router()


# Documents issued this recently are "new" on the start page.
NEW_DOCUMENT_DAYS = 31


@router.get("/")
@page(router)
def start(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    elsewhere = layout.landing(principal, view.links(principal), view.chosen_customer(principal))
    if elsewhere is not None:
        return view.redirect(elsewhere)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number, invoices=True)
    customer = scope.record.customer
    meters = composition.reading_service().list_meters(scope)
    invoices_hidden = False
    try:
        invoices = composition.invoice_service().list(scope)
    except Forbidden:
        # A management company granted only some facilities sees no invoices
        # (they cover the whole customer): no balance rather than a wrong zero.
        invoices, invoices_hidden = [], True
    notice = composition.interruption_service().for_customer(scope)
    today = composition.clock().today()
    open_invoices = [i for i in invoices if i.status == InvoiceStatus.OPEN]
    advances = sorted((i for i in invoices if i.kind == InvoiceKind.ADVANCE), key=lambda i: i.issued_on)
    year = None
    if composition.profile().billing_mode == BillingMode.ADVANCE_YEARLY and not invoices_hidden:
        year = composition.advance_year_service().year(scope)
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
        # Published documents the person has not opened yet (the "new" mark).
        published=[d.document for d in composition.document_store().documents(scope) if d.new],
        invoices_hidden=invoices_hidden,
        year=year,
        several=len(view.memberships(principal)) > 1,
    )
