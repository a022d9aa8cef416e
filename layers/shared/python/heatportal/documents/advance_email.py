"""The confirmation email of an advance payment change."""

from __future__ import annotations

from heatportal.documents.emails import RenderedEmail, _one_line, _render
from heatportal.domain.model import Customer
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import format_date, format_money, translate


def advance_confirmation_email(
    customer: Customer,
    advance: AdvancePayment,
    previous: AdvancePayment | None,
    profile: UtilityProfile,
    portal_url: str,
) -> RenderedEmail:
    lang = customer.language
    subject = _one_line(translate("email.advance.subject", lang, utility=profile.name))
    facts = [
        (translate("advance.new_amount", lang), format_money(advance.amount, advance.currency, lang)),
        (translate("advance.valid_from", lang), format_date(advance.valid_from, lang)),
    ]
    if previous is not None:
        facts.insert(
            0, (translate("advance.previous_amount", lang), format_money(previous.amount, previous.currency, lang))
        )
    if advance.comment:
        facts.append((translate("advance.comment", lang), advance.comment))
    return _render(
        "advance_confirmation",
        lang,
        subject,
        profile,
        customer_name=customer.name,
        facts=facts,
        portal_url=portal_url,
    )
