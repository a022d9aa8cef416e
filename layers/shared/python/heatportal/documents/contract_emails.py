"""E-mails of contracts and moving: moving out confirmed, the incoming
party's code, welcome (customer number and how to register), a contract
signed, an expression of interest received, a document published. One
template (``contract_notice``): an introduction, facts, an optional code and
link, paragraphs."""

from __future__ import annotations

from heatportal.documents.emails import RenderedEmail, _one_line, _render
from heatportal.domain.notices import Notice
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import translate


def contract_notice_email(notice: Notice, profile: UtilityProfile) -> RenderedEmail:
    lang = notice.language
    params = {"utility": profile.name, **notice.params}
    subject = _one_line(translate(f"email.{notice.kind}.subject", lang, **params))
    return _render(
        "contract_notice",
        lang,
        subject,
        profile,
        customer_name=notice.name,
        intro=translate(f"email.{notice.kind}.intro", lang, **params),
        facts=[(translate(label, lang), value) for label, value in notice.facts],
        code=notice.code,
        code_label=translate("email.moving.code_label", lang),
        paragraphs=[translate(key, lang, **params) for key in notice.paragraphs],
        link_url=notice.link,
        link_label=translate("email.account.link_label", lang),
        closing=translate("email.profile.not_you", lang),
    )
