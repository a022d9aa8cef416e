"""The account store (``services.accounts.AccountStore``, which also serves
memberships to AccessService) in memory, with the semantics of
``adapters.dynamo_accounts.DynamoAccountStore`` (held to it by
tests/contract/ports): an access change is written only at the version read,
all or nothing; the audit trail lists newest first: the access changes
(``audit``, in the customer's partition there) merged with the reads of provider
shares (``data_reads``, a partition of their own)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from heatportal.domain.accounts import AuditEntry, Challenge
from heatportal.domain.customer_record import AUDIT_SHOWN
from heatportal.domain.model import Customer, Membership
from heatportal.ports import MembershipRepository
from heatportal.services.accounts.common import AccountStore
from tests.fakes.customers import InMemoryCustomerRepository


class InMemoryAccountStore(AccountStore, MembershipRepository):
    # Customers by e-mail and PINs live on the customer repository's records.
    customers: InMemoryCustomerRepository | None = None

    def __init__(self) -> None:
        self.challenges: dict[str, Challenge] = {}
        self.members: dict[tuple[str, str], Membership] = {}
        self.versions: dict[str, int] = {}
        self.audit: list[AuditEntry] = []
        self.data_reads: list[AuditEntry] = []
        # Number of upcoming write_access_change calls that lose an optimistic-lock race.
        self.lose_races = 0
        # Errors raised by the next write_access_change calls (a DynamoDB outage).
        self.fail_next: list[Exception] = []

    # MembershipRepository, for AccessService
    def get_membership(self, user_id: str, customer_number: str) -> Membership | None:
        return self.members.get((customer_number, user_id))

    def list_memberships(self, user_id: str) -> list[Membership]:
        return [m for (_, u), m in sorted(self.members.items()) if u == user_id]

    def add(self, membership: Membership) -> Membership:
        self.members[(membership.customer_number, membership.user_id)] = membership
        return membership

    # AccountStore
    def put_challenge(self, challenge: Challenge) -> None:
        self.challenges[challenge.id] = challenge

    def get_challenge(self, challenge_id: str) -> Challenge | None:
        return self.challenges.get(challenge_id)

    def count_attempt(self, challenge_id: str, max_attempts: int) -> bool:
        challenge = self.challenges.get(challenge_id)
        if challenge is None or challenge.attempts >= max_attempts:
            return False
        self.challenges[challenge_id] = replace(challenge, attempts=challenge.attempts + 1)
        return True

    def delete_challenge(self, challenge_id: str) -> None:
        self.challenges.pop(challenge_id, None)

    def list_invitations(self, customer_number: str) -> list[Challenge]:
        return sorted(
            (c for c in self.challenges.values() if c.purpose == "invite" and c.customer_number == customer_number),
            key=lambda c: c.id,
        )

    def list_members(self, customer_number: str) -> list[Membership]:
        return [m for (c, _), m in sorted(self.members.items()) if c == customer_number]

    def access_version(self, customer_number: str) -> int:
        return self.versions.get(customer_number, 0)

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
        if self.fail_next:
            raise self.fail_next.pop(0)
        if self.lose_races:
            self.lose_races -= 1
            self.versions[customer_number] = self.versions.get(customer_number, 0) + 1
            return False
        if self.versions.get(customer_number, 0) != version:
            return False
        self.versions[customer_number] = version + 1
        self.audit.append(audit)
        if put is not None:
            self.add(put)
        if delete_user is not None:
            self.members.pop((customer_number, delete_user), None)
        if put_challenge is not None:
            self.challenges[put_challenge.id] = put_challenge
        if delete_challenge is not None:
            self.challenges.pop(delete_challenge, None)
        return True

    def changes_of(self, customer_number: str) -> list[AuditEntry]:
        """The access changes, newest first (as the customer's record reads them)."""
        return _newest_first(self.audit, customer_number)

    def list_audit(
        self, customer_number: str, limit: int = AUDIT_SHOWN, *, changes: Sequence[AuditEntry] | None = None
    ) -> list[AuditEntry]:
        if changes is None:
            changes = self.changes_of(customer_number)[:limit]
        entries = [*changes, *_newest_first(self.data_reads, customer_number)[:limit]]
        return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]

    def customers_by_email(self, email: str) -> list[Customer]:
        assert self.customers is not None
        return [c for c in self.customers.customers.values() if (c.email or "").strip().lower() == email]

    def set_member_email(self, customer_number: str, user_id: str, email: str) -> None:
        current = self.members.get((customer_number, user_id))
        if current is not None:
            self.members[(customer_number, user_id)] = current.model_copy(update={"email": email})

    def set_pin_hash(self, customer_number: str, pin_hash: str) -> None:
        assert self.customers is not None
        current = self.customers.customers[customer_number]
        self.customers.customers[customer_number] = current.model_copy(update={"pin_hash": pin_hash})


def _newest_first(entries: list[AuditEntry], customer_number: str) -> list[AuditEntry]:
    """The customer's entries, newest first; of the same moment, the last written first."""
    newest = sorted(enumerate(entries), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return [a for _, a in newest if a.customer_number == customer_number]
