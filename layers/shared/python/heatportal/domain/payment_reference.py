"""Payment references the banks of each country check, and the invoice number
each carries back when a payment comes in.

- ``kid`` (Norway): customer digits + the invoice number in 8 digits + a MOD10
  (Luhn) or MOD11 check digit, as the bank's OCR giro agreement says.
- ``ocr`` (Sweden): the same digits + a length digit (Bankgirot's "hård
  kontroll") + a Luhn check digit.
- ``betalingskenmerk`` (Netherlands, Currence): a check digit + the invoice
  number in 15 digits (16 digits; weights 2, 4, 8, 5, 10, 9, 7, 3, 6, 1 from
  the right, check = 11 - sum mod 11, 10 -> 1, 11 -> 0). Fifteen digits cannot
  hold an 11-digit customer number and the invoice number, and the gapless
  invoice number alone is unique.
- ``rf`` (ISO 11649, SEPA-wide): RF + two check digits + the invoice number.
- ``text`` (Germany, Verwendungszweck): ``RE <invoice> KD <customer>``.

python-stdnum computes the Luhn and ISO 7064 digits.
"""

from __future__ import annotations

import re
from typing import Literal

from stdnum import iso11649, luhn
from stdnum.iso7064 import mod_97_10

from heatportal.domain.seller import Payment, ReferenceKind

INVOICE_DIGITS = 8
KENMERK_DIGITS = 15
_KENMERK_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
# Found anywhere in an unstructured remittance text ("Rechnung RE 42 KD 0012345/1, danke").
_TEXT = re.compile(r"\bRE\s*(\d{1,12})\s*KD\s*(\d[\d/]*)", re.IGNORECASE)


def _kid_mod11(base: str) -> str:
    """Weights 2..7 from the right; a remainder giving 10 is written "-" (the KID
    specification's MOD11 control sign for it)."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(base)))
    digit = 11 - total % 11
    return "0" if digit == 11 else "-" if digit == 10 else str(digit)


def kenmerk_check_digit(fifteen: str) -> str:
    total = sum(int(d) * _KENMERK_WEIGHTS[i % 10] for i, d in enumerate(reversed(fifteen)))
    digit = 11 - total % 11
    return str({10: 1, 11: 0}.get(digit, digit))


def payment_reference(
    kind: ReferenceKind,
    customer_number: str,
    invoice_number: int,
    *,
    kid_algorithm: Literal["mod10", "mod11"] = "mod10",
    ocr_length_digit: bool = True,
) -> str:
    digits = "".join(ch for ch in customer_number if ch.isdigit())
    base = f"{digits}{invoice_number:0{INVOICE_DIGITS}d}"
    if kind == "kid":
        return base + (_kid_mod11(base) if kid_algorithm == "mod11" else luhn.calc_check_digit(base))
    if kind == "ocr":
        with_length = base + str((len(base) + 2) % 10) if ocr_length_digit else base
        return with_length + luhn.calc_check_digit(with_length)
    if kind == "betalingskenmerk":
        fifteen = f"{invoice_number:0{KENMERK_DIGITS}d}"
        return kenmerk_check_digit(fifteen) + fifteen
    if kind == "rf":
        body = str(invoice_number)
        return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"
    return f"RE {invoice_number} KD {customer_number}"


def is_valid_reference(
    kind: ReferenceKind, reference: str, *, kid_algorithm: Literal["mod10", "mod11"] = "mod10"
) -> bool:
    reference = reference.strip()
    if kind == "text":
        return _TEXT.search(reference) is not None
    reference = reference.replace(" ", "")
    if kind == "rf":
        return iso11649.is_valid(reference)
    if kind == "betalingskenmerk":
        return (
            len(reference) == KENMERK_DIGITS + 1
            and reference.isdigit()
            and kenmerk_check_digit(reference[1:]) == reference[0]
        )
    if kind == "kid":
        # The bank agreement fixes MOD10 or MOD11 (never both: each would halve the other's checking).
        body, check = reference[:-1], reference[-1:]
        if not body.isdigit():
            return False
        return check == (_kid_mod11(body) if kid_algorithm == "mod11" else luhn.calc_check_digit(body))
    if not reference.isdigit() or not luhn.is_valid(reference):
        return False
    # A Swedish OCR also carries its own length (mod 10) before the check digit.
    return kind != "ocr" or (len(reference) >= 3 and int(reference[-2]) == len(reference) % 10)


def compact_reference(reference: str) -> str:
    """The reference without spaces, as banks pass it on."""
    return re.sub(r"\s+", "", reference).upper()


def matches(kind: ReferenceKind, expected: str, given: str) -> bool:
    """Whether a bank's reference is the invoice's: the whole of it, not only the
    number inside (a text reference may sit inside a longer remittance text)."""
    if kind == "text":
        match = _TEXT.search(given)
        return match is not None and compact_reference(match.group(0)) == compact_reference(expected)
    return compact_reference(given) == compact_reference(expected)


def invoice_number_of(
    kind: ReferenceKind, reference: str, *, kid_algorithm: Literal["mod10", "mod11"] = "mod10"
) -> int | None:
    """The invoice number a payment reference carries, or None when it is not one of ours."""
    if not is_valid_reference(kind, reference, kid_algorithm=kid_algorithm):
        return None
    compact = reference.strip().replace(" ", "")
    if kind == "text":
        match = _TEXT.search(reference)
        number = int(match.group(1)) if match else 0
    elif kind == "rf":
        number = int(compact[4:]) if compact[4:].isdigit() else 0
    elif kind == "betalingskenmerk":
        number = int(compact[1:])
    else:
        digits = compact[:-1] if kind == "kid" else compact[:-2]
        if len(digits) < INVOICE_DIGITS + 1:  # customer digits + 8 invoice digits
            return None
        number = int(digits[-INVOICE_DIGITS:])
    return number or None


def reference_for(payment: Payment, customer_number: str, invoice_number: int) -> str:
    """The reference of an invoice as the profile's payment details say."""
    return payment_reference(
        payment.reference,
        customer_number,
        invoice_number,
        kid_algorithm=payment.kid.algorithm if payment.kid else "mod10",
        ocr_length_digit=payment.ocr.length_digit if payment.ocr else True,
    )
