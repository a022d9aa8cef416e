"""``/advance``: the monthly advance payment in force, its split by supply type
and the allowed range; a change from the 1st of a month (advance billing only)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import date_or_none, decimal_or_none

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.profile import BillingMode

router = Router()


def _advance_page(view: Page, number: str, status: int = 200, **extra: Any) -> Response[str]:
    principal, _ = signed_in(view)
    overview = composition.advance_service().overview(view.scope(principal, number))
    return view.render("billing_advance.html", status, advance=overview, **extra)


@router.get("/advance")
@page(router)
def advance(view: Page) -> Response[str]:
    _, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    if composition.profile().billing_mode != BillingMode.ADVANCE_YEARLY:
        return view.render("error.html", 404, message=view.t("error.advance_not_used"))
    try:
        changed = date_or_none(view.query.get("changed") or "")
    except ValidationFailed:
        changed = None
    return _advance_page(view, number, changed=changed)


@router.post("/advance")
@page(router)
def change_advance(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    try:
        amount = decimal_or_none(form.get("amount", ""), view.lang)
        desired = date_or_none(form.get("desired_from", ""))
        if amount is None or desired is None or amount <= 0:
            raise ValidationFailed("Amount and date are required.", code="validation_failed")
        scope = view.scope(principal, number)
        changed, _ = composition.advance_service().change(scope, amount, desired, form.get("comment", ""))
    except DomainError as error:
        message = view.t(f"error.{error.code}", **error.params)  # Decimals come out as "167,26" in Dutch
        return _advance_page(view, number, 422, error=message, form=form)
    return view.redirect(f"/advance?changed={changed.valid_from.isoformat()}")
