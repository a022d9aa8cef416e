"""Signing a contract: an order with the signing provider (BankID's
relying-party API, or a code sent by e-mail), followed until it completes.

The provider's protocol is the BankID one for every method: start an order
(``sign``), poll it (``collect``: pending with a hint, failed with a hint, or
complete with who signed), or cancel it. The animated QR code of BankID is
computed from the order's ``qrStartToken`` and ``qrStartSecret`` and the
seconds since the order started: ``bankid.<token>.<seconds>.<HMAC-SHA256 of
the seconds with the secret, hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from typing import Literal

from heatportal.domain.contracts import ContractTerms
from heatportal.domain.model import Frozen

SigningStatus = Literal["pending", "failed", "complete"]
# The hints BankID gives while an order is pending or after it failed.
PENDING_HINTS = ("outstandingTransaction", "noClient", "started", "userMrtd", "userCallConfirm", "userSign")
FAILED_HINTS = (
    "expiredTransaction",
    "certificateErr",
    "userCancel",
    "cancelled",
    "startFailed",
    "userDeclinedCall",
    "notSupported",
    "transactionRiskBlocked",
)


class Signer(Frozen):
    """Who completed a signature, as the provider tells it."""

    name: str
    personal_number: str | None = None
    signature: str  # the provider's signature (BankID: base64 XML)
    ocsp_response: str | None = None


class SignStart(Frozen):
    """A started order: its reference and what starts the signer's app."""

    order_ref: str
    auto_start_token: str | None = None
    qr_start_token: str | None = None
    qr_start_secret: str | None = None


class Collected(Frozen):
    order_ref: str
    status: SigningStatus
    hint: str | None = None
    signer: Signer | None = None


class SigningOrder(Frozen):
    """A contract waiting for its signature: the terms signed, from when, by whom."""

    order_ref: str
    customer_number: str
    facility_id: str
    user_id: str
    email: str
    method: str
    valid_from: date
    terms: ContractTerms
    started_at: datetime
    qr_start_token: str | None = None
    qr_start_secret: str | None = None
    auto_start_token: str | None = None
    status: SigningStatus = "pending"
    hint: str | None = None
    document_id: str | None = None
    expires_at: int  # epoch seconds


def qr_content(qr_start_token: str, qr_start_secret: str, seconds: int) -> str:
    """The animated QR code's content ``seconds`` after the order started."""
    code = hmac.new(qr_start_secret.encode(), str(seconds).encode(), hashlib.sha256).hexdigest()
    return f"bankid.{qr_start_token}.{seconds}.{code}"


class CodeOrder(Frozen):
    """An order of the e-mail code method (services.contracts.code_signing)."""

    order_ref: str
    email: str
    code_hash: str
    visible: str
    hidden_digest: str
    started_at: datetime
    status: SigningStatus = "pending"
    tries: int = 0
    hint: str | None = None
