"""Typed domain errors.

Services raise these; one mapping at the HTTP edge (``heatportal.web.errors``)
turns each class into a status code and a stable body. Callers never branch on
the message text: the ``code`` is the contract, the message is for people, and
``params`` lets the portal translate the message into the user's language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        fields: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.params = params or {}
        self.fields = fields or []


class ValidationFailed(DomainError):
    code = "validation_failed"


class NotFound(DomainError):
    code = "not_found"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class RateLimited(DomainError):
    code = "rate_limited"


class BadRequest(DomainError):
    """A request the API cannot read at all (not a field's value: its structure)."""

    code = "body_invalid"


class PayloadTooLarge(DomainError):
    code = "body_too_large"


class TransientFailure(DomainError):
    """A dependency failed in a way that a retry may fix (throttling, timeouts)."""

    code = "transient_failure"
