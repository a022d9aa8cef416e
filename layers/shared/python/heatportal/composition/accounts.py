"""Accounts: registration, sign-in and passwords, a customer's users, customer
search for customer service."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import (
    access,
    clock,
    cognito_accounts,
    config,
    mailer,
    profile,
    rate_limiter,
    repository,
    sms,
)

if TYPE_CHECKING:
    from heatportal.services.accounts import AccountService


@cache
def account_service() -> AccountService:
    from functools import partial

    from heatportal.adapters.dynamo_accounts import DynamoAccountStore
    from heatportal.adapters.dynamo_names import DynamoNameIndex
    from heatportal.adapters.pacing import MinimumDuration
    from heatportal.composition.companies import company_service
    from heatportal.documents.account_emails import account_code_email, pin_sms
    from heatportal.services.accounts import AccountService

    table = repository().table
    return AccountService(
        profile=profile(),
        customers=repository(),
        store=DynamoAccountStore(table),
        identity=cognito_accounts(),
        access=access(),
        limiter=rate_limiter(),
        mailer=mailer(),
        render_code=partial(account_code_email, profile=profile()),
        clock=clock(),
        portal_url=config().portal_base_url,
        sms=sms(),
        render_pin_sms=partial(pin_sms, profile=profile()),
        on_email_changed=lambda user_id, email: company_service().follow_email(user_id, email),
        names=DynamoNameIndex(table),
        pacer=MinimumDuration(),
    )
