"""Accounts in the domain's words: one-time codes and the audit trail of access changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from heatportal.domain.model import Language, Role

Purpose = Literal["register", "reset", "invite", "email"]


@dataclass(frozen=True)
class Challenge:
    """A pending one-time code: registration, password reset or invitation.

    Only the code's hash is stored; it expires, is single use and allows
    ``CODE_MAX_ATTEMPTS`` wrong guesses.
    """

    id: str
    purpose: Purpose
    email: str
    code_hash: str
    expires_at: int
    language: Language
    customer_number: str | None = None
    role: Role | None = None
    invited_by: str | None = None
    attempts: int = 0
    # The user whose e-mail changes (purpose "email" only).
    user_id: str | None = None


AuditAction = Literal[
    "registered",
    "invited",
    "joined",
    "role_changed",
    "removed",
    "invitation_cancelled",
    "linked",
    "unlinked",
    # Management companies (services.companies); ``subject`` is the organisation number.
    "company_invited",
    "company_accepted",
    "company_changed",
    "company_removed",
    "company_left",
    "company_registered",
    "company_requested",
    "company_approved",
    # Open data (services.open_data): ``subject`` is the token's name or the provider's.
    "token_created",
    "token_revoked",
    "share_granted",
    "share_revoked",
    "share_used",  # a provider share read the customer's data; ``subject`` says what
    # Contracts and moving (services.contracts, services.moving); ``subject`` is the facility.
    "contract_signed",
    "moved_out",
    "moved_in",
]


@dataclass(frozen=True)
class AuditEntry:
    """Who changed whose access to a customer, and when."""

    customer_number: str
    at: datetime
    actor: str
    action: AuditAction
    subject: str
    role: Role | None = None
    previous_role: Role | None = None


@dataclass(frozen=True)
class CodeMessage:
    """What a code e-mail says; rendered by documents.account_emails."""

    purpose: Purpose | Literal["pin"]
    language: Language
    recipient: str
    code: str
    name: str | None = None
    customer_number: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class BankAccount:
    """The account a customer pays from by direct debit, with the
    date it applies from and the SEPA mandate consent."""

    customer_number: str
    iban: str
    holder: str
    valid_from: date
    sepa_mandate: bool
    changed_by: str
    changed_at: datetime
    # Set for a different account of one facility ("abweichende
    # Bankverbindung zur Verbrauchsstelle"); it overrides the customer's.
    facility_id: str | None = None
    # The account in force until ``valid_from`` (a change takes effect on its
    # change date, not when it is entered); None when there was none.
    previous: BankAccount | None = None

    def in_force(self, on: date) -> BankAccount | None:
        """The account that pays on ``on``: this one from its change date, the
        previous one before it."""
        if on >= self.valid_from:
            return self
        return self.previous.in_force(on) if self.previous is not None else None

    def replaced_by(self, new: BankAccount, today: date) -> BankAccount:
        """``new`` entered today over this one: what stays in force until the
        change date is this account if it is in force today, else (a change
        not yet in force is changed again) the one before it."""
        keep = self.in_force(today)
        if keep is not None:
            keep = replace(keep, previous=None)
        return replace(new, previous=keep)


def account_for_facility(
    accounts: list[BankAccount], facility_id: str | None, on: date | None = None
) -> BankAccount | None:
    """The account that pays for a facility (on a date: the one in force then):
    its own, else the customer's."""

    def pick(account: BankAccount | None) -> BankAccount | None:
        return account.in_force(on) if account is not None and on is not None else account

    own = pick(next((a for a in accounts if facility_id and a.facility_id == facility_id), None))
    return own or pick(next((a for a in accounts if a.facility_id is None), None))


@dataclass(frozen=True)
class ContactRequest:
    """A message from the contact form: subject, text, phone. It goes
    to customer service, which marks it handled once answered."""

    customer_number: str
    at: datetime
    sender: str
    subject: str
    message: str
    phone: str
    id: str = ""
    status: Literal["open", "handled"] = "open"
    handled_by: str | None = None
    handled_at: datetime | None = None
    # What it is about beyond the contact form: a service asked for, a move to
    # complete; and the facility it concerns.
    topic: str | None = None
    facility_id: str | None = None
