"""Contracts, moving, documents, services and sustainability: the contract
and estimate services, signing (the provider the profile names), the
documents store, moving out and in with the final invoice."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from heatportal.composition.billing import advance_repository, final_invoices, pricing_service
from heatportal.composition.core import (
    clock,
    config,
    contract_store,
    documents,
    mailer,
    profile,
    rate_limiter,
    repository,
    sms,
)
from heatportal.composition.readings import consumption_service, reading_service, readings_store

if TYPE_CHECKING:
    from heatportal.services.contracts.contracts import ContractService
    from heatportal.services.contracts.estimate import AnnualEstimateService
    from heatportal.services.contracts.signing import ContractSigning, SigningProvider
    from heatportal.services.document_store import DocumentStoreService
    from heatportal.services.energy_services import EnergyServiceCatalogue
    from heatportal.services.moving.move_in import MoveInService
    from heatportal.services.moving.move_out import MoveOutService
    from heatportal.services.notices import Notices
    from heatportal.services.subscription import SubscriptionService
    from heatportal.services.sustainability import SustainabilityService


def _render_notice(notice: Any) -> Any:
    from heatportal.documents.contract_emails import contract_notice_email

    return contract_notice_email(notice, profile())


def _notice_sms(notice: Any) -> str:
    from heatportal.i18n import translate

    return translate(
        "sms.moving.incoming", notice.language, utility=profile().name, code=notice.code or "", link=notice.link or ""
    )


@cache
def notices() -> Notices:
    from heatportal.services.notices import Notices

    return Notices(mailer(), _render_notice, sms(), _notice_sms)


@cache
def contract_service() -> ContractService:
    from heatportal.services.contracts.contracts import ContractService

    return ContractService(profile(), clock())


def _render_estimate(*args: Any) -> bytes:
    from heatportal.documents.contract_pdf import render_annual_estimate_pdf

    return render_annual_estimate_pdf(*args)


@cache
def annual_estimates() -> AnnualEstimateService:
    from heatportal.composition.billing import forecast_service
    from heatportal.services.contracts.estimate import AnnualEstimateService, ExpectedConsumption

    expected = ExpectedConsumption(profile(), forecast_service(), reading_service(), clock())
    return AnnualEstimateService(profile(), contract_service(), expected, pricing_service(), clock(), _render_estimate)


@cache
def document_store() -> DocumentStoreService:
    from heatportal.adapters.dynamo_documents import DynamoPublishedDocuments
    from heatportal.services.document_store import DocumentStoreService

    return DocumentStoreService(DynamoPublishedDocuments(repository().table), documents(), repository(), clock())


@cache
def signing_provider() -> SigningProvider:
    """The provider the profile names: BankID's relying-party API, or a code by e-mail."""
    if profile().signing.method == "bankid_se":
        from heatportal.adapters.bankid import BankIdRelyingParty

        settings = config()
        return BankIdRelyingParty(
            settings.signing_api_url, cert_file=settings.signing_cert_file, key_file=settings.signing_key_file
        )
    from heatportal.services.contracts.code_signing import EmailCodeSigning

    return EmailCodeSigning(contract_store(), notices(), clock())


def _render_signed(*args: Any) -> bytes:
    from heatportal.documents.contract_pdf import render_signed_contract_pdf

    return render_signed_contract_pdf(*args)


@cache
def contract_signing() -> ContractSigning:
    from heatportal.services.contracts.signing import ContractSigning

    return ContractSigning(
        profile(),
        annual_estimates(),
        signing_provider(),
        contract_store(),
        document_store(),
        notices(),
        clock(),
        _render_signed,
        config().portal_base_url,
    )


def _profile_store() -> Any:
    from heatportal.adapters.dynamo_accounts import DynamoProfileStore

    return DynamoProfileStore(repository().table)


@cache
def move_out_service() -> MoveOutService:
    from heatportal.services.moving.move_out import MoveOutService

    return MoveOutService(
        profile(),
        contract_service(),
        reading_service(),
        contract_store(),
        readings_store(),
        advance_repository(),
        final_invoices(),
        notices(),
        _profile_store(),
        clock(),
        config().portal_base_url,
    )


def _render_pin_letter(*args: Any) -> bytes:
    from heatportal.documents.contract_pdf import render_pin_letter

    return render_pin_letter(*args)


@cache
def move_in_service() -> MoveInService:
    from heatportal.services.moving.move_in import MoveInService

    return MoveInService(
        profile(),
        repository(),
        reading_service(),
        contract_store(),
        contract_store(),
        annual_estimates(),
        advance_repository(),
        notices(),
        _profile_store(),
        _render_pin_letter,
        clock(),
        config().portal_base_url,
    )


@cache
def energy_services() -> EnergyServiceCatalogue:
    from heatportal.services.energy_services import EnergyServiceCatalogue

    return EnergyServiceCatalogue(profile(), _profile_store(), notices(), rate_limiter(), clock())


def _render_report(*args: Any) -> bytes:
    from heatportal.documents.contract_pdf import render_sustainability_report

    return render_sustainability_report(*args)


@cache
def sustainability_service() -> SustainabilityService:
    from heatportal.services.sustainability import SustainabilityService

    return SustainabilityService(profile(), consumption_service(), clock(), _render_report)


@cache
def subscription_service() -> SubscriptionService:
    from heatportal.services.subscription import SubscriptionService

    return SubscriptionService(profile(), readings_store(), _profile_store())
