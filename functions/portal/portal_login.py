"""``/login``: sign-in (by e-mail, or by customer number where the profile
allows it), in the language the person chose last time."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import LANG_COOKIE_SECONDS, Page, cognito_username, page

from heatportal import composition
from heatportal.domain.errors import RateLimited, Unauthorized
from heatportal.domain.model import LANGUAGES
from heatportal.web import session as s
from heatportal.web.redirects import safe_next

router = Router()


@router.get("/login")
@page(router)
def login_form(view: Page) -> Response[str]:
    return view.render("login.html", next=safe_next(view.query.get("next")), error=None, username="")


@router.post("/login")
@page(router)
def login(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)
    username = form.get("username", "").strip()
    try:
        # The same sign-in as the API: rate limits per username and per client
        # address, and the customer-number login where the profile allows it.
        tokens = composition.credential_service().login(
            username, form.get("password", ""), view.client, composition.sign_in
        )
    except (Unauthorized, RateLimited) as error:
        status = 429 if isinstance(error, RateLimited) else 401
        return view.render(
            "login.html",
            status,
            next=safe_next(form.get("next")),
            error=view.t(f"error.{error.code}", **error.params),
            username=username,
        )
    remember = form.get("remember") == "on"
    view.set_cookies.append(s.cookie(s.ID_COOKIE, tokens.id_token, secure=view.secure))
    view.set_cookies.append(s.cookie(s.ACCESS_COOKIE, tokens.access_token, secure=view.secure))
    if tokens.refresh_token:
        # "Remember me" keeps the refresh token for 30 days; otherwise for the browser session.
        view.set_cookies.append(
            s.cookie(
                s.REFRESH_COOKIE,
                tokens.refresh_token,
                secure=view.secure,
                max_age=s.REMEMBER_SECONDS if remember else None,
            )
        )
    _use_stored_language(view, tokens.id_token)
    # A new sign-in starts without a chosen customer: "/" lands each person
    # where they start (portal_layout.landing); the last choice is remembered.
    view.leave_customer()
    return view.redirect(safe_next(form.get("next")))


def _use_stored_language(view: Page, id_token: str) -> None:
    """Start in the language the person chose last time (stored on the Cognito
    user); someone who never chose keeps what this browser shows and has it stored."""
    claims = composition.jwt_verifier().verify(id_token)
    username = cognito_username(claims)
    if username is None:
        return
    stored = claims.get("locale") or composition.identity().locale_of(username)
    language = next((lang for lang in LANGUAGES if lang == stored), None)
    if language is not None:
        view.set_cookies.append(s.cookie(s.LANG_COOKIE, language, secure=view.secure, max_age=LANG_COOKIE_SECONDS))
    elif view.cookies.get(s.LANG_COOKIE) == view.lang:
        composition.identity().remember_locale(username, view.lang)
