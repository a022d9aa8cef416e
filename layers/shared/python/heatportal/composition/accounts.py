"""Accounts: registration, sign-in (sessions that end everywhere) and credentials, linked customer numbers,
a customer's users, forgotten customer numbers, customer search."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import (
    access,
    account_store,
    clock,
    cognito_accounts,
    config,
    identity,
    mailer,
    profile,
    rate_limiter,
    repository,
    sessions,
    sms,
)

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_names import DynamoNameIndex
    from heatportal.adapters.identity import Tokens
    from heatportal.domain.model import Customer
    from heatportal.services.accounts.codes import OneTimeCodes
    from heatportal.services.accounts.credentials import CredentialService
    from heatportal.services.accounts.forgotten_number import ForgottenNumberService
    from heatportal.services.accounts.joining import Joining
    from heatportal.services.accounts.links import LinkService
    from heatportal.services.accounts.registration import RegistrationService
    from heatportal.services.accounts.search import CustomerSearch
    from heatportal.services.accounts.users import CustomerUserService


@cache
def one_time_codes() -> OneTimeCodes:
    from functools import partial

    from heatportal.documents.account_emails import account_code_email
    from heatportal.services.accounts.codes import OneTimeCodes

    return OneTimeCodes(account_store(), mailer(), partial(account_code_email, profile=profile()), clock())


@cache
def joining() -> Joining:
    from heatportal.services.accounts.joining import Joining

    return Joining(account_store(), cognito_accounts(), clock())


@cache
def registration_service() -> RegistrationService:
    from heatportal.services.accounts.registration import RegistrationService

    return RegistrationService(
        profile=profile(),
        customers=repository(),
        store=account_store(),
        codes=one_time_codes(),
        joining=joining(),
        limiter=rate_limiter(),
        clock=clock(),
        portal_url=config().portal_base_url,
    )


def sign_in(username: str, password: str) -> Tokens:
    """Cognito's sign-in, never handing out tokens refused on arrival (right after a sign-out)."""
    from heatportal.adapters.identity import unverified_claims

    return sessions().fresh(lambda: identity().login(username, password), lambda t: unverified_claims(t.id_token))


@cache
def credential_service() -> CredentialService:
    from heatportal.adapters.pacing import MinimumDuration
    from heatportal.composition.companies import organisation_service
    from heatportal.services.accounts.credentials import CredentialService

    return CredentialService(
        profile=profile(),
        store=account_store(),
        identity=cognito_accounts(),
        access=access(),
        codes=one_time_codes(),
        limiter=rate_limiter(),
        clock=clock(),
        pacer=MinimumDuration(),
        on_email_changed=lambda user_id, email: organisation_service().follow_email(user_id, email),
    )


@cache
def link_service() -> LinkService:
    from heatportal.services.accounts.links import LinkService

    return LinkService(
        profile=profile(),
        customers=repository(),
        store=account_store(),
        identity=cognito_accounts(),
        limiter=rate_limiter(),
        clock=clock(),
        notify=_link_notice,
    )


def _link_notice(customer: Customer, linked_by: str) -> None:
    """A login was linked to the customer: the customer is told at its e-mail
    on record, or by SMS where it has only a phone, so a wrong link is seen."""
    from heatportal.documents.account_emails import profile_notice_email

    if customer.email:
        facts = [("customer_number", customer.number), ("linked_user", linked_by)]
        subject, text, html = profile_notice_email("account_linked", customer.language, customer.name, facts, profile())
        mailer().send(customer.email, subject, text, html)
    elif customer.phone:
        from heatportal.domain.phone import normalise_phone
        from heatportal.i18n import translate

        phone = normalise_phone(customer.phone, profile().country, strict=True)
        if phone is not None:
            text = translate(
                "sms.account.linked",
                customer.language,
                utility=profile().name,
                customer_number=customer.number,
                email=linked_by,
            )
            sms().send(phone, text)


@cache
def customer_user_service() -> CustomerUserService:
    from heatportal.services.accounts.users import CustomerUserService

    return CustomerUserService(
        store=account_store(),
        identity=cognito_accounts(),
        codes=one_time_codes(),
        joining=joining(),
        limiter=rate_limiter(),
        clock=clock(),
        portal_url=config().portal_base_url,
    )


@cache
def forgotten_number_service() -> ForgottenNumberService:
    from functools import partial

    from heatportal.adapters.pacing import MinimumDuration
    from heatportal.documents.account_emails import pin_sms
    from heatportal.services.accounts.forgotten_number import ForgottenNumberService

    return ForgottenNumberService(
        profile=profile(),
        customers=repository(),
        store=account_store(),
        codes=one_time_codes(),
        limiter=rate_limiter(),
        clock=clock(),
        portal_url=config().portal_base_url,
        sms=sms(),
        render_pin_sms=partial(pin_sms, profile=profile()),
        pacer=MinimumDuration(),
    )


@cache
def name_index() -> DynamoNameIndex:
    """Customers by name, and several customers read in one request (the account chooser)."""
    from heatportal.adapters.dynamo_names import DynamoNameIndex

    return DynamoNameIndex(repository().table)


@cache
def customer_search() -> CustomerSearch:
    from heatportal.services.accounts.search import CustomerSearch

    return CustomerSearch(
        profile=profile(),
        customers=repository(),
        store=account_store(),
        names=name_index(),
    )
