"""Management companies: organisations and their people, the grants customers
give them, company sign-up."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from heatportal.composition.core import (
    account_store,
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
    from heatportal.services.companies.grants import GrantService
    from heatportal.services.companies.organisations import OrganisationService
    from heatportal.services.companies.signup import CompanySignUp


def _dependencies() -> dict[str, Any]:
    """What each company service is built with (services.companies.common.CompanyServiceBase)."""
    from functools import partial

    from heatportal.documents.company_emails import company_code_email, company_notice_email

    return {
        "profile": profile(),
        "customers": repository(),
        "store": company_store(),
        "accounts": account_store(),
        "identity": cognito_accounts(),
        "limiter": rate_limiter(),
        "mailer": mailer(),
        "render_code": partial(company_code_email, profile=profile()),
        "render_notice": partial(company_notice_email, profile=profile()),
        "clock": clock(),
        "portal_url": config().portal_base_url,
    }


@cache
def organisation_service() -> OrganisationService:
    from heatportal.services.companies.organisations import OrganisationService

    return OrganisationService(**_dependencies())


@cache
def grant_service() -> GrantService:
    from heatportal.services.companies.grants import GrantService

    return GrantService(**_dependencies())


@cache
def company_signup() -> CompanySignUp:
    from heatportal.services.companies.signup import CompanySignUp

    return CompanySignUp(**_dependencies())
