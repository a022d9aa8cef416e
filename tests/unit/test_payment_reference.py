"""Payment references (heatportal.domain.payment_reference): Norwegian KID, Swedish OCR."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatportal.domain.payment_reference import is_valid_reference, payment_reference


def mod10_ok(number: str) -> bool:
    """Luhn written out by hand, independent of python-stdnum: from the right, every
    second digit is doubled (minus 9 when above 9); the sum must end in 0."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


no_customer_numbers = st.from_regex(r"\A[0-9]{6}\Z")
se_customer_numbers = st.from_regex(r"\A[0-9]{7}\Z")
invoice_numbers = st.integers(min_value=1, max_value=99_999_999)


def test_kid_is_customer_number_then_invoice_number_then_a_mod10_check_digit() -> None:
    # Given customer 123456 and invoice 42
    kid = payment_reference("kid", "123456", 42)
    # Then the KID is 123456 00000042 and the check digit worked out by hand:
    # digits from the right 2,4,0,0,0,0,0,0,6,5,4,3,2,1; doubled every other from the first:
    # 4+4+0+0+0+0+0+0+3+5+8+3+4+1 = 32 -> check digit 8
    assert kid == "123456000000428"
    assert mod10_ok(kid)
    assert is_valid_reference("kid", kid)


def test_ocr_carries_a_length_digit_before_the_check_digit() -> None:
    # Given Swedish customer 1234567 and invoice 42
    ocr = payment_reference("ocr", "1234567", 42)
    # Then it is 1234567 00000042, the length digit and a check digit: 17 digits, length digit 7
    assert ocr.startswith("123456700000042")
    assert len(ocr) == 17
    assert ocr[-2] == "7"
    assert mod10_ok(ocr)
    assert is_valid_reference("ocr", ocr)


def test_the_german_text_reference_names_invoice_and_customer_number() -> None:
    assert payment_reference("text", "0012345/1", 17) == "RE 17 KD 0012345/1"
    assert is_valid_reference("text", "RE 17 KD 0012345/1")
    assert is_valid_reference("text", "Rechnung RE17KD0012345/1 danke")
    assert not is_valid_reference("text", "")


def test_the_dutch_betalingskenmerk_is_a_check_digit_and_the_invoice_number_in_15_digits() -> None:
    # Weights 2, 4, 8, 5, 10, 9, 7, 3, 6, 1 from the right over 000000000000042:
    # 2 x 2 + 4 x 4 = 20; 20 mod 11 = 9; 11 - 9 = 2
    assert payment_reference("betalingskenmerk", "14159265359", 42) == "2000000000000042"
    # Published kenmerken of the Belastingdienst (check digit first) pass the same check.
    for published in ("5010002167010010", "3010002167042021", "0001041146910100", "2017166777600001"):
        assert is_valid_reference("betalingskenmerk", published)
    assert not is_valid_reference("betalingskenmerk", "3000000000000042")


def test_the_rf_creditor_reference_passes_iso_7064() -> None:
    rf = payment_reference("rf", "x", 42)
    assert rf == "RF3442"
    assert is_valid_reference("rf", rf) and not is_valid_reference("rf", "RF3542")


def test_a_mod11_kid_is_checked_with_mod11_only() -> None:
    # 12345600000042 with weights 2..7 from the right: 117; 117 mod 11 = 7; 11 - 7 = 4
    kid = payment_reference("kid", "123456", 42, kid_algorithm="mod11")
    assert kid == "123456000000424"
    assert is_valid_reference("kid", kid, kid_algorithm="mod11")
    assert not is_valid_reference("kid", kid)  # not a MOD10 KID


@given(no_customer_numbers, invoice_numbers)
def test_every_kid_passes_an_independent_mod10_check(customer: str, invoice: int) -> None:
    kid = payment_reference("kid", customer, invoice)
    assert kid.isdigit()
    assert len(kid) == 15  # within the 25 digits a KID may have
    assert kid[:6] == customer
    assert int(kid[6:14]) == invoice
    assert mod10_ok(kid)
    assert is_valid_reference("kid", kid)


@given(se_customer_numbers, invoice_numbers)
def test_every_ocr_has_its_length_digit_and_passes_mod10(customer: str, invoice: int) -> None:
    ocr = payment_reference("ocr", customer, invoice)
    assert ocr.isdigit()
    assert int(ocr[-2]) == len(ocr) % 10
    assert int(ocr[7:15]) == invoice
    assert mod10_ok(ocr)
    assert is_valid_reference("ocr", ocr)


@given(
    st.sampled_from(["kid", "ocr"]),
    st.from_regex(r"\A[0-9]{7}\Z"),
    invoice_numbers,
    st.data(),
)
def test_a_mistyped_digit_is_detected(kind: str, customer: str, invoice: int, data: st.DataObject) -> None:
    # Given a valid reference
    reference = payment_reference(kind, customer, invoice)  # type: ignore[arg-type]  # kind is "kid" or "ocr"
    # When the payer changes any one digit
    position = data.draw(st.integers(0, len(reference) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != reference[position]]))
    changed = reference[:position] + wrong + reference[position + 1 :]
    # Then the bank's check rejects it
    assert not mod10_ok(changed)
    assert not is_valid_reference(kind, changed)  # type: ignore[arg-type]  # kind is "kid" or "ocr"


@pytest.mark.parametrize("reference", ["", "12345a", "12 345", "-123"])
def test_non_digits_are_not_a_kid_or_ocr(reference: str) -> None:
    assert not is_valid_reference("kid", reference)
    assert not is_valid_reference("ocr", reference)


def test_an_ocr_with_a_wrong_length_digit_is_invalid() -> None:
    # Given an OCR whose length digit says 5 digits but which has 17, with a correct Luhn digit
    body = "1234567000000425"
    check = next(d for d in "0123456789" if mod10_ok(body + d))
    reference = body + check
    assert mod10_ok(reference)
    # Then it is not a valid OCR (Bankgirot's hard OCR check verifies the length digit)
    assert not is_valid_reference("ocr", reference)
