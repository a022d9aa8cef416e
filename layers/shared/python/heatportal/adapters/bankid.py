"""BankID's relying-party API, version 6 (``POST <base>/sign``, ``/collect``,
``/cancel``, JSON both ways): the production adapter of the signing port.

- ``sign`` sends ``endUserIp``, ``userVisibleData`` (base64 of UTF-8 text,
  ``userVisibleDataFormat: simpleMarkdownV1``) and ``userNonVisibleData``
  (base64); it answers ``orderRef``, ``autoStartToken``, ``qrStartToken``,
  ``qrStartSecret``.
- ``collect`` sends ``orderRef``; it answers ``status`` pending (with a
  ``hintCode``: outstandingTransaction, noClient, started, userMrtd,
  userCallConfirm, userSign), failed (``hintCode``: expiredTransaction,
  certificateErr, userCancel, cancelled, startFailed, ...) or complete (with
  ``completionData``: ``user`` {personalNumber, name, givenName, surname},
  ``device``, ``bankIdIssueDate``, ``signature``, ``ocspResponse``).
- ``cancel`` sends ``orderRef``; it answers ``{}``.
- An error is an HTTP 4xx/5xx with ``errorCode`` (invalidParameters,
  alreadyInProgress, unauthorized, notFound, requestTimeout, internalError,
  maintenance) and ``details``.

The relying party authenticates with its client certificate (mutual TLS);
locally the stack's own signing service speaks the same protocol over plain
HTTP on loopback.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from heatportal.domain.errors import Conflict, NotFound, TransientFailure
from heatportal.domain.signing import FAILED_HINTS, Collected, Signer, SignStart
from heatportal.services.contracts.signing import SignRequest

TIMEOUT_SECONDS = 10


class BankIdRelyingParty:
    """Implements services.contracts.signing.SigningProvider."""

    def __init__(self, base_url: str, *, cert_file: str | None = None, key_file: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.context: ssl.SSLContext | None = None
        if self.base_url.startswith("https://"):
            self.context = ssl.create_default_context()
            if cert_file:
                self.context.load_cert_chain(cert_file, key_file)

    def _post(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the base URL is the deployment's setting, https or loopback
            f"{self.base_url}/{operation}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=self.context) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
                return answer
        except urllib.error.HTTPError as error:
            raise _error(operation, error) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TransientFailure("The signing service cannot be reached.", code="signing_unavailable") from error

    def sign(self, request: SignRequest) -> SignStart:
        body = {
            "endUserIp": request.end_user_ip,
            "userVisibleData": base64.b64encode(request.visible.encode()).decode(),
            "userVisibleDataFormat": "simpleMarkdownV1",
            "userNonVisibleData": base64.b64encode(request.hidden).decode(),
        }
        answer = self._post("sign", body)
        return SignStart(
            order_ref=answer["orderRef"],
            auto_start_token=answer.get("autoStartToken"),
            qr_start_token=answer.get("qrStartToken"),
            qr_start_secret=answer.get("qrStartSecret"),
        )

    def collect(self, order_ref: str) -> Collected:
        answer = self._post("collect", {"orderRef": order_ref})
        status = answer.get("status")
        if status == "complete":
            data = answer.get("completionData") or {}
            user = data.get("user") or {}
            signer = Signer(
                name=str(user.get("name") or ""),
                personal_number=user.get("personalNumber"),
                signature=str(data.get("signature") or ""),
                ocsp_response=data.get("ocspResponse"),
            )
            return Collected(order_ref=order_ref, status="complete", signer=signer)
        if status == "failed":
            hint = answer.get("hintCode")
            return Collected(order_ref=order_ref, status="failed", hint=hint if hint in FAILED_HINTS else "startFailed")
        return Collected(order_ref=order_ref, status="pending", hint=answer.get("hintCode"))

    def cancel(self, order_ref: str) -> None:
        self._post("cancel", {"orderRef": order_ref})

    def respond(self, order_ref: str, code: str) -> bool:
        """A BankID order is signed in the signer's app, never with a code here."""
        raise Conflict("This signing method takes no code.", code="signing_no_code")


def _error(operation: str, error: urllib.error.HTTPError) -> Exception:
    try:
        code = json.loads(error.read() or b"{}").get("errorCode")
    except (ValueError, OSError):
        code = None
    if code == "alreadyInProgress":
        return Conflict(
            "A signing is already in progress for you. Finish or cancel it first.", code="signing_in_progress"
        )
    if code == "notFound" and operation in ("collect", "cancel"):
        return NotFound("No such signing order.", code="signing_order_not_found")
    return TransientFailure("The signing service could not take the order.", code="signing_unavailable")
