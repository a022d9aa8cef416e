"""``/account/tokens``: my personal access tokens for the data API: make one
(for chosen customers, the current customer's facilities, data kinds and an
expiry; shown once, on the page that answers the form), see when each was
last used, revoke one or all; and the configuration.yaml block that puts the
current customer's meters into Home Assistant's Energy dashboard."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, meters_in_use, page, signed_in
from portal_forms import error_text, form_status

from heatportal import composition
from heatportal.domain.errors import DomainError
from heatportal.domain.home_assistant import SECRET_NAME, SensorEntry, configuration_yaml
from heatportal.domain.open_data import DATA_KINDS, TokenGrant
from heatportal.services.access import Scope
from heatportal.web.api import customer_to_path

router = Router()

EXPIRY_DAYS = (30, 90, 180, 365)
MAX_SNIPPET_METERS = 50


def home_assistant_yaml(view: Page, scope: Scope) -> str:
    """The rest: block for the customer's meters in use that the person sees."""
    base = composition.config().portal_base_url.rstrip("/")
    customer = customer_to_path(scope.customer_number)
    entries = [
        SensorEntry(
            resource=f"{base}/api/v1/data/customers/{customer}/meters/{m.number}/home-assistant",
            meter_number=m.number,
            name=view.t("tokens.ha.sensor_name", kind=view.t(f"meter_kind.{m.kind.value}"), meter=m.number),
            unit=m.unit,
        )
        for m in meters_in_use(scope)
        if scope.sees(m.facility_id)
    ][:MAX_SNIPPET_METERS]
    header = [view.t("tokens.ha.yaml_1"), view.t("tokens.ha.yaml_2", secret=SECRET_NAME)]
    return configuration_yaml(entries, header=header)


def _tokens_page(
    view: Page, error: DomainError | None = None, values: dict[str, str] | None = None, created: str | None = None
) -> Response[str]:
    principal, number = signed_in(view)
    scope = view.scope(principal, number) if number is not None else None
    tokens = composition.personal_tokens().of(principal)
    now = composition.clock().now()
    return view.render(
        "account_tokens.html",
        201 if created else form_status(error),
        tokens=[(t, t.status(now)) for t in tokens],
        customers=[m.customer_number for m in view.memberships(principal)],
        current=number,
        facilities=[f for f in scope.record.facilities if scope.sees(f.id)] if scope else [],
        kinds=DATA_KINDS,
        expiries=EXPIRY_DAYS,
        created=created,
        secret_name=SECRET_NAME,
        secret_line=f'{SECRET_NAME}: "Bearer {created}"' if created else None,
        snippet=home_assistant_yaml(view, scope) if scope and not principal.is_staff else None,
        is_staff=principal.is_staff,
        error=error_text(view, error),
        wrong={str(f.get("field")) for f in error.fields} if error else set(),
        values=values or {},
    )


@router.get("/account/tokens")
@page(router)
def tokens(view: Page) -> Response[str]:
    return _tokens_page(view)


def _grants(current: str | None, customers: list[str], facilities: list[str]) -> list[TokenGrant]:
    """The ticked customers; the ticked facilities narrow the current customer's grant."""
    return [
        TokenGrant(c, frozenset(facilities) if facilities and c == current else None) for c in dict.fromkeys(customers)
    ]


@router.post("/account/tokens")
@page(router)
def create_token(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    form = view.form()
    try:
        days = int(form.get("expires_in_days", "90") or "90")
    except ValueError:
        days = 0
    try:
        _, secret = composition.personal_tokens().create(
            principal,
            form.get("name", ""),
            _grants(number, view.form_list("customer"), view.form_list("facility")),
            view.form_list("kind"),
            days,
        )
    except DomainError as error:
        if error.code in ("forbidden", "token_staff"):
            raise
        return _tokens_page(view, error, form)
    return _tokens_page(view, created=secret)


@router.post("/account/tokens/<token_id>/revoke")
@page(router)
def revoke_token(view: Page, token_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    composition.personal_tokens().revoke(principal, token_id)
    return view.redirect("/account/tokens")


@router.post("/account/tokens/revoke-all")
@page(router)
def revoke_all_tokens(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    composition.personal_tokens().revoke_all(principal)
    return view.redirect("/account/tokens")
