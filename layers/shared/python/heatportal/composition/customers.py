"""The customer's own pages: profile (contact data, billing address, bank
accounts, contact requests), documents, service interruptions."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import clock, cognito_accounts, documents, mailer, profile, rate_limiter, repository

if TYPE_CHECKING:
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


@cache
def document_service() -> DocumentService:
    from heatportal.documents.price_sheet import render_price_sheet_pdf
    from heatportal.services.documents import DocumentService

    return DocumentService(profile(), documents(), clock(), render_price_sheet_pdf)


@cache
def interruption_service() -> InterruptionService:
    from heatportal.adapters.interruptions import DynamoInterruptions
    from heatportal.services.interruptions import InterruptionService

    return InterruptionService(DynamoInterruptions(repository().table), clock())
