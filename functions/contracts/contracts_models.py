"""Response models the contracts API shares: terms, contracts, estimates."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from heatportal.domain.contracts import Contract, ContractTerms, ContractVersion
from heatportal.domain.model import Language
from heatportal.i18n import translate
from heatportal.services.contracts.estimate import AnnualEstimate, EstimateLine


class TermsOut(BaseModel):
    product: str
    options: dict[str, str]
    term_months: int

    @classmethod
    def of(cls, terms: ContractTerms) -> "TermsOut":
        return cls(product=terms.product, options=dict(terms.options), term_months=terms.term_months)


class VersionOut(BaseModel):
    valid_from: date
    terms: TermsOut
    signed_by: str | None
    signed_at: datetime | None
    signature_method: str | None
    document_id: str | None

    @classmethod
    def of(cls, version: ContractVersion) -> "VersionOut":
        return cls(
            valid_from=version.valid_from,
            terms=TermsOut.of(version.terms),
            signed_by=version.signed_by,
            signed_at=version.signed_at,
            signature_method=version.signature_method,
            document_id=version.document_id,
        )


class ContractOut(BaseModel):
    facility_id: str
    facility_name: str
    started_on: date
    ended_on: date | None
    final_invoice: int | None
    versions: list[VersionOut]

    @classmethod
    def of(cls, contract: Contract) -> "ContractOut":
        return cls(
            facility_id=contract.facility.id,
            facility_name=contract.facility.name,
            started_on=contract.supply.started_on,
            ended_on=contract.supply.ended_on,
            final_invoice=contract.supply.final_invoice,
            versions=[VersionOut.of(v) for v in contract.versions],
        )


class EstimateLineOut(BaseModel):
    component: str
    text_key: str
    text_params: dict[str, str]
    text: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal

    @classmethod
    def of(cls, line: EstimateLine, text: str) -> "EstimateLineOut":
        return cls(
            component=line.component,
            text_key=line.text_key,
            text_params=line.text_params,
            text=text,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line.amount,
        )


class EstimateOut(BaseModel):
    first_month: str
    currency: str
    terms: TermsOut
    price_list: str
    lines: list[EstimateLineOut]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    basis: dict[str, str]
    quantities: dict[str, Decimal]

    @classmethod
    def of(cls, estimate: AnnualEstimate, lang: Language) -> "EstimateOut":
        return cls(
            first_month=estimate.first_month.key,
            currency=estimate.currency,
            terms=TermsOut.of(estimate.terms),
            price_list=estimate.price_list.id,
            lines=[
                EstimateLineOut.of(line, translate(line.text_key, lang, **line.text_params)) for line in estimate.lines
            ],
            net_total=estimate.net_total,
            vat_total=estimate.vat_total,
            total=estimate.total,
            basis=dict(estimate.basis),
            quantities=dict(estimate.quantities),
        )
