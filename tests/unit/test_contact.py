"""Contact data and free text are checked before they are stored: e-mail
addresses as deliverable addr-specs in one ASCII lower-case form (an IDNA
domain as punycode), phones as valid E.164 numbers, free text without control
or bidi characters and never blank where required."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatportal.domain.contact import BIDI_CONTROLS, email_address, hidden_character, phone_number, plain_text
from heatportal.domain.errors import ValidationFailed


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Kari.Nordmann@Example.COM", "kari.nordmann@example.com"),
        ("  kari@example.com ", "kari@example.com"),
        ("kari@ødegård.no", "kari@xn--degrd-ora3k.no"),
        ("kari+faktura@fjordvarme.example", "kari+faktura@fjordvarme.example"),
    ],
)
def test_an_address_is_kept_in_one_form(typed: str, stored: str) -> None:
    assert email_address(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "a,b@example.com",
        "a@example.com, b@example.com",
        "Kari <kari@example.com>",
        '"a b"@example.com',
        "a@[127.0.0.1]",
        "a..b@example.com",
        "a@b",
        "a@localhost",
        "a@example.invalid",
        "x@-example.com",
        "ø@example.com",
        "kari@example.com\r\nBcc: x@example.com",
        "kari@exa\u202emple.com",
        "",
        "a" * 250 + "@example.com",
    ],
)
def test_what_is_no_deliverable_address_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        email_address(typed, field="contact_email")
    assert refused.value.code == "email_invalid"
    assert refused.value.fields == [{"field": "contact_email", "code": "email_invalid"}]


def test_phones_are_valid_numbers_in_e164() -> None:
    assert phone_number("912 34 567", "NO") == "+4791234567"
    assert phone_number("+46 70 123 45 67", "NO") == "+46701234567"
    for typed in ("+47 123", "12", "not a phone", "912\u202e34567", "+4791234567\n", ""):
        with pytest.raises(ValidationFailed) as refused:
            phone_number(typed, "NO")
        assert refused.value.code == "phone_invalid"


def test_free_text_refuses_hidden_characters_and_blanks() -> None:
    assert plain_text("  Storgata 1 ", field="street", max_length=200) == "Storgata 1"
    assert plain_text("Hei,\r\nmåleren\ter ny", field="message", max_length=200, multiline=True) == (
        "Hei,\r\nmåleren\ter ny"
    )
    refusals = [
        ("Storgata\n1", {}, "text_invalid"),
        ("Storgata\u20281", {}, "text_invalid"),
        ("\x1b[31mrød", {"multiline": True}, "text_invalid"),
        ("abc\x00", {"multiline": True}, "text_invalid"),
        ("evil\u202etxt.exe", {}, "text_invalid"),
        ("x\u2066y\u2069", {"multiline": True}, "text_invalid"),
        ("   ", {}, "text_required"),
        ("\n\t ", {"multiline": True}, "text_required"),
        ("x" * 201, {}, "text_too_long"),
    ]
    for typed, options, code in refusals:
        with pytest.raises(ValidationFailed) as refused:
            plain_text(typed, field="street", max_length=200, **options)
        assert (refused.value.code, refused.value.fields[0]["field"]) == (code, "street"), repr(typed)
    assert plain_text("  ", field="note", max_length=10, required=False) == ""


@given(st.text(max_size=40))
def test_whatever_passes_holds_no_hidden_character(text: str) -> None:
    try:
        kept = plain_text(text, field="f", max_length=40)
    except ValidationFailed:
        return
    assert kept.strip() == kept and kept
    assert not any(c in BIDI_CONTROLS or (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) for c in kept)
    assert hidden_character(kept) is None
