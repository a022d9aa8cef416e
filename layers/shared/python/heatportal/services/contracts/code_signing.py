"""Signing with a code sent to the signer's e-mail (a simple electronic
signature), for utilities without a BankID agreement: the same protocol as
BankID's relying-party API through the same port. ``sign`` e-mails a
six-digit code and opens the order; the signer types the code on the
signing page (``respond``, five tries); ``collect`` answers pending
("userSign") until then, complete with the signer's e-mail afterwards, and
failed once the order expired or the tries are used up."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Protocol

from heatportal.domain.errors import NotFound
from heatportal.domain.notices import Notice
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.domain.signing import CodeOrder, Collected, Signer, SignStart
from heatportal.ports import Clock
from heatportal.services.contracts.signing import ORDER_SECONDS, SignRequest
from heatportal.services.notices import Notices

MAX_TRIES = 5


class CodeOrders(Protocol):
    def put_code_order(self, order: CodeOrder) -> None: ...

    def get_code_order(self, order_ref: str) -> CodeOrder | None: ...

    def update_code_order(self, order: CodeOrder) -> None: ...


class EmailCodeSigning:
    """Implements services.contracts.signing.SigningProvider."""

    def __init__(self, orders: CodeOrders, notices: Notices, clock: Clock) -> None:
        self.orders = orders
        self.notices = notices
        self.clock = clock

    def sign(self, request: SignRequest) -> SignStart:
        code = f"{secrets.randbelow(10**6):06d}"
        order = CodeOrder(
            order_ref=str(uuid.uuid4()),
            email=request.signer_email,
            code_hash=hash_secret(code),
            visible=request.visible,
            hidden_digest=hashlib.sha256(request.hidden).hexdigest(),
            started_at=self.clock.now(),
        )
        self.orders.put_code_order(order)
        self.notices.email(
            request.signer_email,
            Notice(
                kind="signing.code",
                language=request.language,
                name=request.signer_email,
                code=code,
                params={"text": request.visible, "minutes": ORDER_SECONDS // 60},
                paragraphs=["email.signing.code.what", "email.signing.code.validity"],
            ),
        )
        return SignStart(order_ref=order.order_ref)

    def _order(self, order_ref: str) -> CodeOrder:
        order = self.orders.get_code_order(order_ref)
        if order is None:
            raise NotFound("No such signing order.", code="signing_order_not_found")
        if order.status == "pending" and self.clock.now() - order.started_at > timedelta(seconds=ORDER_SECONDS):
            order = order.model_copy(update={"status": "failed", "hint": "expiredTransaction"})
            self.orders.update_code_order(order)
        return order

    def respond(self, order_ref: str, code: str) -> bool:
        order = self._order(order_ref)
        if order.status != "pending":
            return False
        if verify_secret(code, order.code_hash):
            self.orders.update_code_order(order.model_copy(update={"status": "complete"}))
            return True
        tries = order.tries + 1
        status, hint = ("failed", "certificateErr") if tries >= MAX_TRIES else ("pending", None)
        self.orders.update_code_order(order.model_copy(update={"tries": tries, "status": status, "hint": hint}))
        return False

    def collect(self, order_ref: str) -> Collected:
        order = self._order(order_ref)
        if order.status == "complete":
            signer = Signer(name=order.email, signature=f"email-code:{order.hidden_digest}")
            return Collected(order_ref=order_ref, status="complete", signer=signer)
        if order.status == "failed":
            return Collected(order_ref=order_ref, status="failed", hint=order.hint or "startFailed")
        return Collected(order_ref=order_ref, status="pending", hint="userSign")

    def cancel(self, order_ref: str) -> None:
        order = self._order(order_ref)
        if order.status == "pending":
            self.orders.update_code_order(order.model_copy(update={"status": "failed", "hint": "userCancel"}))
