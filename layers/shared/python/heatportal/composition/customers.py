"""The customer's own pages: profile (contact data, billing address, bank
accounts, contact requests), documents, service interruptions."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import clock, cognito_accounts, documents, mailer, profile, rate_limiter, repository

if TYPE_CHECKING:
    from heatportal.domain.model import Language
    from heatportal.domain.profile import PriceList, UtilityProfile
    from heatportal.services.documents import DocumentService
    from heatportal.services.interruptions import InterruptionService
    from heatportal.services.profile import ProfileService


@cache
def profile_service() -> ProfileService:
    from functools import partial

    from heatportal.adapters.dynamo_accounts import DynamoProfileStore
    from heatportal.documents.account_emails import profile_notice_email
    from heatportal.services.profile import ProfileService

    return ProfileService(
        profile=profile(),
        customers=repository(),
        store=DynamoProfileStore(repository().table),
        identity=cognito_accounts(),
        limiter=rate_limiter(),
        mailer=mailer(),
        render_notice=partial(profile_notice_email, profile=profile()),
        clock=clock(),
    )


def _render_price_sheet(utility: UtilityProfile, price_list: PriceList, lang: Language, on: date) -> bytes:
    # reportlab is imported only when the PDF is drawn.
    from heatportal.documents.price_sheet import price_sheet, render_price_sheet_pdf

    return render_price_sheet_pdf(price_sheet(utility, price_list, lang, on), lang)


@cache
def document_service() -> DocumentService:
    from heatportal.services.documents import DocumentService

    return DocumentService(profile(), documents(), clock(), _render_price_sheet)


@cache
def interruption_service() -> InterruptionService:
    from heatportal.adapters.interruptions import DynamoInterruptions
    from heatportal.services.interruptions import InterruptionService

    return InterruptionService(DynamoInterruptions(repository().table), clock())
