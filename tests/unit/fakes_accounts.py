"""In-memory fakes for the accounts area: the account store (which also serves
memberships to AccessService), rate-limit counters, and a Cognito stand-in."""

from __future__ import annotations

import uuid
from dataclasses import replace

from heatportal.domain.accounts import AuditEntry, Challenge
from heatportal.domain.errors import Conflict, Unauthorized, ValidationFailed
from heatportal.domain.model import Customer, Membership
from tests.unit.fakes import InMemoryCustomers


class InMemoryAccountStore:
    def __init__(self) -> None:
        self.challenges: dict[str, Challenge] = {}
        self.members: dict[tuple[str, str], Membership] = {}
        self.versions: dict[str, int] = {}
        self.audit: list[AuditEntry] = []
        # Number of upcoming write_access_change calls that lose an optimistic-lock race.
        self.lose_races = 0
        # Errors raised by the next write_access_change calls (a DynamoDB outage).
        self.fail_next: list[Exception] = []

    # MembershipRepository, for AccessService
    def get_membership(self, user_id: str, customer_number: str) -> Membership | None:
        return self.members.get((customer_number, user_id))

    def list_memberships(self, user_id: str) -> list[Membership]:
        return [m for (_, u), m in self.members.items() if u == user_id]

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
        return [c for c in self.challenges.values() if c.purpose == "invite" and c.customer_number == customer_number]

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

    def list_audit(self, customer_number: str, limit: int = 200) -> list[AuditEntry]:
        return [a for a in reversed(self.audit) if a.customer_number == customer_number][:limit]

    # customers by e-mail and PINs, on top of the shared InMemoryCustomers
    customers: InMemoryCustomers | None = None

    def customers_by_email(self, email: str) -> list[Customer]:
        assert self.customers is not None
        return [c for c in self.customers.customers.values() if (c.email or "").lower() == email]

    def set_member_email(self, customer_number: str, user_id: str, email: str) -> None:
        current = self.members.get((customer_number, user_id))
        if current is not None:
            self.members[(customer_number, user_id)] = current.model_copy(update={"email": email})

    def set_pin_hash(self, customer_number: str, pin_hash: str) -> None:
        assert self.customers is not None
        current = self.customers.customers[customer_number]
        self.customers.customers[customer_number] = current.model_copy(update={"pin_hash": pin_hash})


class InMemoryRateLimits:
    def __init__(self) -> None:
        self.counters: dict[tuple[str, str], tuple[int, int]] = {}

    def increment(self, scope: str, key: str, now: int, window_seconds: int) -> tuple[int, int]:
        count, end = self.counters.get((scope, key), (0, 0))
        if end <= now:
            count, end = 0, now + window_seconds
        self.counters[(scope, key)] = (count + 1, end)
        return count + 1, end

    def peek(self, scope: str, key: str, now: int) -> tuple[int, int]:
        count, end = self.counters.get((scope, key), (0, 0))
        return (count, end) if end > now else (0, now)

    def clear(self, scope: str, key: str) -> None:
        self.counters.pop((scope, key), None)


class FakeIdentity:
    """Cognito stand-in: users by e-mail with a sub and a password."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, str]] = {}
        self.signed_out: list[str] = []
        self.fail_set_password: list[Exception] = []

    def add_user(self, email: str, password: str) -> str:
        sub = str(uuid.uuid4())
        self.users[email] = {"sub": sub, "password": password, "locale": "en"}
        return sub

    def find_user(self, email: str) -> str | None:
        user = self.users.get(email)
        return user["sub"] if user else None

    def create_user(self, email: str, locale: str) -> str:
        if email in self.users:
            return self.users[email]["sub"]
        sub = str(uuid.uuid4())
        self.users[email] = {"sub": sub, "password": "", "locale": locale}
        return sub

    def set_password(self, email: str, password: str) -> None:
        if self.fail_set_password:
            raise self.fail_set_password.pop(0)
        if not any(c.isdigit() for c in password):
            raise ValidationFailed("policy", code="password_policy")
        self.users[email]["password"] = password

    def password_matches(self, email: str, password: str) -> bool:
        user = self.users.get(email)
        return bool(user and user["password"] and user["password"] == password)

    def change_password(self, access_token: str, old_password: str, new_password: str) -> None:
        email = access_token  # the fake's access token is the e-mail
        if not self.password_matches(email, old_password):
            raise ValidationFailed("wrong", code="old_password_wrong")
        self.users[email]["password"] = new_password

    def sign_out_user(self, email: str) -> None:
        self.signed_out.append(email)

    def change_email(self, old_email: str, new_email: str) -> None:
        if new_email in self.users:
            raise Conflict("taken", code="email_taken")
        self.users[new_email] = self.users.pop(old_email)

    def authenticate(self, username: str, password: str) -> str:
        """Stands in for CognitoIdentity.login: returns a token-ish string."""
        if not self.password_matches(username, password):
            raise Unauthorized("E-mail or password is wrong.", code="login_failed")
        return f"tokens-for-{username}"


class InMemorySms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return f"sms-{len(self.sent)}"
