"""A customer's contracts: each facility's contract with its versions and
annual cost estimate (JSON and PDF), the options simulator, signing a new
version (administrators), and the offer (products, options, price lists)."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from contracts_models import ContractOut, EstimateOut
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.model import Language
from heatportal.domain.signing import SigningOrder
from heatportal.web.api import CustomerPath, language_of, principal
from heatportal.web.fields import IsoDate
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()

FacilityPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,40}$", description="Facility id")]
OrderPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z-]{8,64}$", description="The signing order's reference")]
Choices = Annotated[dict[str, Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]], Field(max_length=20)]


def _lang() -> Language:
    return language_of(router.current_event.headers, composition.profile().default_language)


class ContractsOut(BaseModel):
    customer_number: str
    contracts: list[ContractOut]


class ContractDetailOut(BaseModel):
    contract: ContractOut
    estimate: EstimateOut


class PicksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,39}$")
    options: Choices = Field(
        default_factory=dict, description="Option id -> choice id; options left out keep their default"
    )


class LineChangeOut(BaseModel):
    text: str
    current: Decimal | None
    chosen: Decimal | None
    change: Decimal


class SimulationOut(BaseModel):
    current: EstimateOut
    chosen: EstimateOut
    changes: list[LineChangeOut]
    difference: Decimal


class SignIn(PicksIn):
    valid_from: IsoDate = Field(description="The first day of one of the coming twelve months")


class SigningOut(BaseModel):
    order_ref: str
    method: str
    status: str
    hint: str | None
    valid_from: date
    qr: str | None = Field(description="The animated QR code's content now (BankID); poll for the next")
    auto_start_token: str | None
    document_id: str | None

    @classmethod
    def of(cls, order: SigningOrder, qr: str | None) -> "SigningOut":
        return cls(
            order_ref=order.order_ref,
            method=order.method,
            status=order.status,
            hint=order.hint,
            valid_from=order.valid_from,
            qr=qr if order.status == "pending" else None,
            auto_start_token=order.auto_start_token if order.status == "pending" else None,
            document_id=order.document_id if order.status == "complete" else None,
        )


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9]{6}$")


class ChoiceOut(BaseModel):
    id: str
    name: str
    term_months: int | None
    subscribed_kw: Decimal | None


class OptionOut(BaseModel):
    id: str
    name: str
    choices: list[ChoiceOut]


class PriceListOut(BaseModel):
    id: str
    valid_from: date


class OfferOut(BaseModel):
    products: list[dict[str, str]]
    options: list[OptionOut]
    price_list_in_force: PriceListOut
    upcoming_price_list: PriceListOut | None
    term_months: int
    notice_months: int
    signing_method: str


@router.get("/api/customers/<customer>/contracts")
@tracer.capture_method
def contracts(customer: CustomerPath) -> ContractsOut:
    scope = customer_scope(router, customer)
    found = composition.contract_service().contracts(scope)
    return ContractsOut(customer_number=scope.customer_number, contracts=[ContractOut.of(c) for c in found])


@router.get("/api/customers/<customer>/contracts/<facility>")
@tracer.capture_method
def contract(customer: CustomerPath, facility: FacilityPath) -> ContractDetailOut:
    found, estimate = composition.annual_estimates().estimate(customer_scope(router, customer), facility)
    return ContractDetailOut(contract=ContractOut.of(found), estimate=EstimateOut.of(estimate, _lang()))


@router.get("/api/customers/<customer>/contracts/<facility>/estimate/pdf")
@tracer.capture_method
def estimate_pdf(customer: CustomerPath, facility: FacilityPath):  # unannotated: a binary body, not a model
    body = composition.annual_estimates().pdf(customer_scope(router, customer), facility, _lang())
    return Response(
        200,
        "application/pdf",
        body,
        {"Content-Disposition": f'inline; filename="estimate-{facility}.pdf"', "Cache-Control": "no-store"},
    )


@router.post("/api/customers/<customer>/contracts/<facility>/simulation")
@tracer.capture_method
def simulate(customer: CustomerPath, facility: FacilityPath, picks: PicksIn) -> SimulationOut:
    lang = _lang()
    from heatportal.i18n import translate

    result = composition.annual_estimates().simulate(
        customer_scope(router, customer), facility, picks.product, picks.options
    )
    return SimulationOut(
        current=EstimateOut.of(result.current, lang),
        chosen=EstimateOut.of(result.chosen, lang),
        changes=[
            LineChangeOut(
                text=translate(c.text_key, lang, **c.text_params),
                current=c.before.amount if c.before else None,
                chosen=c.after.amount if c.after else None,
                change=c.difference,
            )
            for c in result.changes
        ],
        difference=result.difference,
    )


@router.post("/api/customers/<customer>/contracts/<facility>/signing")
@tracer.capture_method
def start_signing(customer: CustomerPath, facility: FacilityPath, sign: SignIn) -> tuple[SigningOut, int]:
    event = router.current_event
    ip = str(((event.raw_event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "127.0.0.1")
    signing = composition.contract_signing()
    order = signing.start(
        customer_scope(router, customer),
        facility,
        product=sign.product,
        choices=sign.options,
        valid_from=sign.valid_from,
        end_user_ip=ip,
        language=_lang(),
    )
    return SigningOut.of(order, signing.qr(order)), 202


@router.get("/api/customers/<customer>/contracts/<facility>/signing/<order>")
@tracer.capture_method
def poll_signing(customer: CustomerPath, facility: FacilityPath, order: OrderPath) -> SigningOut:
    signing = composition.contract_signing()
    polled = signing.poll(customer_scope(router, customer), order, _lang())
    return SigningOut.of(polled, signing.qr(polled))


@router.post("/api/customers/<customer>/contracts/<facility>/signing/<order>/code")
@tracer.capture_method
def signing_code(customer: CustomerPath, facility: FacilityPath, order: OrderPath, code: CodeIn) -> SigningOut:
    signing = composition.contract_signing()
    scope = customer_scope(router, customer)
    signing.respond(scope, order, code.code)
    polled = signing.poll(scope, order, _lang())
    return SigningOut.of(polled, signing.qr(polled))


@router.delete("/api/customers/<customer>/contracts/<facility>/signing/<order>")
@tracer.capture_method
def cancel_signing(customer: CustomerPath, facility: FacilityPath, order: OrderPath) -> SigningOut:
    signing = composition.contract_signing()
    cancelled = signing.cancel(customer_scope(router, customer), order)
    return SigningOut.of(cancelled, None)


@router.get("/api/offer")
@tracer.capture_method
def offer() -> OfferOut:
    from heatportal.i18n import translate

    principal(router)  # signed in
    lang = _lang()
    view = composition.contract_service().offer()
    return OfferOut(
        products=[{"id": p.id, "name": translate(f"offer.product.{p.id}", lang)} for p in view.products],
        options=[
            OptionOut(
                id=o.id,
                name=translate(f"offer.option.{o.id}", lang),
                choices=[
                    ChoiceOut(
                        id=c.id,
                        name=translate(f"offer.choice.{o.id}.{c.id}", lang),
                        term_months=c.term_months,
                        subscribed_kw=c.subscribed_kw,
                    )
                    for c in o.choices
                ],
            )
            for o in view.options
        ],
        price_list_in_force=PriceListOut(id=view.in_force.id, valid_from=view.in_force.valid_from),
        upcoming_price_list=PriceListOut(id=view.upcoming.id, valid_from=view.upcoming.valid_from)
        if view.upcoming
        else None,
        term_months=view.term_months,
        notice_months=view.notice_months,
        signing_method=composition.profile().signing.method,
    )
