"""``/account/sharing``: the customer's data shares with energy-service
providers (FFVAV §5(4)): its administrators name a provider, the facilities,
what it may read and for which period; the provider gets its token by e-mail;
they revoke a share at any time. Customer service sees the shares."""

from datetime import date, timedelta

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import error_text, form_status

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.open_data import DATA_KINDS

router = Router()


def _day(form: dict[str, str], name: str) -> date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            "Enter a date as YYYY-MM-DD.", code="date_invalid", fields=[{"field": name, "code": "date_invalid"}]
        ) from None


def _sharing_page(
    view: Page, error: DomainError | None = None, values: dict[str, str] | None = None, notice: str | None = None
) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number)
    shares = composition.provider_shares().of(scope)
    today = composition.clock().today()
    facilities = list(scope.record.facilities)
    return view.render(
        "account_sharing.html",
        form_status(error),
        shares=[(s, s.status(today)) for s in shares],
        facilities=facilities,
        facility_names={f.id: f.name for f in facilities},
        kinds=DATA_KINDS,
        is_staff=principal.is_staff,
        today=today.isoformat(),
        year_ahead=(today + timedelta(days=365)).isoformat(),
        notice=notice or view.query.get("sent"),
        error=error_text(view, error),
        wrong={str(f.get("field")) for f in error.fields} if error else set(),
        values=values or {},
    )


@router.get("/account/sharing")
@page(router)
def sharing(view: Page) -> Response[str]:
    return _sharing_page(view)


@router.post("/account/sharing")
@page(router)
def grant_share(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    form = view.form()
    if number is None:
        return view.render("no_customer.html")
    try:
        share = composition.provider_shares().grant(
            view.scope(principal, number),
            provider_name=form.get("provider_name", ""),
            provider_email=form.get("provider_email", ""),
            facilities=view.form_list("facility"),
            kinds=view.form_list("kind"),
            valid_from=_day(form, "valid_from"),
            valid_until=_day(form, "valid_until") or date.min,
            language=view.lang,
        )
    except DomainError as error:
        if error.code in ("forbidden", "share_customer_only"):
            raise
        return _sharing_page(view, error, form)
    return view.redirect(f"/account/sharing?sent={share.provider_email}")


@router.post("/account/sharing/<share_id>/revoke")
@page(router)
def revoke_share(view: Page, share_id: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    composition.provider_shares().revoke(view.scope(principal, number), share_id)
    return view.redirect("/account/sharing")
