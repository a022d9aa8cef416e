"""Phone numbers as the utility stores and compares them: E.164 (``+4791234567``)."""

from __future__ import annotations


def normalise_phone(text: str, country: str, *, strict: bool = True) -> str | None:
    """The number in E.164, a national number read as one of ``country``; None
    when ``text`` is no phone number.

    ``strict``: only a number that exists in its country's numbering plan (a
    number someone gives to be reached at: contact data, SMS reminders, an SMS
    sender). Not strict: any number of a possible length, to compare a typed
    number with one on record, which may be older than the plan's current
    ranges.
    """
    import phonenumbers  # its metadata is large: loaded on first use

    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    valid = phonenumbers.is_valid_number(parsed) if strict else phonenumbers.is_possible_number(parsed)
    if not valid:
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
