"""E-mails of the accounts area: registration code, password reset code,
invitation. Each carries a one-time code (shown big, also in the text part)
and, where there is one, a link to the page that asks for it."""

from __future__ import annotations

from heatportal.documents.emails import _one_line, _render
from heatportal.domain.accounts import CodeMessage
from heatportal.domain.model import Language
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import translate


def account_code_email(message: CodeMessage, profile: UtilityProfile) -> tuple[str, str, str]:
    """(subject, text, html) of the e-mail that carries a one-time code."""
    lang = message.language
    purpose = message.purpose
    params = {"utility": profile.name, "customer_number": message.customer_number or "", "code": message.code}
    subject = _one_line(translate(f"email.account.{purpose}.subject", lang, **params))
    rendered = _render(
        "account_code",
        lang,
        subject,
        profile,
        customer_name=message.name or message.recipient,
        intro=translate(f"email.account.{purpose}.intro", lang, **params),
        code=message.code,
        code_label=translate("email.account.pin.code_label" if purpose == "pin" else "email.account.code_label", lang),
        validity=translate(f"email.account.{purpose}.validity", lang),
        ignore=translate("email.account.ignore", lang),
        link_url=message.link,
        link_label=translate("email.account.link_label", lang),
    )
    return rendered.subject, rendered.text, rendered.html


def pin_sms(customer_number: str, pin: str, lang: Language, profile: UtilityProfile) -> str:
    """The SMS with a customer number and a new PIN."""
    return translate("sms.account.pin", lang, utility=profile.name, customer_number=customer_number, pin=pin)


def profile_notice_email(
    kind: str, lang: Language, customer_name: str, facts: list[tuple[str, str]], profile: UtilityProfile
) -> tuple[str, str, str]:
    """Confirmation of a profile change or a contact request."""
    subject = _one_line(translate(f"email.profile.{kind}.subject", lang, utility=profile.name))
    labelled = [(translate(f"profile.fact.{label}", lang), value) for label, value in facts]
    rendered = _render(
        "account_notice",
        lang,
        subject,
        profile,
        customer_name=customer_name,
        intro=translate(f"email.profile.{kind}.intro", lang),
        facts=labelled,
        ignore=translate("email.profile.not_you", lang),
    )
    return rendered.subject, rendered.text, rendered.html
