"""``/logout``: sign out everywhere (ID tokens issued before are refused on every device)."""

import contextlib

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page

from heatportal import composition
from heatportal.domain.errors import Unauthorized
from heatportal.web import session as s

router = Router()


@router.post("/logout")
@page(router)
def logout(view: Page) -> Response[str]:
    principal = view.principal()  # who is signing out, from the (possibly refreshed) session
    if principal is not None:
        # ID tokens stay valid after GlobalSignOut: the API and the portal refuse older ones.
        composition.sessions().end_everywhere(principal.user_id)
    access_token = view.cookies.get(s.ACCESS_COOKIE)
    with contextlib.suppress(Unauthorized):  # already signed out elsewhere
        if view.username:
            composition.identity().sign_out_user(view.username)
        elif access_token:
            composition.identity().logout_everywhere(access_token)
    for name in (s.ID_COOKIE, s.ACCESS_COOKIE, s.REFRESH_COOKIE, s.CUSTOMER_COOKIE):
        view.set_cookies.append(s.expired(name, secure=view.secure))
    return view.redirect("/login")
