"""What the account use cases share: their ports (the account store, Cognito,
the name index, the pacer) and the rules of e-mail addresses and passwords."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol

from heatportal.domain.accounts import AuditEntry, Challenge
from heatportal.domain.contact import email_address
from heatportal.domain.customer_record import AUDIT_SHOWN
from heatportal.domain.errors import Unauthorized, ValidationFailed
from heatportal.domain.model import Customer, Membership

MIN_PASSWORD_LENGTH = 8
# Public routes that send a code or a PIN answer no sooner than this (seconds):
# longer than the slowest path (scrypt, a write, an e-mail), so the time of the
# answer does not tell whether the address or customer exists.
PUBLIC_ANSWER_FLOOR = 0.4


@dataclass(frozen=True)
class Pending:
    """The public answer of a step that sent a code: an id to continue with."""

    id: str
    expires_at: int


class AccountStore(Protocol):
    """Challenges, memberships and the audit trail on the single table."""

    def put_challenge(self, challenge: Challenge) -> None: ...

    def get_challenge(self, challenge_id: str) -> Challenge | None: ...

    def count_attempt(self, challenge_id: str, max_attempts: int) -> bool:
        """Atomically count a wrong guess; False when attempts were already used up."""
        ...

    def delete_challenge(self, challenge_id: str) -> None: ...

    def list_invitations(self, customer_number: str) -> list[Challenge]: ...

    def list_members(self, customer_number: str) -> list[Membership]: ...

    def access_version(self, customer_number: str) -> int:
        """The optimistic-lock version of the customer's access list (0 when never changed)."""
        ...

    def write_access_change(
        self,
        customer_number: str,
        version: int,
        audit: AuditEntry,
        *,
        put: Membership | None = None,
        delete_user: str | None = None,
        put_challenge: Challenge | None = None,
        delete_challenge: str | None = None,
    ) -> bool:
        """Apply one access change with its audit entry in one transaction,
        only if the access list is still at ``version``; False otherwise."""
        ...

    def list_audit(
        self, customer_number: str, limit: int = AUDIT_SHOWN, *, changes: Sequence[AuditEntry] | None = None
    ) -> list[AuditEntry]:
        """The audit trail, newest first: the access changes merged with the
        reads of provider shares. ``changes``: the access changes when they were
        read with the customer's record (then only the reads are read)."""
        ...

    def customers_by_email(self, email: str) -> list[Customer]:
        """Customers whose e-mail on record is ``email`` (lower-case)."""
        ...

    def set_pin_hash(self, customer_number: str, pin_hash: str) -> None: ...

    def set_member_email(self, customer_number: str, user_id: str, email: str) -> None: ...


class IdentityAdmin(Protocol):
    """Cognito admin operations (adapters.identity.CognitoIdentity)."""

    def find_user(self, email: str) -> str | None:
        """The user's id (sub) or None."""
        ...

    def create_user(self, email: str, locale: str) -> str:
        """Create a user with a verified e-mail and no message; returns the sub.
        Returns the existing sub when the user exists (a retried registration)."""
        ...

    def set_password(self, email: str, password: str) -> None: ...

    def password_matches(self, email: str, password: str) -> bool: ...

    def change_password(self, access_token: str, old_password: str, new_password: str) -> None: ...

    def sign_out_user(self, email: str) -> None:
        """Revoke every session of the user."""
        ...

    def change_email(self, old_email: str, new_email: str) -> None:
        """Raises Conflict(email_taken) when another user has ``new_email``."""
        ...


class Pacer(Protocol):
    """Makes a public answer take at least a fixed time, so its timing does
    not tell which path it took (adapters.pacing)."""

    def at_least(self, seconds: float) -> AbstractContextManager[None]: ...


class NoPacing:
    def at_least(self, seconds: float) -> AbstractContextManager[None]:
        return nullcontext()


def normalize_email(value: str) -> str:
    """A deliverable address in its one stored form (domain.contact)."""
    return email_address(value)


def address_key(email: str) -> str:
    """An e-mail address (or phone number) as a rate-limit key: hashed, never stored in clear."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def check_new_password(password: str, confirmation: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "The password must be at least 8 characters long.",
            code="password_too_short",
            fields=[{"field": "password", "code": "password_too_short"}],
        )
    if password != confirmation:
        raise ValidationFailed(
            "The passwords do not match.",
            code="passwords_differ",
            fields=[{"field": "password_confirm", "code": "passwords_differ"}],
        )


def registration_failed() -> Unauthorized:
    # Unknown number, already registered, wrong PIN/postcode/name: one answer.
    return Unauthorized(
        "We could not confirm your customer relationship.",
        code="registration_failed",
    )
