"""Contact data and free text as people type them, checked before anything is
stored, so one customer's odd input cannot break what is sent to or printed
for others (a bill run's e-mails, a PDF, a staff list).

- E-mail addresses are deliverable addr-specs (RFC 5322, no quoted local
  part, no address literal, a domain that is valid IDNA and not a reserved
  name), checked by email-validator without a DNS look-up, and kept in one
  form: ASCII (the IDNA domain as punycode), lower case.
- Phone numbers are valid numbers for their country (phonenumbers), kept in
  E.164. The one normalisation is ``heatportal.domain.phone.normalise_phone``
  (strict: a number that exists in its country's numbering plan).
- Free text holds no control character (a line break only where the field is
  multi-line) and no bidi embedding, override or isolate (which make a text
  show something else than it says); a required one is not blank.
"""

from __future__ import annotations

import unicodedata

from heatportal.domain.errors import ValidationFailed
from heatportal.domain.phone import normalise_phone

MAX_EMAIL_LENGTH = 254
# Embeddings, overrides and isolates: U+202A-U+202E, U+2066-U+2069.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_LINE_BREAKS = frozenset("\n\r\t")


def hidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of ``text`` no field may hold, or None. Multi-line
    text may hold line breaks and tabs; single-line text no line or paragraph
    separator either."""
    for char in text:
        if char in BIDI_CONTROLS:
            return char
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in _LINE_BREAKS):
            return char
        if category == "Cs" or (not multiline and category in {"Zl", "Zp"}):
            return char
    return None


def _refused(field: str, code: str, message: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=dict(params), fields=[{"field": field, "code": code}])


def text_invalid(field: str) -> ValidationFailed:
    """The refusal of a field that holds a hidden character (``hidden_character``)."""
    return _refused(field, "text_invalid", "The text holds a character that cannot be shown.")


def email_address(value: str, *, field: str = "email", code: str = "email_invalid") -> str:
    """The address in its one stored form, or ValidationFailed(``code``)."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    if not text or len(text) > MAX_EMAIL_LENGTH:
        raise _refused(field, code, "Enter a valid e-mail address.")
    try:
        checked = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            globally_deliverable=True,
        )
    except EmailNotValidError as error:
        raise _refused(field, code, "Enter a valid e-mail address.") from error
    address = (checked.ascii_email or checked.normalized).lower()
    if len(address) > MAX_EMAIL_LENGTH:
        raise _refused(field, code, "Enter a valid e-mail address.")
    return address


def phone_number(value: str, country: str, *, field: str = "phone", code: str = "phone_invalid") -> str:
    """The number in E.164 (``+4791234567``), or ValidationFailed(``code``)."""
    phone = None if hidden_character(value) else normalise_phone(value, country, strict=True)
    if phone is None:
        raise _refused(field, code, "Enter a valid phone number.")
    return phone


def plain_text(value: str, *, field: str, max_length: int, multiline: bool = False, required: bool = True) -> str:
    """``value`` without surrounding white space, or ValidationFailed:
    ``text_invalid`` (a hidden character), ``text_required`` (blank),
    ``text_too_long``."""
    if hidden_character(value, multiline=multiline) is not None:
        raise text_invalid(field)
    text = value.strip()
    if required and not text:
        raise _refused(field, "text_required", "Fill in this field.")
    if len(text) > max_length:
        raise _refused(field, "text_too_long", "The text is too long.", max=max_length)
    return text
