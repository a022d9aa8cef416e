"""A local BankID: the relying-party API v6 (``/rp/v6.0/sign``, ``/collect``,
``/cancel``) on the local stack, as moto stands in for AWS, and a "device"
that plays the signer's app.

- ``sign`` checks the body as BankID does (``endUserIp``, base64
  ``userVisibleData``, optional ``userNonVisibleData`` and
  ``userVisibleDataFormat``), answers ``orderRef``, ``autoStartToken``,
  ``qrStartToken``, ``qrStartSecret``, and refuses a second order for the same
  ``endUserIp`` while one is pending (``alreadyInProgress``: BankID refuses a
  second order for the same person; the local device has no person before it
  scans, so the address stands in).
- ``collect`` answers pending with ``outstandingTransaction`` until the
  device scanned the animated QR code, then ``userSign``; complete with
  ``completionData`` once the device signed; failed with ``userCancel`` or,
  after three minutes, ``expiredTransaction``.
- The device (``/device``, a page for people, and JSON for tests) scans a QR
  code's content, which it verifies as the app does (the HMAC of the seconds
  with the order's ``qrStartSecret``, at most 30 seconds old), then signs or
  cancels with a test person's name and personal number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

ORDER_SECONDS = 180
QR_MAX_AGE = 30
TEST_PERSON = {"name": "Karin Testsson", "personalNumber": "199001012389", "givenName": "Karin", "surname": "Testsson"}


@dataclass
class Order:
    ref: str
    end_user_ip: str
    visible: str
    hidden: str
    qr_token: str
    qr_secret: str
    started: float
    status: str = "pending"
    hint: str = "outstandingTransaction"
    user: dict[str, str] = field(default_factory=dict)
    signature: str = ""


class LocalBankId:
    """The relying-party API and the device, as one WSGI app under ``prefix``."""

    def __init__(self, prefix: str = "/_local/bankid") -> None:
        self.prefix = prefix
        self.orders: dict[str, Order] = {}
        self.lock = threading.Lock()

    # --- the relying-party API ----------------------------------------------------------
    def _expire(self, order: Order) -> None:
        if order.status == "pending" and time.time() - order.started > ORDER_SECONDS:
            order.status, order.hint = "failed", "expiredTransaction"

    def sign(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ip = body.get("endUserIp")
        visible = body.get("userVisibleData")
        if not isinstance(ip, str) or not ip or not isinstance(visible, str):
            return 400, {"errorCode": "invalidParameters", "details": "endUserIp and userVisibleData are required"}
        if body.get("userVisibleDataFormat") not in (None, "simpleMarkdownV1"):
            return 400, {"errorCode": "invalidParameters", "details": "unknown userVisibleDataFormat"}
        try:
            text = base64.b64decode(visible, validate=True).decode()
            hidden = base64.b64decode(body.get("userNonVisibleData") or "", validate=True)
        except (ValueError, UnicodeDecodeError):
            return 400, {"errorCode": "invalidParameters", "details": "userVisibleData is not base64 UTF-8"}
        with self.lock:
            for other in self.orders.values():
                self._expire(other)
                if other.status == "pending" and other.end_user_ip == ip:
                    return 400, {"errorCode": "alreadyInProgress", "details": "Order already in progress"}
            order = Order(
                ref=str(uuid.uuid4()),
                end_user_ip=ip,
                visible=text,
                hidden=hidden.hex(),
                qr_token=str(uuid.uuid4()),
                qr_secret=str(uuid.uuid4()),
                started=time.time(),
            )
            self.orders[order.ref] = order
        return 200, {
            "orderRef": order.ref,
            "autoStartToken": str(uuid.uuid4()),
            "qrStartToken": order.qr_token,
            "qrStartSecret": order.qr_secret,
        }

    def collect(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order = self.orders.get(str(body.get("orderRef")))
        if order is None:
            return 404, {"errorCode": "notFound", "details": "No such order"}
        with self.lock:
            self._expire(order)
        answer: dict[str, Any] = {"orderRef": order.ref, "status": order.status}
        if order.status == "complete":
            answer["completionData"] = {
                "user": order.user,
                "device": {"ipAddress": order.end_user_ip, "uhi": "local"},
                "bankIdIssueDate": "2024-01-01",
                "stepUp": {"mrtd": False},
                "signature": order.signature,
                "ocspResponse": base64.b64encode(b"local-ocsp").decode(),
            }
        else:
            answer["hintCode"] = order.hint
        return 200, answer

    def cancel(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order = self.orders.get(str(body.get("orderRef")))
        if order is None:
            return 404, {"errorCode": "notFound", "details": "No such order"}
        with self.lock:
            if order.status == "pending":
                order.status, order.hint = "failed", "cancelled"
        return 200, {}

    # --- the device (the signer's app) ---------------------------------------------------------
    def scan(self, qr: str) -> Order | None:
        """The order a QR code's content starts, when the code is genuine and fresh."""
        parts = qr.split(".")
        if len(parts) != 4 or parts[0] != "bankid":
            return None
        _, token, seconds, code = parts
        order = next((o for o in self.orders.values() if o.qr_token == token), None)
        if order is None or not seconds.isdigit():
            return None
        expected = hmac.new(order.qr_secret.encode(), seconds.encode(), hashlib.sha256).hexdigest()
        # A code shown at most 30 seconds ago, never one of the future.
        age = time.time() - (order.started + int(seconds))
        if not hmac.compare_digest(expected, code) or not -2 <= age <= QR_MAX_AGE:
            return None
        with self.lock:
            self._expire(order)
            if order.status == "pending":
                order.hint = "userSign"
        return order

    def finish(self, ref: str, action: str, person: dict[str, str]) -> Order | None:
        order = self.orders.get(ref)
        if order is None:
            return None
        with self.lock:
            self._expire(order)
            if order.status != "pending" or order.hint != "userSign":
                return order
            if action == "sign":
                order.status, order.user = "complete", person
                signed = (
                    f"<Signature><Text>{html.escape(order.visible)}</Text><Hidden>{order.hidden}</Hidden></Signature>"
                )
                order.signature = base64.b64encode(signed.encode()).decode()
            else:
                order.status, order.hint = "failed", "userCancel"
        return order

    # --- HTTP -------------------------------------------------------------------------------------
    def __call__(self, request: Request) -> Response:
        path = request.path.removeprefix(self.prefix)
        if path.startswith("/rp/v6.0/") and request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return _json(400, {"errorCode": "invalidParameters", "details": "Invalid JSON"})
            operation = path.removeprefix("/rp/v6.0/")
            handler = {"sign": self.sign, "auth": self.sign, "collect": self.collect, "cancel": self.cancel}.get(
                operation
            )
            if handler is None:
                return _json(404, {"errorCode": "notFound", "details": "No such method"})
            return _json(*handler(body))
        if path == "/device/scan" and request.method == "POST":
            order = self.scan(str(_form_or_json(request).get("qr", "")).strip())
            if order is None:
                return _json(400, {"error": "not a valid QR code"})
            if not request.is_json:
                return self.order_page(order)
            return _json(200, {"orderRef": order.ref, "text": order.visible})
        if path.startswith("/device/orders/") and request.method == "POST":
            ref, _, action = path.removeprefix("/device/orders/").partition("/")
            values = _form_or_json(request)
            person = {**TEST_PERSON, **{k: str(v) for k, v in values.items() if k in TEST_PERSON}}
            order = self.finish(ref, action, person)
            if order is None:
                return _json(404, {"error": "no such order"})
            if not request.is_json:
                return self.device_page()
            return _json(200, {"orderRef": order.ref, "status": order.status})
        if path in ("/device", "/device/"):
            return self.device_page()
        return _json(404, {"errorCode": "notFound", "details": "No such path"})

    def device_page(self) -> Response:
        rows = "".join(
            f"<li><code>{html.escape(o.ref)}</code> · {html.escape(o.status)} ({html.escape(o.hint)})"
            f"<pre>{html.escape(o.visible)}</pre></li>"
            for o in sorted(self.orders.values(), key=lambda o: o.started, reverse=True)
        )
        return _page(
            "Local BankID device",
            "<h1>Local BankID device</h1><p>Paste the QR code's content from the signing page "
            "(shown under the code), then sign.</p>"
            f"<form method='post' action='{self.prefix}/device/scan'><label>QR <input name='qr' size='80'></label>"
            "<button>Scan</button></form><ul>" + rows + "</ul>",
        )

    def order_page(self, order: Order) -> Response:
        action = f"{self.prefix}/device/orders/{order.ref}"
        return _page(
            "Sign",
            f"<h1>Sign</h1><pre>{html.escape(order.visible)}</pre>"
            f"<form method='post' action='{action}/sign'><label>Name <input name='name' value='{TEST_PERSON['name']}'>"
            f"</label> <label>Personal number <input name='personalNumber' value='{TEST_PERSON['personalNumber']}'>"
            "</label> <button>Sign</button></form>"
            f"<form method='post' action='{action}/cancel'><button>Cancel</button></form>",
        )


def _page(title: str, body: str) -> Response:
    return Response(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>",
        content_type="text/html; charset=utf-8",
    )


def _form_or_json(request: Request) -> dict[str, Any]:
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return dict(request.form)


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")
