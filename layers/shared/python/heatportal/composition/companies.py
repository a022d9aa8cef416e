"""Management companies: organisations and their people, the grants customers
give them, company sign-up."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import (
    clock,
    cognito_accounts,
    company_store,
    config,
    mailer,
    profile,
    rate_limiter,
    repository,
)

if TYPE_CHECKING:
    from heatportal.services.companies import CompanyService


@cache
def company_service() -> CompanyService:
    from functools import partial

    from heatportal.adapters.dynamo_accounts import DynamoAccountStore
    from heatportal.documents.company_emails import company_code_email, company_notice_email
    from heatportal.services.companies import CompanyService

    return CompanyService(
        profile=profile(),
        customers=repository(),
        store=company_store(),
        accounts=DynamoAccountStore(repository().table),
        identity=cognito_accounts(),
        limiter=rate_limiter(),
        mailer=mailer(),
        render_code=partial(company_code_email, profile=profile()),
        render_notice=partial(company_notice_email, profile=profile()),
        clock=clock(),
        portal_url=config().portal_base_url,
    )
