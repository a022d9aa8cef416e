"""The advance payment page rendered from its template with the
Dutch profile; the local test stack runs the Norwegian one, which has no advances."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.i18n import format_date, format_money, translate
from heatportal.services.advance import AdvanceOverview, AllowedRange

PORTAL = Path(__file__).resolve().parents[2] / "functions" / "portal"
TEMPLATES = PORTAL / "templates"


def signed_in_frame(profile: UtilityProfile) -> Any:
    """The frame the portal draws around a customer's page (menu of the profile)."""
    if str(PORTAL) not in sys.path:
        sys.path.append(str(PORTAL))  # the portal function's folder, as on Lambda
    import portal_layout

    menu = portal_layout.menu_for(profile, staff=False, whole_customer=True, companies=False)
    return portal_layout.Frame(menu, staff=False, customer=None, viewing_as_staff=None, several_accounts=False)


def render(template: str, **context: object) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    profile = load_profile("nl")
    return env.get_template(template).render(
        t=lambda key, **params: translate(key, "nl", **params),
        lang="nl",
        languages=[("nl", "Nederlands")],
        profile=profile,
        brand=profile.branding,
        csrf="token",
        path="/advance",
        money=lambda amount, currency="EUR": format_money(amount, currency, "nl"),
        day=lambda d: format_date(d, "nl"),
        customer=None,
        frame=signed_in_frame(profile),
        **context,
    )


def overview(**changes: object) -> AdvanceOverview:
    base = AdvanceOverview(
        customer_number="12345678901",
        currency="EUR",
        current=AdvancePayment("12345678901", date(2026, 1, 1), Decimal("95.00"), "EUR"),
        valid_to=None,
        upcoming=None,
        per_supply_type={"heat": Decimal("79.17"), "hot_water": Decimal("15.83")},
        expected_yearly_cost=Decimal("1200.00"),
        allowed=AllowedRange(Decimal("70.00"), Decimal("150.00")),
        earliest_change=date(2026, 4, 1),
    )
    return AdvanceOverview(**{**base.__dict__, **changes})


def test_the_advance_page_shows_amount_split_range_and_the_change_form():
    html = render("billing_advance.html", advance=overview(), changed=None, error=None, form=None)
    assert "Voorschot" in html
    html = html.replace("\xa0", " ")  # Babel puts a no-break space between sign and amount
    assert "€ 95,00" in html and "€ 79,17" in html and "€ 15,83" in html
    assert "Toegestaan bedrag: € 70,00 tot € 150,00 per maand" in html
    assert 'name="desired_from" type="date" min="2026-04-01"' in html
    assert 'name="csrf" value="token"' in html
    assert 'href="/advance" aria-current="page"' in html  # the nav shows it for advance_yearly utilities


def test_a_refused_change_keeps_the_entry_and_shows_the_reason():
    message = translate("error.advance_out_of_range", "nl", minimum="70.00", maximum="150.00", currency="EUR")
    html = render(
        "billing_advance.html",
        advance=overview(),
        changed=None,
        error=message,
        form={"amount": "400", "desired_from": "2026-05-01", "comment": "<b>x</b>"},
    )
    assert "tussen 70.00 en 150.00 EUR per maand" in html
    assert 'value="400"' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # escaped
