"""Payments received for invoices (staff entries, bank files)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from heatportal.domain.model import Invoice


@dataclass(frozen=True)
class Payment:
    """Money received for one invoice; ``payment_id`` makes recording idempotent."""

    payment_id: str
    reference: str
    amount: Decimal
    paid_on: date
    currency: str
    source: Literal["staff", "camt054"]


@dataclass(frozen=True)
class RecordedPayment:
    invoice: Invoice
    paid_amount: Decimal
    created: bool  # False when this payment id was recorded before


@dataclass(frozen=True)
class AdvancePayment:
    """The monthly advance (a-konto, voorschot, Abschlag) incl. VAT, in force from
    ``valid_from`` (the 1st of a month) until the next one of the customer."""

    customer_number: str
    valid_from: date
    amount: Decimal
    currency: str
    comment: str = ""
    changed_by: str = ""
