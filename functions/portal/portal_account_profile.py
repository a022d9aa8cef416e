"""``/account/profile``: the customer's personal data on record, billing
address, bank account (one per facility where there are several) and the
contact form to customer service."""

from collections.abc import Callable
from datetime import date

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import Address
from heatportal.services.access import Scope
from heatportal.web.api import status_of

router = Router()


def _profile_page(view: Page, error: DomainError | None = None, notice: str | None = None) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    service = composition.profile_service()
    scope = view.scope(principal, number)
    customer, bank = service.view(scope)
    return view.render(
        "account_profile.html",
        status_of(error) if error and status_of(error) != 401 else (400 if error else 200),
        customer=customer,
        bank=bank,
        # A different account per facility is offered when there are several.
        facility_accounts=service.facility_accounts(scope),
        sepa=composition.profile().currency == "EUR",
        today=composition.clock().today(),
        error=view.t(f"error.{error.code}", **error.params) if error else None,
        notice=notice,
    )


@router.get("/account/profile")
@page(router)
def profile_page(view: Page) -> Response[str]:
    return _profile_page(view, notice="account.profile.saved" if view.query.get("saved") else None)


def _profile_change(view: Page, change: Callable[[Scope, dict[str, str]], object]) -> Response[str]:
    principal, number = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    if number is None:
        return view.render("no_customer.html")
    try:
        change(view.scope(principal, number), form)
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _profile_page(view, error)
    return view.redirect("/account/profile?saved=1")


@router.post("/account/profile/contact")
@page(router)
def profile_contact(view: Page) -> Response[str]:
    return _profile_change(
        view,
        lambda scope, f: composition.profile_service().change_contact(scope, f.get("email"), f.get("phone")),
    )


@router.post("/account/profile/billing-address")
@page(router)
def profile_address(view: Page) -> Response[str]:
    def change(scope: Scope, f: dict[str, str]) -> object:
        address = Address(
            street=f.get("street", "").strip() or "-",
            postcode=f.get("postcode", "").strip(),
            city=f.get("city", "").strip() or "-",
            country=composition.profile().country,
        )
        return composition.profile_service().change_billing_address(scope, address, f.get("password", ""))

    return _profile_change(view, change)


@router.post("/account/profile/bank-account")
@page(router)
def profile_bank(view: Page) -> Response[str]:
    def change(scope: Scope, f: dict[str, str]) -> object:
        try:
            valid_from = date.fromisoformat(f.get("valid_from", ""))
        except ValueError as error:
            raise ValidationFailed(
                "Enter a date.", code="validation_failed", fields=[{"field": "valid_from"}]
            ) from error
        return composition.profile_service().change_bank_account(
            scope,
            iban=f.get("iban", ""),
            holder=f.get("holder", ""),
            valid_from=valid_from,
            sepa_mandate=f.get("sepa_mandate") == "on",
            password=f.get("password", ""),
            facility_id=f.get("facility_id") or None,
        )

    return _profile_change(view, change)


@router.post("/account/profile/bank-account/<facility_id>/remove")
@page(router)
def profile_bank_remove(view: Page, facility_id: str) -> Response[str]:
    return _profile_change(
        view, lambda scope, _f: composition.profile_service().remove_facility_bank_account(scope, facility_id)
    )


@router.post("/account/profile/contact-request")
@page(router)
def profile_message(view: Page) -> Response[str]:
    return _profile_change(
        view,
        lambda scope, f: composition.profile_service().contact(
            scope, f.get("subject", ""), f.get("message", ""), f.get("phone", "")
        ),
    )
