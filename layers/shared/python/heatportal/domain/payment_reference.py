"""Payment references the banks of each country check.

Norway's KID and Sweden's OCR use the Luhn (mod 10) check digit; python-stdnum
computes it. The Swedish OCR also carries a length digit before the check digit.
"""

from __future__ import annotations

from typing import Literal

from stdnum import luhn


def payment_reference(kind: Literal["kid", "ocr", "plain"], customer_number: str, invoice_number: int) -> str:
    digits = "".join(ch for ch in customer_number if ch.isdigit())
    base = f"{digits}{invoice_number:08d}"
    if kind == "kid":
        return base + luhn.calc_check_digit(base)
    if kind == "ocr":
        with_length = base + str((len(base) + 2) % 10)
        return with_length + luhn.calc_check_digit(with_length)
    return f"{customer_number}-{invoice_number}"


def is_valid_reference(kind: Literal["kid", "ocr", "plain"], reference: str) -> bool:
    if kind == "plain":
        return bool(reference)
    if not reference.isdigit() or not luhn.is_valid(reference):
        return False
    # A Swedish OCR also carries its own length (mod 10) before the check digit.
    return kind != "ocr" or (len(reference) >= 3 and int(reference[-2]) == len(reference) % 10)
