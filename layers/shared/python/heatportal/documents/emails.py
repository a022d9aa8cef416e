"""Emails to customers, rendered with Jinja2 in the customer's language.

Each email has a subject, a plain-text part and an HTML part; ``build_mime``
packs them with attachments into one raw MIME message for SESv2
(``send_email(Content={"Raw": {"Data": ...}})``). Raw MIME, because a
two-part message through SES v1's simple API keeps only the HTML (and moto
behaves the same).

Texts come from the i18n catalogs (``email.*`` and shared keys); templates only
lay them out. HTML templates autoescape, so a customer named ``<script>`` is
shown, not run; plain-text templates do not escape (there is nothing to run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from heatportal.domain.model import Customer, Invoice, Language
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import format_date, format_quantity, translate, translator

__all__ = [
    "Attachment",
    "RenderedEmail",
    "build_mime",
    "invoice_email",
    "reading_confirmation_email",
]

Attachment = tuple[str, bytes, str]
"""(file name, content, MIME type), e.g. ("Faktura-1234.pdf", b"%PDF...", "application/pdf")."""


class RenderedEmail(BaseModel):
    """An email ready to send: one-line subject, plain text and HTML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("heatportal.documents", "templates/email"),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _one_line(text: str) -> str:
    # A subject is one header line; names and catalog texts must not break it.
    return " ".join(text.split())


def _linker(lang: Language, color: str) -> Callable[[str, str], Markup]:
    """Renders a catalog text whose ``{url}`` becomes a link; everything else is escaped."""

    def link(key: str, url: str) -> Markup:
        before, _, after = translate(key, lang, url="\x00").partition("\x00")
        return Markup('{}<a href="{}" style="color:{};">{}</a>{}').format(before, url, color, url, after)

    return link


def _render(template: str, lang: Language, subject: str, profile: UtilityProfile, **context: object) -> RenderedEmail:
    env = _environment()
    common = {
        "_": translator(lang),
        "link": _linker(lang, profile.branding.primary_color),
        "lang": lang,
        "subject": subject,
        "utility": profile.name,
        "branding": profile.branding,
        **context,
    }
    return RenderedEmail(
        subject=subject,
        text=env.get_template(f"{template}.txt").render(common),
        html=env.get_template(f"{template}.html").render(common),
    )


def invoice_email(invoice: Invoice, customer: Customer, profile: UtilityProfile, portal_url: str) -> RenderedEmail:
    """The email that carries an invoice (or credit note, settlement, advance) PDF:
    what it is, how much, and how it is paid (account and reference, or the
    direct-debit date), in the invoice's language."""
    from heatportal.documents.invoice_text import invoice_text

    lang = invoice.language
    kind = invoice.kind.value
    view = invoice_text(invoice, customer, profile)
    subject = _one_line(
        translate(
            "email.invoice.subject",
            lang,
            kind=translate(f"invoice_kind.{kind}", lang),
            number=invoice.number,
            utility=profile.name,
        )
    )
    facts = [*view.facts, view.total]
    return _render(
        "invoice",
        lang,
        subject,
        profile,
        customer_name=customer.name,
        intro=translate(f"email.invoice.intro.{kind}", lang, period=view.supply_period),
        facts=facts,
        payment=view.payment,
        portal_url=portal_url,
    )


def reading_confirmation_email(
    customer: Customer,
    meter_number: str,
    read_on: date,
    value: Decimal,
    unit: str,
    profile: UtilityProfile,
    *,
    portal_url: str | None = None,
) -> RenderedEmail:
    """The confirmation a customer gets after submitting a meter reading."""
    lang = customer.language
    subject = _one_line(translate("email.reading.subject", lang, meter=meter_number))
    facts = [
        (translate("meters.meter_number", lang), meter_number),
        (translate("meters.reading_date", lang), format_date(read_on, lang)),
        (translate("meters.reading_value", lang), format_quantity(value, str(unit), lang)),
    ]
    return _render(
        "reading_confirmation",
        lang,
        subject,
        profile,
        customer_name=customer.name,
        facts=facts,
        portal_url=portal_url,
    )


def build_mime(
    sender: str,
    recipient: str,
    email: RenderedEmail,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """A raw RFC 5322 message: multipart/mixed holding multipart/alternative
    (text, then HTML) and the attachments, for SESv2 ``Content.Raw.Data``.

    Text parts are quoted-printable, attachments base64, so the message is 7-bit
    clean; header values with CR or LF are refused by the email package.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = _one_line(email.subject)
    message["Date"] = formatdate(usegmt=True)
    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    message.make_mixed()
    for filename, content, mimetype in attachments:
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(
            content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=filename,
        )
    return message.as_bytes(policy=SMTP)
