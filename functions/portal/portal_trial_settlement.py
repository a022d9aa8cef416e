"""``/trial-settlement``: what the bill of the running period would be now, for
readings the person enters or the latest ones; nothing is stored."""

from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import decimal_or_none

from heatportal import composition
from heatportal.documents.invoice_text import describe_line
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.profile import BillingMode
from heatportal.web.api import status_of

router = Router()


def _trial_page(
    view: Page, number: str, readings: dict[str, Decimal], status: int = 200, **extra: Any
) -> Response[str]:
    principal, _ = signed_in(view)
    scope = view.scope(principal, number, invoices=True)
    trial = composition.trial_settlement_service().trial(scope, readings)
    meters = {m.number: m for m in scope.record.meters}
    currency = trial.priced.currency
    lines = [describe_line(line, view.lang, currency) for line in trial.priced.lines]
    year = None
    if composition.profile().billing_mode == BillingMode.ADVANCE_YEARLY:
        year = composition.advance_year_service().year(scope)
    return view.render("billing_trial.html", status, trial=trial, lines=lines, year=year, meters=meters, **extra)


@router.get("/trial-settlement")
@page(router)
def trial_settlement(view: Page) -> Response[str]:
    _, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    return _trial_page(view, number, {})


@router.post("/trial-settlement")
@page(router)
def trial_settlement_entered(view: Page) -> Response[str]:
    _, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    typed = {key.removeprefix("reading-"): value for key, value in form.items() if key.startswith("reading-")}
    entered: dict[str, Decimal] = {}
    for meter, value in typed.items():
        try:
            parsed = decimal_or_none(value, view.lang)
        except ValidationFailed:
            message = view.t("error.reading_not_a_number")
            return _trial_page(view, number, {}, 422, errors=[(f"reading-{meter}", message)], typed=typed)
        if parsed is not None:
            entered[meter] = parsed
    try:
        return _trial_page(view, number, entered, typed=typed)
    except DomainError as error:
        message = view.t(f"error.{error.code}", **error.params)
        field = f"reading-{error.params['meter']}" if "meter" in error.params else "trial"
        return _trial_page(view, number, {}, status_of(error), errors=[(field, message)], typed=typed)
