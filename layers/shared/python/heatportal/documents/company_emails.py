"""E-mails of management companies: the code that lets a company's
contact person or a new manager accept an invitation, and notices to
administrators (a customer invited your company; a company registered your
customer number)."""

from __future__ import annotations

from heatportal.documents.emails import _one_line, _render
from heatportal.domain.model import Language
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import translate


def company_code_email(
    kind: str, lang: Language, code: str, params: dict[str, str], link: str | None, profile: UtilityProfile
) -> tuple[str, str, str]:
    """``kind`` "member" (join a company) or "company" (a customer invites a company)."""
    subject = _one_line(translate(f"email.company.{kind}.subject", lang, **params))
    rendered = _render(
        "account_code",
        lang,
        subject,
        profile,
        customer_name=params.get("company", ""),
        intro=translate(f"email.company.{kind}.intro", lang, **params),
        code=code,
        code_label=translate("email.account.code_label", lang),
        validity=translate("email.company.validity", lang),
        ignore=translate("email.account.ignore", lang),
        link_url=link,
        link_label=translate("email.account.link_label", lang),
    )
    return rendered.subject, rendered.text, rendered.html


def company_notice_email(
    kind: str, lang: Language, params: dict[str, str], profile: UtilityProfile
) -> tuple[str, str, str]:
    """``kind`` "company_invited" (to a company's administrators),
    "company_registered" (to the customer's administrators) or "signup_exists"
    (a sign-up for a company that is already registered)."""
    subject = _one_line(translate(f"email.company.{kind}.subject", lang, **params))
    facts = [(translate("company.fact.company", lang), f"{params.get('company', '')} ({params.get('org_number', '')})")]
    if "customer" in params:
        customer = f"{params['customer']} ({params.get('customer_number', '')})"
        facts.insert(0, (translate("company.fact.customer", lang), customer))
    rendered = _render(
        "account_notice",
        lang,
        subject,
        profile,
        customer_name=params.get("customer", "") if kind == "company_registered" else params.get("company", ""),
        intro=translate(f"email.company.{kind}.intro", lang, **params),
        facts=facts,
        ignore=translate(f"email.company.{kind}.not_you", lang),
    )
    return rendered.subject, rendered.text, rendered.html
