"""Invoices API: list with filters and open balance, detail with lines, PDF
link; payments (staff: one by one, or a camt.054 bank file); monthly spot
prices per bidding zone (staff)."""

import base64
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Invoice, InvoiceKind
from heatportal.domain.payments import AdvancePayment
from heatportal.services.advance import AdvanceOverview
from heatportal.services.invoices import InvoiceFilter
from heatportal.web.api import CustomerPath, build_resolver, customer_from_path, principal
from heatportal.web.fields import IsoDate, Money, RegisterValue, SignedMoney

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)

InvoiceNumber = Annotated[int, Path(ge=1, description="Invoice number")]


class LineOut(BaseModel):
    component: str
    text_key: str
    text_params: dict[str, str]
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal
    explanation: str


class InvoiceSummaryOut(BaseModel):
    number: int
    kind: str
    period: str
    issued_on: date
    due_on: date
    currency: str
    total: Decimal
    status: str
    overdue: bool
    payment_reference: str
    meters: list[str] = []


class InvoiceOut(InvoiceSummaryOut):
    net_total: Decimal
    vat_total: Decimal
    lines: list[LineOut]


class PdfLinkOut(BaseModel):
    url: str
    expires_in: int


def _summary(invoice: Invoice) -> dict[str, object]:
    today = composition.clock().today()
    return {
        "number": invoice.number,
        "kind": invoice.kind.value,
        "period": invoice.period.key,
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
        "currency": invoice.currency,
        "total": invoice.total,
        "status": invoice.status.value,
        "overdue": invoice.status.value == "open" and invoice.due_on < today,
        "payment_reference": invoice.payment_reference,
        "meters": [v.meter_number for v in invoice.meter_values],
    }


class BalanceOut(BaseModel):
    currency: str
    open_total: Decimal
    overdue_total: Decimal
    open_count: int
    overdue_count: int


class InvoiceRowOut(InvoiceSummaryOut):
    paid_amount: Decimal
    open_amount: Decimal


class InvoiceOverviewOut(BaseModel):
    invoices: list[InvoiceRowOut]
    balance: BalanceOut
    facilities: int
    recent_months_only: int | None = None


def _filter(
    number: int | None,
    measuring_point: str | None,
    property_name: str | None,
    address: str | None,
    status: str | None,
    kind: InvoiceKind | None,
    issued_from: date | None,
    issued_to: date | None,
    amount_min: Decimal | None,
    amount_max: Decimal | None,
) -> InvoiceFilter:
    return InvoiceFilter(
        number=number,
        measuring_point=measuring_point or None,
        property_name=property_name or None,
        address=address or None,
        status=status,  # type: ignore[arg-type]  # the Query pattern allows only paid/unpaid
        kind=kind,
        issued_from=issued_from,
        issued_to=issued_to,
        amount_min=amount_min,
        amount_max=amount_max,
    )


NumberQ = Annotated[int | None, Query(ge=1, description="Invoice number")]
PointQ = Annotated[str | None, Query(max_length=40, description="Measuring point: meter number or facility id")]
NameQ = Annotated[str | None, Query(max_length=100, description="Property (facility) name contains")]
AddressQ = Annotated[str | None, Query(max_length=100, description="Facility address contains")]
StatusQ = Annotated[Literal["paid", "unpaid"] | None, Query()]
KindQ = Annotated[InvoiceKind | None, Query()]
FromQ = Annotated[IsoDate | None, Query(description="Issued on or after")]
ToQ = Annotated[IsoDate | None, Query(description="Issued on or before")]
AmountQ = Annotated[SignedMoney | None, Query(ge=-1_000_000_000, le=1_000_000_000)]


@app.get("/api/customers/<customer>/invoices")
@tracer.capture_method
def list_invoices(
    customer: CustomerPath,
    number: NumberQ = None,
    measuring_point: PointQ = None,
    property_name: NameQ = None,
    address: AddressQ = None,
    status: StatusQ = None,
    kind: KindQ = None,
    issued_from: FromQ = None,
    issued_to: ToQ = None,
    amount_min: AmountQ = None,
    amount_max: AmountQ = None,
) -> list[InvoiceSummaryOut]:
    wanted = _filter(
        number, measuring_point, property_name, address, status, kind, issued_from, issued_to, amount_min, amount_max
    )
    found = composition.invoice_service().search(principal(app), customer_from_path(customer), wanted)
    return [InvoiceSummaryOut.model_validate(_summary(row.invoice)) for row in found.rows]


