"""``/``: the start page: the customer's meters with their last reading, open and
overdue invoices, the advance in force, new documents, service interruptions.
Customer service, a management company's people and a person with several
accounts who has not chosen one land elsewhere (``portal_layout.landing``).

A person with more than one facility (several customers, or one customer with
several facilities) gets the status overview of all of them instead, made of
the tiles they chose under "Change data" (``/start/tiles``)."""

from decimal import Decimal
from types import SimpleNamespace

import portal_layout as layout
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.model import InvoiceKind, InvoiceStatus, Role
from heatportal.domain.profile import BillingMode
from heatportal.services.access import Principal

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
    if view.links(principal).organisations and view.chosen_customer(principal) is None:
        return overview(view, principal)  # a company's people: every facility granted to the company
    if len(view.memberships(principal)) > 1:
        return overview(view, principal)  # many customers: many facilities, no customer's record needed
    scope = view.scope(principal, number, invoices=True)
    # The facilities this person sees (a management company granted one of several sees that one).
    narrowed = scope.require(Role.READ, companies="any")
    if sum(1 for f in scope.record.facilities if narrowed.sees(f.id)) > 1 and not principal.is_staff:
        return overview(view, principal)
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


def overview(view: Page, principal: Principal) -> Response[str]:
    """The start page for many facilities: the person's tiles over their
    portfolio. Reads the portfolio (links and directories), the person's
    tiles and the interruptions: nothing per facility."""
    from portal_charts import PALETTES

    portfolio = view.portfolio(principal)
    settings = composition.facility_service().settings(portfolio)
    found = composition.overview_service().overview(portfolio, settings)
    postcodes = {f.facility.address.postcode for f in portfolio.facilities}
    notice = composition.interruption_service().for_postcodes(postcodes)
    affected = {
        i.id: sum(1 for f in portfolio.facilities if i.affects({f.facility.address.postcode.replace(" ", "").upper()}))
        for i in [*notice.current, *notice.upcoming]
    }
    number = view.customer_number(principal)
    directory = portfolio.directories.get(number or "")
    return view.render(
        "start_portfolio.html",
        found=found,
        tiles=[t for t in found.tiles if t.shown],
        interruptions=notice,
        affected=affected,
        palettes=PALETTES,
        today=composition.clock().today(),
        # The nav's customer from the portfolio (no read of the customer's record).
        customer=SimpleNamespace(name=directory.name, number=directory.number) if directory else None,
        whole_customer=portfolio.customers[number].whole if number in portfolio.customers else True,
    )


@router.get("/start/tiles")
@page(router)
def tiles(view: Page) -> Response[str]:
    from heatportal.services.portfolio.overview import TILES, tiles_of

    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    settings = composition.facility_service().settings(portfolio)
    return view.render("start_tiles.html", tiles=tiles_of(settings), kinds=TILES)


@router.post("/start/tiles")
@page(router)
def save_tiles(view: Page) -> Response[str]:
    """Change data: which tiles, in which order (a number per tile), with which options."""
    from heatportal.domain.facility_groups import TileSetting
    from heatportal.services.portfolio.overview import TILES, tiles_of

    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    settings = composition.facility_service().settings(portfolio)
    form = view.form()
    shown = set(view.form_list("shown"))
    if form.get("reset") == "1":
        chosen: list[TileSetting] = []
    else:
        current = tiles_of(settings)

        def place(index: int, tile: TileSetting) -> tuple[int, int]:
            text = form.get(f"order.{tile.tile}", "")
            return (int(text) if text.isdigit() and len(text) < 4 else 999, index)

        ordered = [tile for _, tile in sorted(((place(i, t), t) for i, t in enumerate(current)), key=lambda p: p[0])]
        chosen = [
            TileSetting(
                tile=tile.tile,
                shown=tile.tile in shown,
                options={name: form.get(f"option.{tile.tile}.{name}", "") for name in TILES[tile.tile].options},
            )
            for tile in ordered
        ]
    try:
        composition.overview_service().save_tiles(portfolio, settings, chosen)
    except ValidationFailed as refused:
        return view.render(
            "start_tiles.html",
            400,
            tiles=tiles_of(settings),
            kinds=TILES,
            error=view.t(f"error.{refused.code}", **refused.params),
        )
    return view.redirect("/?changed=1")
