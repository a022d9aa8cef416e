"""``/language``: the language switcher (a CSRF-checked POST; signed in, the choice
is stored on the user)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page

from heatportal.domain.model import LANGUAGES
from heatportal.web.redirects import safe_next

router = Router()


@router.post("/language")
@page(router)
def switch_language(view: Page) -> Response[str]:
    """The language switcher (a POST, so no other site can change a person's
    stored choice). The CSRF token is checked by page() before this runs."""
    form = view.form()
    chosen = next((lang for lang in LANGUAGES if lang == form.get("lang")), None)
    if chosen is not None:
        view.principal()  # so a signed-in person's choice is stored on the user
        view.switch_language(chosen)
        view.remember_language()
    return view.redirect(safe_next(form.get("next")))