@app.get("/api/customers/<customer>/invoice-overview")
@tracer.capture_method
def invoice_overview(
    customer: CustomerPath,
    number: NumberQ = None,
    measuring_point: PointQ = None,
    property_name: NameQ = None,
    address: AddressQ = None,
    status: StatusQ = None,
    kind: KindQ = None,
    issued_from: FromQ = None,
    issued_to: ToQ = None,
    amount_min: AmountQ = None,
    amount_max: AmountQ = None,
) -> InvoiceOverviewOut:
    wanted = _filter(
        number, measuring_point, property_name, address, status, kind, issued_from, issued_to, amount_min, amount_max
    )
    found = composition.invoice_service().search(principal(app), customer_from_path(customer), wanted)
    balance = found.balance
    return InvoiceOverviewOut(
        invoices=[
            InvoiceRowOut.model_validate(
                {**_summary(row.invoice), "paid_amount": row.paid_amount, "open_amount": row.open_amount}
            )
            for row in found.rows
        ],
        balance=BalanceOut(
            currency=balance.currency,
            open_total=balance.open_total,
            overdue_total=balance.overdue_total,
            open_count=balance.open_count,
            overdue_count=balance.overdue_count,
        ),
        facilities=found.facilities,
        recent_months_only=found.recent_months_only,
    )


@app.get("/api/customers/<customer>/invoices/<number>")
@tracer.capture_method
def get_invoice(customer: CustomerPath, number: InvoiceNumber) -> InvoiceOut:
    invoice = composition.invoice_service().get(principal(app), customer_from_path(customer), number)
    return InvoiceOut.model_validate(
        {
            **_summary(invoice),
            "net_total": invoice.net_total,
            "vat_total": invoice.vat_total,
            "lines": [line.model_dump() for line in invoice.lines],
        }
    )


@app.get("/api/customers/<customer>/invoices/<number>/pdf")
@tracer.capture_method
def invoice_pdf(customer: CustomerPath, number: InvoiceNumber) -> PdfLinkOut:
    from heatportal.services.invoices import PDF_LINK_SECONDS

    url = composition.invoice_service().pdf_link(principal(app), customer_from_path(customer), number)
    return PdfLinkOut(url=url, expires_in=PDF_LINK_SECONDS)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_reference: str = Field(min_length=1, max_length=40)
    amount: Money = Field(gt=0, le=1_000_000_000, decimal_places=2)
    paid_on: IsoDate
    payment_id: str | None = Field(default=None, min_length=1, max_length=80, pattern=r"^[0-9A-Za-z._:-]+$")


class PaymentOut(BaseModel):
    invoice_number: int
    customer_number: str
    status: str
    paid_amount: Decimal
    total: Decimal
    created: bool


class UnmatchedOut(BaseModel):
    entry_id: str
    reference: str
    amount: Decimal
    reason: str


class BankImportOut(BaseModel):
    transactions: int
    recorded: int
    already_recorded: int
    unmatched: list[UnmatchedOut]
    paid_invoices: list[int]


@app.post("/api/payments")
@tracer.capture_method
def register_payment(payment: PaymentIn) -> PaymentOut:
    recorded = composition.payment_service().register(
        principal(app), payment.payment_reference, payment.amount, payment.paid_on, payment.payment_id
    )
    return PaymentOut(
        invoice_number=recorded.invoice.number,
        customer_number=recorded.invoice.customer_number,
        status=recorded.invoice.status.value,
        paid_amount=recorded.paid_amount,
        total=recorded.invoice.total,
        created=recorded.created,
    )


@app.post("/api/payments/camt054")
@tracer.capture_method
def import_bank_file() -> BankImportOut:
    event = app.current_event
    raw = event.body or ""
    try:
        data = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode("utf-8")
    except ValueError as error:
        raise ValidationFailed("The bank file is not valid base64.", code="bank_file_invalid") from error
    result = composition.payment_service().import_camt054(principal(app), data)
    return BankImportOut.model_validate(result.__dict__)


class TrialReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meter: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$")
    value: RegisterValue = Field(ge=0, le=Decimal("1e12"), allow_inf_nan=False)


class TrialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    readings: list[TrialReadingIn] = Field(default_factory=list, max_length=50)


class TrialMeterOut(BaseModel):
    meter_number: str
    start_value: Decimal
    end_value: Decimal
    end_read_on: date
    entered: bool
    estimated: bool
    quantity: Decimal
    unit: str


class TrialOut(BaseModel):
    customer_number: str
    period: str
    as_of: date
    currency: str
    meters: list[TrialMeterOut]
    lines: list[LineOut]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    stored: bool = False


def _trial(customer: str, entered: dict[str, Decimal]) -> TrialOut:
    trial = composition.trial_settlement_service().trial(principal(app), customer_from_path(customer), entered)
    return TrialOut(
        customer_number=trial.customer_number,
        period=trial.period.key,
        as_of=trial.as_of,
        currency=trial.priced.currency,
        meters=[TrialMeterOut.model_validate(m.__dict__) for m in trial.meters],
        lines=[LineOut.model_validate(line.model_dump()) for line in trial.priced.lines],
        net_total=trial.priced.net_total,
        vat_total=trial.priced.vat_total,
        total=trial.priced.total,
    )


@app.get("/api/customers/<customer>/trial-settlement")
@tracer.capture_method
def trial_settlement(customer: CustomerPath) -> TrialOut:
    return _trial(customer, {})


@app.post("/api/customers/<customer>/trial-settlement")
@tracer.capture_method
def trial_settlement_with_reading(customer: CustomerPath, body: TrialIn) -> TrialOut:
    return _trial(customer, {r.meter: r.value for r in body.readings})


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


@app.post("/api/invoices/<number>/credit-note")
@tracer.capture_method
def credit_invoice(number: InvoiceNumber, credit: CreditIn) -> InvoiceOut:
    caller = principal(app)
    customer = composition.payment_service().customer_of_invoice(caller, number)
    note, _created = composition.billing_service().credit_note(caller, customer, number, credit.reason)
    return InvoiceOut.model_validate(
        {
            **_summary(note),
            "net_total": note.net_total,
            "vat_total": note.vat_total,
            "lines": [line.model_dump() for line in note.lines],
        }
    )


class AdvanceAmountOut(BaseModel):
    amount: Decimal
    valid_from: date
    comment: str


class AdvanceOut(BaseModel):
    customer_number: str
    currency: str
    current: AdvanceAmountOut | None
    valid_to: date | None
    upcoming: AdvanceAmountOut | None
    per_supply_type: dict[str, Decimal]
    expected_yearly_cost: Decimal
    minimum: Decimal
    maximum: Decimal
    earliest_change: date


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money = Field(gt=0, le=1_000_000, allow_inf_nan=False)
    desired_from: IsoDate
    comment: str = Field(default="", max_length=500)


def _advance_out(overview: AdvanceOverview) -> AdvanceOut:
    def amount(advance: AdvancePayment | None) -> AdvanceAmountOut | None:
        if advance is None:
            return None
        return AdvanceAmountOut(amount=advance.amount, valid_from=advance.valid_from, comment=advance.comment)

    return AdvanceOut(
        customer_number=overview.customer_number,
        currency=overview.currency,
        current=amount(overview.current),
        valid_to=overview.valid_to,
        upcoming=amount(overview.upcoming),
        per_supply_type=overview.per_supply_type,
        expected_yearly_cost=overview.expected_yearly_cost,
        minimum=overview.allowed.minimum,
        maximum=overview.allowed.maximum,
        earliest_change=overview.earliest_change,
    )


@app.get("/api/customers/<customer>/advance-payment")
@tracer.capture_method
def advance_payment(customer: CustomerPath) -> AdvanceOut:
    return _advance_out(composition.advance_service().overview(principal(app), customer_from_path(customer)))


@app.put("/api/customers/<customer>/advance-payment")
@tracer.capture_method
def change_advance_payment(customer: CustomerPath, change: AdvanceIn) -> AdvanceOut:
    _advance, overview = composition.advance_service().change(
        principal(app), customer_from_path(customer), change.amount, change.desired_from, change.comment
    )
    return _advance_out(overview)


