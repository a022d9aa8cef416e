"""The e-mail that carries a provider share's token to the provider
(services.open_data.shares): who shared what for which period, the token
(the only place it is ever shown), and where the API and its documentation are."""

from __future__ import annotations

from heatportal.documents.emails import RenderedEmail, _one_line, _render
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import format_date, translate
from heatportal.services.open_data.shares import ShareNotice


def share_email(notice: ShareNotice, profile: UtilityProfile, api_url: str) -> RenderedEmail:
    lang = notice.language
    share = notice.share
    params = {"customer": notice.customer_name, "provider": share.provider_name, "utility": profile.name}
    subject = _one_line(translate("email.share.subject", lang, **params))
    facts = [
        (translate("share.fact.customer", lang), f"{notice.customer_name} ({share.customer_number})"),
        (translate("share.fact.facilities", lang), ", ".join(f"{f.name} ({f.id})" for f in notice.facilities)),
        (
            translate("share.fact.kinds", lang),
            ", ".join(translate(f"data.kind.{k}", lang) for k in sorted(share.kinds)),
        ),
        (
            translate("share.fact.period", lang),
            f"{format_date(share.valid_from, lang)} – {format_date(share.valid_until, lang)}",
        ),
        (translate("share.fact.token", lang), notice.secret),
        (translate("share.fact.api", lang), f"{api_url.rstrip('/')}/api/v1/data/customers"),
        (translate("share.fact.docs", lang), f"{api_url.rstrip('/')}/api/docs"),
    ]
    return _render(
        "account_notice",
        lang,
        subject,
        profile,
        customer_name=share.provider_name,
        intro=translate("email.share.intro", lang, **params),
        facts=facts,
        ignore=translate("email.share.keep_secret", lang, **params),
    )
