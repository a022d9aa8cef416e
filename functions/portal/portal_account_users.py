"""``/account/users``: a customer's users, roles, invitations and audit trail
(its administrators change them; customer service sees them)."""

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import Role
from heatportal.services.access import Scope
from heatportal.web.api import status_of

router = Router()


def _role(value: str) -> Role:
    if value not in {r.value for r in Role}:
        raise ValidationFailed("Choose a role.", code="validation_failed", fields=[{"field": "role"}])
    return Role(value)


def _users_page(view: Page, error: DomainError | None = None) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    service = composition.customer_user_service()
    scope = view.scope(principal, number, audit=True)
    members, invitations = service.users(scope)
    trail = service.audit(scope)
    return view.render(
        "account_users.html",
        400 if error else 200,
        members=members,
        invitations=invitations,
        trail=trail,
        roles=[Role.ADMIN, Role.FULL, Role.READ],
        me=principal.user_id,
        error=view.t(f"error.{error.code}", **error.params) if error else None,
    )


@router.get("/account/users")
@page(router)
def users(view: Page) -> Response[str]:
    return _users_page(view)


def _change_access(view: Page, change: Callable[[Scope], object]) -> Response[str]:
    principal, number = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    if number is None:
        return view.render("no_customer.html")
    try:
        change(view.scope(principal, number))
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _users_page(view, error)
    return view.redirect("/account/users")


@router.post("/account/users")
@page(router)
def invite(view: Page) -> Response[str]:
    form = view.form()
    role = form.get("role", "read")
    return _change_access(
        view, lambda scope: composition.customer_user_service().invite(scope, form.get("email", ""), _role(role))
    )


@router.post("/account/users/<user_id>/role")
@page(router)
def change_role(view: Page, user_id: str) -> Response[str]:
    form = view.form()
    role = form.get("role", "")
    return _change_access(
        view, lambda scope: composition.customer_user_service().change_role(scope, user_id, _role(role))
    )


@router.post("/account/users/<user_id>/remove")
@page(router)
def remove_user(view: Page, user_id: str) -> Response[str]:
    return _change_access(view, lambda scope: composition.customer_user_service().remove_user(scope, user_id))


@router.post("/account/invitations/<invitation_id>/cancel")
@page(router)
def cancel_invitation(view: Page, invitation_id: str) -> Response[str]:
    return _change_access(
        view, lambda scope: composition.customer_user_service().cancel_invitation(scope, invitation_id)
    )