class MonthCostOut(BaseModel):
    period: str
    source: str
    total: Decimal
    low: Decimal
    high: Decimal


class EconomyOut(BaseModel):
    customer_number: str
    year: int
    as_of: date
    currency: str
    so_far: Decimal
    forecast_rest: Decimal
    year_total: Decimal
    year_low: Decimal
    year_high: Decimal
    months: list[MonthCostOut]
    caution: str


@app.get("/api/customers/<customer>/economy")
@tracer.capture_method
def economy(customer: CustomerPath) -> EconomyOut:
    from heatportal.i18n import translate
    from heatportal.web.api import language_of

    overview = composition.forecast_service().overview(principal(app), customer_from_path(customer))
    return EconomyOut(
        customer_number=overview.customer_number,
        year=overview.year,
        as_of=overview.as_of,
        currency=overview.currency,
        so_far=overview.so_far,
        forecast_rest=overview.forecast_rest,
        year_total=overview.year_total,
        year_low=overview.year_low,
        year_high=overview.year_high,
        months=[
            MonthCostOut(period=m.period.key, source=m.source, total=m.total, low=m.low, high=m.high)
            for m in overview.months
        ],
        caution=translate("economy.caution", language_of(app.current_event.headers)),
    )


@app.get("/api/customers/<customer>/economy/pdf")
@tracer.capture_method
def economy_pdf(customer: CustomerPath):  # unannotated: Powertools would validate a binary body as a model
    from heatportal.documents.estimate_pdf import render_estimate_pdf
    from heatportal.web.api import language_of

    number = customer_from_path(customer)
    overview = composition.forecast_service().overview(principal(app), number)
    account = composition.repository().get_customer(number)
    if account is None:  # pragma: no cover - the access check found a membership for it
        raise ValidationFailed("Customer not found.", code="not_found")
    lang = language_of(app.current_event.headers, account.language)
    pdf = render_estimate_pdf(overview, account, composition.profile(), lang)
    return Response(
        200,
        "application/pdf",
        pdf,
        {"Content-Disposition": f'inline; filename="cost-estimate-{overview.year}.pdf"', "Cache-Control": "no-store"},
    )


# Spot prices (staff). Path and body are plain text here: the domain checks them
# once, with the same codes for this route and for files under spot-prices/.
ZonePath = Annotated[str, Path(min_length=1, max_length=10, description="Bidding zone, e.g. NO1 or SE3")]
MonthPath = Annotated[str, Path(min_length=1, max_length=10, description="Month, YYYY-MM")]


class SpotPriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price_per_kwh: str = Field(
        min_length=1,
        max_length=20,
        # The format domain.spot_prices.parse_price reads (which answers spot_price_invalid otherwise).
        json_schema_extra={"pattern": r"^\s*-?[0-9]{1,6}([.,][0-9]+)?\s*$"},
        description="Decimal as text, e.g. 0.8512 or 0,8512",
    )


class SpotPriceOut(BaseModel):
    zone: str
    month: str
    price_per_kwh: Decimal


class SpotPriceStoredOut(SpotPriceOut):
    outcome: Literal["created", "corrected", "unchanged"]


@app.put("/api/spot-prices/<zone>/<month>")
@tracer.capture_method
def put_spot_price(zone: ZonePath, month: MonthPath, body: SpotPriceIn) -> SpotPriceStoredOut:
    price, outcome = composition.spot_price_service().set_price(principal(app), zone, month, body.price_per_kwh)
    return SpotPriceStoredOut(zone=price.zone, month=price.month, price_per_kwh=price.price_per_kwh, outcome=outcome)


@app.get("/api/spot-prices/<zone>")
@tracer.capture_method
def list_spot_prices(zone: ZonePath, year: Annotated[int, Query(ge=2000, le=2099)]) -> list[SpotPriceOut]:
    prices = composition.spot_price_service().year(principal(app), zone, year)
    return [SpotPriceOut(zone=p.zone, month=p.month, price_per_kwh=p.price_per_kwh) for p in prices]


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
