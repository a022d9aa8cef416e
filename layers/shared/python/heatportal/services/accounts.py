"""Accounts: registration by proving a customer relationship, one-time codes,
passwords, and who may see a customer (users, roles, invitations, audit).

Cognito holds the passwords; this service decides *whether* a person may get
an account for a customer and which role they hold. Every public route here
answers the same way whether or not a customer, an e-mail or a user exists,
and every guessable secret (PIN, postcode, name, code, password) is behind a
rate limit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from heatportal.domain.accounts import AuditEntry, Challenge, CodeMessage, Purpose
from heatportal.domain.contact import email_address
from heatportal.domain.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from heatportal.domain.model import Customer, Language, Membership, Role
from heatportal.domain.name_search import fold, matched_words, query_tokens
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.ports import Clock, CustomerRepository, Mailer, SmsSender
from heatportal.services import ratelimit
from heatportal.services.access import AccessService, Principal
from heatportal.services.ratelimit import RateLimiter
from heatportal.services.relationship_proof import check_proof_format, open_to_proof, proof_for, proves

CODE_TTL_SECONDS = 30 * 60
CODE_MAX_ATTEMPTS = 5
INVITATION_TTL_SECONDS = 14 * 24 * 3600
MIN_PASSWORD_LENGTH = 8
# Public routes that send a code or a PIN answer no sooner than this (seconds):
# longer than the slowest path (scrypt, a write, an e-mail), so the time of the
# answer does not tell whether the address or customer exists.
PUBLIC_ANSWER_FLOOR = 0.4
NAME_RESULTS = 20
NAME_CANDIDATES_PER_WORD = 200

T = TypeVar("T")


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

    def list_audit(self, customer_number: str, limit: int = 200) -> list[AuditEntry]: ...

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


class NameIndex(Protocol):
    """Customers by the words of their name (adapters.dynamo_names)."""

    def name_matches(self, word: str, limit: int) -> list[tuple[str, str]]:
        """(customer number, name) of up to ``limit`` customers with a name word starting with ``word``."""
        ...

    def get_customers(self, numbers: list[str]) -> list[Customer]:
        """The customers with these numbers, in this order (one batch read)."""
        ...


class Pacer(Protocol):
    """Makes a public answer take at least a fixed time, so its timing does
    not tell which path it took (adapters.pacing)."""

    def at_least(self, seconds: float) -> AbstractContextManager[None]: ...


class _NoPacing:
    def at_least(self, seconds: float) -> AbstractContextManager[None]:
        return nullcontext()


RenderCode = Callable[[CodeMessage], tuple[str, str, str]]
"""(subject, text, html) of a code e-mail."""
RenderPinSms = Callable[[str, str, Language], str]
"""Text of the SMS with (customer number, PIN) in a language."""


def normalize_email(value: str) -> str:
    """A deliverable address in its one stored form (domain.contact)."""
    return email_address(value)


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


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _registration_failed() -> Unauthorized:
    # Unknown number, already registered, wrong PIN/postcode/name: one answer.
    return Unauthorized(
        "We could not confirm your customer relationship.",
        code="registration_failed",
    )


def _code_invalid() -> ValidationFailed:
    return ValidationFailed(
        "The code is wrong or has expired. Request a new code.",
        code="code_invalid",
        fields=[{"field": "code", "code": "code_invalid"}],
    )


def _address_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


class AccountService:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: AccountStore,
        identity: IdentityAdmin,
        access: AccessService,
        limiter: RateLimiter,
        mailer: Mailer,
        render_code: RenderCode,
        clock: Clock,
        portal_url: str,
        sms: SmsSender | None = None,
        render_pin_sms: RenderPinSms | None = None,
        names: NameIndex | None = None,
        pacer: Pacer | None = None,
        on_email_changed: Callable[[str, str], None] | None = None,
    ) -> None:
        self.on_email_changed = on_email_changed
        self.profile = profile
        self.customers = customers
        self.store = store
        self.identity = identity
        self.access = access
        self.limiter = limiter
        self.mailer = mailer
        self.render_code = render_code
        self.clock = clock
        self.portal_url = portal_url.rstrip("/")
        self.sms = sms
        self.render_pin_sms = render_pin_sms
        self.names = names
        self.pacer: Pacer = pacer or _NoPacing()

    # --- helpers ---------------------------------------------------------------

    def _epoch(self) -> int:
        return int(self.clock.now().timestamp())

    def _send_code(self, message: CodeMessage) -> None:
        subject, text, html = self.render_code(message)
        self.mailer.send(message.recipient, subject, text, html)

    def _check_code(self, challenge_id: str, purpose: Purpose, code: str) -> Challenge:
        """The live challenge when ``code`` is right; every other case is code_invalid."""
        challenge = self.store.get_challenge(challenge_id)
        if challenge is None or challenge.purpose != purpose or challenge.expires_at <= self._epoch():
            raise _code_invalid()
        if challenge.attempts >= CODE_MAX_ATTEMPTS:
            raise _code_invalid()
        if not verify_secret(code.strip(), challenge.code_hash):
            self.store.count_attempt(challenge.id, CODE_MAX_ATTEMPTS)
            raise _code_invalid()
        return challenge

    # --- registration ------------------------------------------------------------

    def start_registration(
        self,
        customer_number: str,
        email: str,
        client: str,
        *,
        pin: str | None = None,
        postcode: str | None = None,
        name: str | None = None,
    ) -> Pending:
        """Step 1: prove the customer relationship as the profile says (PIN,
        postcode or name); a code goes to ``email``."""
        proof = proof_for(self.profile, pin=pin, postcode=postcode, name=name)
        now = self.clock.now()
        email = normalize_email(email)
        customer_number = customer_number.strip()
        check_proof_format(self.profile, customer_number, proof)
        self.limiter.hit(ratelimit.REGISTRATION_PER_CLIENT, client, now)
        # A locked number is refused before the proof is looked at, right or wrong.
        self.limiter.check(ratelimit.REGISTRATION_PER_CUSTOMER, customer_number, now)
        customer = self.customers.get_customer(customer_number)
        # An unknown number spends the same scrypt time as a real PIN check, so
        # the answer's timing does not tell which customer numbers exist.
        proven = proves(self.profile, customer, proof)
        if not proven or customer is None:
            self.limiter.hit(ratelimit.REGISTRATION_PER_CUSTOMER, customer_number, now)
            raise _registration_failed()
        if not open_to_proof(self.store.list_members(customer_number)):
            # Proven but already registered: still the same answer, so a leaked
            # PIN letter does not tell whether somebody registered. (A link made
            # with the proof alone does not count: the owner may still register.)
            raise _registration_failed()
        self.limiter.reset(ratelimit.REGISTRATION_PER_CUSTOMER, customer_number)
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(email), now)
        code = _new_code()
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            purpose="register",
            email=email,
            code_hash=hash_secret(code),
            expires_at=self._epoch() + CODE_TTL_SECONDS,
            language=customer.language,
            customer_number=customer_number,
            role=Role.ADMIN,
        )
        self.store.put_challenge(challenge)
        self._send_code(
            CodeMessage(
                purpose="register",
                language=customer.language,
                recipient=email,
                code=code,
                name=customer.name,
                customer_number=customer_number,
                link=f"{self.portal_url}/register/verify?id={challenge.id}",
            )
        )
        return Pending(challenge.id, challenge.expires_at)

    def complete_registration(self, registration_id: str, code: str, password: str, confirmation: str) -> Membership:
        """Step 2: the e-mailed code, then the password; creates user and admin membership.

        Safe to retry: the Cognito user is found again, the membership write is
        conditional, and the challenge is deleted only at the very end.
        """
        check_new_password(password, confirmation)
        challenge = self._check_code(registration_id, "register", code)
        assert challenge.customer_number is not None
        return self._join(challenge, password, actor=challenge.email, action="registered")

    def _join(
        self, challenge: Challenge, password: str | None, *, actor: str, action: Literal["registered", "joined"]
    ) -> Membership:
        customer_number = challenge.customer_number or ""
        role = challenge.role or Role.READ
        existing_user = self.identity.find_user(challenge.email)
        if existing_user is not None and action == "joined":
            # Somebody who already has an account proves it with the password,
            # never by resetting it through an invitation.
            if password is None or not self.identity.password_matches(challenge.email, password):
                raise Unauthorized("E-mail or password is wrong.", code="login_failed")
            user_id = existing_user
        else:
            user_id = self.identity.create_user(challenge.email, challenge.language)
            if password is not None:
                self.identity.set_password(challenge.email, password)
            if existing_user is not None:
                # Registering with an e-mail that already has a user (for another
                # customer) proved the address like a reset does: sign out elsewhere.
                self.identity.sign_out_user(challenge.email)
        membership = Membership(user_id=user_id, customer_number=customer_number, role=role, email=challenge.email)
        for _attempt in range(5):
            members = self.store.list_members(customer_number)
            mine = next((m for m in members if m.user_id == user_id), None)
            if mine is not None:
                self.store.delete_challenge(challenge.id)
                return mine  # a retry after the membership was written
            if action == "registered" and not open_to_proof(members):
                raise _registration_failed()  # somebody else finished first
            version = self.store.access_version(customer_number)
            audit = AuditEntry(
                customer_number=customer_number,
                at=self.clock.now(),
                actor=actor,
                action=action,
                subject=challenge.email,
                role=role,
            )
            if self.store.write_access_change(
                customer_number, version, audit, put=membership, delete_challenge=challenge.id
            ):
                return membership
        raise Conflict("The access list changed at the same time. Try again.", code="conflict")

    # --- login and passwords ---------------------------------------------------------

    def login_usernames(self, username: str) -> list[str]:
        """The Cognito usernames for what the person typed: an e-mail, or where
        the profile allows it a customer number, mapped to the e-mails of its
        administrators (a number linked to several accounts, seed 003).
        Anything else (Cognito's internal user name, the sub, among them) is
        no sign-in name: it would count failures apart from the person's."""
        typed = username.strip()
        if "@" in typed:
            return [typed.lower()]
        admins: list[str] = []
        if self.profile.login_with_customer_number and re.fullmatch(self.profile.customer_number_pattern, typed):
            admins = [m.email.lower() for m in self.store.list_members(typed) if m.role == Role.ADMIN]
        # Unknown names fall through to Cognito with a name that cannot exist,
        # so the answer (login_failed) is the same as for a wrong password.
        return admins[:3] or [f"unknown-{secrets.token_hex(8)}@invalid"]

    def login_username(self, username: str) -> str:
        return self.login_usernames(username)[0]

    def login(self, username: str, password: str, client: str, authenticate: Callable[[str, str], T]) -> T:
        """Failures count per person: against every e-mail the typed name
        stands for (a customer number stands for its administrators), so
        another spelling of the same person shares the lock."""
        now = self.clock.now()
        self.limiter.hit(ratelimit.LOGIN_PER_CLIENT, client, now)
        candidates = self.login_usernames(username)
        keys = list(dict.fromkeys([_address_key(username.strip().lower()), *map(_address_key, candidates)]))
        for key in keys:
            self.limiter.check(ratelimit.LOGIN_PER_USERNAME, key, now)
        failure: Unauthorized | None = None
        for candidate in candidates:
            try:
                tokens = authenticate(candidate, password)
            except Unauthorized as error:
                failure = error
                continue
            # Only the names this person proved: a success never clears another administrator's lock.
            for key in {keys[0], _address_key(candidate)}:
                self.limiter.reset(ratelimit.LOGIN_PER_USERNAME, key)
            return tokens
        for key in keys:
            self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, key, now)
        assert failure is not None
        raise failure

    # --- change of e-mail (the sign-in name) ------------------------------------------

    def start_email_change(self, principal: Principal, password: str, new_email: str, language: Language) -> Pending:
        """Asks for the password, then sends a code to the new address; nothing
        changes until that code comes back."""
        now = self.clock.now()
        new = normalize_email(new_email)
        key = _address_key(principal.email.lower())
        self.limiter.check(ratelimit.LOGIN_PER_USERNAME, key, now)
        if not self.identity.password_matches(principal.email, password):
            self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, key, now)
            raise ValidationFailed(
                "The current password is wrong.",
                code="old_password_wrong",
                fields=[{"field": "password", "code": "old_password_wrong"}],
            )
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(new), now)
        code = _new_code()
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            purpose="email",
            email=new,
            code_hash=hash_secret(code),
            expires_at=self._epoch() + CODE_TTL_SECONDS,
            language=language,
            user_id=principal.user_id,
            invited_by=principal.email,
        )
        self.store.put_challenge(challenge)
        self._send_code(CodeMessage(purpose="email", language=language, recipient=new, code=code))
        return Pending(challenge.id, challenge.expires_at)

    def confirm_email_change(self, principal: Principal, change_id: str, code: str) -> str:
        """The code from the new address: the user's e-mail (and sign-in name)
        changes, the memberships follow, and every session is signed out so
        new tokens carry the new address. Safe to retry."""
        self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, _address_key(principal.email.lower()), self.clock.now())
        challenge = self._check_code(change_id, "email", code)
        if challenge.user_id != principal.user_id:
            raise _code_invalid()
        if self.identity.find_user(challenge.email) != principal.user_id:
            self.identity.change_email(principal.email, challenge.email)
        for membership in self.access.customers_of(principal):
            if membership.via_org is None:
                self.store.set_member_email(membership.customer_number, principal.user_id, challenge.email)
        if self.on_email_changed is not None:
            self.on_email_changed(principal.user_id, challenge.email)  # e.g. management companies' member lists
        self.identity.sign_out_user(challenge.email)
        self.store.delete_challenge(challenge.id)
        return challenge.email

    def forgot_password(self, email: str, language: Language, client: str) -> None:
        """Send a reset code when the e-mail belongs to a user. The answer is the
        same either way, in content and in time: both paths ask Cognito, hash a
        new code and make one request for the reset item, and the answer is
        padded to PUBLIC_ANSWER_FLOOR; only the e-mail itself differs, and only
        the owner of the address sees that."""
        now = self.clock.now()
        email = normalize_email(email)
        with self.pacer.at_least(PUBLIC_ANSWER_FLOOR):
            self.limiter.hit(ratelimit.CODE_REQUESTS_PER_CLIENT, client, now)
            self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(email), now)
            known = self.identity.find_user(email) is not None
            code = _new_code()
            challenge = Challenge(
                id=f"reset-{_address_key(email)}",
                purpose="reset",
                email=email,
                code_hash=hash_secret(code),
                expires_at=self._epoch() + CODE_TTL_SECONDS,
                language=language,
            )
            if not known:
                # The same round trip as the write below; nothing is stored or sent.
                self.store.get_challenge(challenge.id)
                return
            # One live reset code per address: a new request replaces the old one.
            self.store.put_challenge(challenge)
            self._send_code(CodeMessage(purpose="reset", language=language, recipient=email, code=code))

    def reset_password(self, email: str, code: str, password: str, confirmation: str) -> None:
        email = normalize_email(email)
        check_new_password(password, confirmation)
        self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, _address_key(email), self.clock.now())
        challenge = self._check_code(f"reset-{_address_key(email)}", "reset", code)
        self.identity.set_password(challenge.email, password)
        # Whoever knew the old password is signed out everywhere.
        self.identity.sign_out_user(challenge.email)
        self.store.delete_challenge(challenge.id)

    def change_password(
        self, principal: Principal, access_token: str, old_password: str, password: str, confirmation: str
    ) -> None:
        check_new_password(password, confirmation)
        self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, _address_key(principal.email.lower()), self.clock.now())
        self.identity.change_password(access_token, old_password, password)

    # --- forgotten customer number / PIN (seed 000) ---------------------------------

    def _phone(self, value: str) -> str | None:
        import phonenumbers

        try:
            parsed = phonenumbers.parse(value, self.profile.country)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(parsed):
            return None
        return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))

    def forgot_customer_number(
        self, email: str | None, phone: str | None, customer_number: str | None, client: str
    ) -> None:
        """Send the customer number and a new PIN to the e-mail address or mobile
        number on record, never to anything else; the answer is the same
        whether or not something matched."""
        now = self.clock.now()
        wanted_email = normalize_email(email) if email and email.strip() else None
        wanted_phone = self._phone(phone) if phone and phone.strip() else None
        if wanted_email is None and wanted_phone is None:
            if phone and phone.strip():
                raise ValidationFailed(
                    "Enter a valid mobile number.",
                    code="phone_invalid",
                    fields=[{"field": "phone", "code": "phone_invalid"}],
                )
            raise ValidationFailed(
                "Enter your e-mail address or mobile number.",
                code="contact_missing",
                fields=[{"field": "email", "code": "contact_missing"}],
            )
        with self.pacer.at_least(PUBLIC_ANSWER_FLOOR):
            self._send_customer_number(wanted_email, wanted_phone, customer_number, client, now)

    def _send_customer_number(
        self,
        wanted_email: str | None,
        wanted_phone: str | None,
        customer_number: str | None,
        client: str,
        now: datetime,
    ) -> None:
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_CLIENT, client, now)
        for address in (wanted_email, wanted_phone):
            if address:
                self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(address), now)
        number = (customer_number or "").strip()
        if number:
            found = self.customers.get_customer(number)
            candidates = [found] if found else []
        elif wanted_email:
            candidates = self.store.customers_by_email(wanted_email)
        else:
            candidates = []  # a mobile number alone has no index: the number is asked for
        sent = False
        for customer in candidates[:5]:
            by_email = bool(wanted_email and customer.email and customer.email.strip().lower() == wanted_email)
            on_record = self._phone(customer.phone) if customer.phone else None
            by_sms = bool(wanted_phone and on_record == wanted_phone and self.sms and self.render_pin_sms)
            if not (by_email or by_sms):
                continue
            sent = True
            pin = _new_code()
            self.store.set_pin_hash(customer.number, hash_secret(pin))
            if by_email and customer.email:
                self._send_code(
                    CodeMessage(
                        purpose="pin",
                        language=customer.language,
                        recipient=customer.email,
                        code=pin,
                        name=customer.name,
                        customer_number=customer.number,
                        link=f"{self.portal_url}/register",
                    )
                )
            if by_sms and self.sms and self.render_pin_sms and on_record:
                self.sms.send(on_record, self.render_pin_sms(customer.number, pin, customer.language))
        if not sent:
            # The same scrypt work as a new PIN; the pacer evens out the rest.
            hash_secret(_new_code())

    # --- staff: find a customer (seed 004 customer service) ------------------------------------

    def find_customers(self, principal: Principal, query: str) -> list[Customer]:
        """Customer service finds a customer by number, e-mail on record, meter
        number or name, each on a designed key (GetItem or index Query, never a
        Scan). Exact hits (number, e-mail, meter) come first; name hits follow,
        those matching every word of the query before those matching fewer,
        then by name; at most NAME_RESULTS name hits."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may search customers.", code="forbidden")
        text = query.strip()
        if not text:
            return []
        found: dict[str, Customer] = {}
        number = text.replace("-", "/") if "/" in self.profile.customer_number_pattern else text
        if re.fullmatch(self.profile.customer_number_pattern, number):
            by_number = self.customers.get_customer(number)
            if by_number is not None:
                found[by_number.number] = by_number
        if "@" in text:
            for by_email in self.store.customers_by_email(text.lower()):
                found[by_email.number] = by_email
            return sorted(found.values(), key=lambda c: c.number)
        meter = self.customers.find_meter(text)
        if meter is not None:
            by_meter = self.customers.get_customer(meter.customer_number)
            if by_meter is not None:
                found[by_meter.number] = by_meter
        exact = sorted(found.values(), key=lambda c: c.number)
        return exact + [c for c in self._find_by_name(text) if c.number not in found]

    def _find_by_name(self, text: str) -> list[Customer]:
        words = query_tokens(text)
        if self.names is None or not words or not any(c.isalpha() for c in text):
            return []
        names: dict[str, str] = {}
        for word in words:
            for customer_number, name in self.names.name_matches(word, NAME_CANDIDATES_PER_WORD):
                names[customer_number] = name
        ranked = sorted(
            ((matched_words(words, name), fold(name), number) for number, name in names.items()),
            key=lambda hit: (-hit[0], hit[1], hit[2]),
        )
        best = [number for score, _name, number in ranked if score > 0][:NAME_RESULTS]
        return self.names.get_customers(best) if best else []

    # --- users of a customer -----------------------------------------------------------

    def users(self, principal: Principal, customer_number: str) -> tuple[list[Membership], list[Challenge]]:
        self.access.require(principal, customer_number, Role.ADMIN)
        return self.store.list_members(customer_number), self.store.list_invitations(customer_number)

    def audit(self, principal: Principal, customer_number: str) -> list[AuditEntry]:
        self.access.require(principal, customer_number, Role.ADMIN)
        return self.store.list_audit(customer_number)

    def _require_admin(self, principal: Principal, customer_number: str) -> None:
        grant = self.access.require(principal, customer_number, Role.ADMIN)
        if grant.membership is None or grant.membership.role != Role.ADMIN:
            # Staff see the access list but do not change it on the customer's behalf.
            raise Forbidden("Only the customer's administrators manage users.", code="forbidden")

    def invite(self, principal: Principal, customer_number: str, email: str, role: Role) -> Pending:
        self._require_admin(principal, customer_number)
        email = normalize_email(email)
        now = self.clock.now()
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(email), now)
        if any(m.email.lower() == email for m in self.store.list_members(customer_number)):
            raise Conflict("This person already has access.", code="user_exists")
        customer = self.customers.get_customer(customer_number)
        if customer is None:
            raise NotFound("Customer not found.", code="not_found")
        code = _new_code()
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            purpose="invite",
            email=email,
            code_hash=hash_secret(code),
            expires_at=self._epoch() + INVITATION_TTL_SECONDS,
            language=customer.language,
            customer_number=customer_number,
            role=role,
            invited_by=principal.email,
        )
        for _attempt in range(5):
            version = self.store.access_version(customer_number)
            audit = AuditEntry(customer_number, now, principal.email, "invited", email, role=role)
            if self.store.write_access_change(customer_number, version, audit, put_challenge=challenge):
                break
        else:
            raise Conflict("The access list changed at the same time. Try again.", code="conflict")
        self._send_code(
            CodeMessage(
                purpose="invite",
                language=customer.language,
                recipient=email,
                code=code,
                name=customer.name,
                customer_number=customer_number,
                link=f"{self.portal_url}/invitation?id={challenge.id}",
            )
        )
        return Pending(challenge.id, challenge.expires_at)

    def accept_invitation(self, invitation_id: str, code: str, password: str, confirmation: str | None) -> Membership:
        """The invitee's step: the code from the e-mail, then a new password (new
        users, confirmed twice) or their current password (existing users)."""
        challenge = self.store.get_challenge(invitation_id)
        if challenge is not None and challenge.purpose == "invite":
            self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, _address_key(challenge.email), self.clock.now())
        challenge = self._check_code(invitation_id, "invite", code)
        if self.identity.find_user(challenge.email) is None:
            check_new_password(password, confirmation if confirmation is not None else "")
        return self._join(challenge, password, actor=challenge.email, action="joined")

    def _change(
        self,
        principal: Principal,
        customer_number: str,
        user_id: str,
        new_role: Role | None,
    ) -> Membership | None:
        self._require_admin(principal, customer_number)
        for _attempt in range(5):
            version = self.store.access_version(customer_number)
            members = self.store.list_members(customer_number)
            target = next((m for m in members if m.user_id == user_id), None)
            if target is None:
                raise NotFound("This user has no access to the customer.", code="user_not_found")
            admins = [m for m in members if m.role == Role.ADMIN]
            losing_admin = target.role == Role.ADMIN and new_role != Role.ADMIN
            if losing_admin and len(admins) <= 1:
                raise Conflict(
                    "The last administrator cannot be removed or lose the administrator role.",
                    code="last_admin",
                )
            if new_role is None:
                audit = AuditEntry(
                    customer_number,
                    self.clock.now(),
                    principal.email,
                    "removed",
                    target.email,
                    previous_role=target.role,
                )
                if self.store.write_access_change(customer_number, version, audit, delete_user=user_id):
                    return None
            else:
                changed = replace_role(target, new_role)
                audit = AuditEntry(
                    customer_number,
                    self.clock.now(),
                    principal.email,
                    "role_changed",
                    target.email,
                    role=new_role,
                    previous_role=target.role,
                )
                if target.role == new_role:
                    return target
                if self.store.write_access_change(customer_number, version, audit, put=changed):
                    return changed
        raise Conflict("The access list changed at the same time. Try again.", code="conflict")

    def change_role(self, principal: Principal, customer_number: str, user_id: str, role: Role) -> Membership:
        changed = self._change(principal, customer_number, user_id, role)
        assert changed is not None
        return changed

    def remove_user(self, principal: Principal, customer_number: str, user_id: str) -> None:
        self._change(principal, customer_number, user_id, None)

    def cancel_invitation(self, principal: Principal, customer_number: str, invitation_id: str) -> None:
        self._require_admin(principal, customer_number)
        challenge = self.store.get_challenge(invitation_id)
        if challenge is None or challenge.purpose != "invite" or challenge.customer_number != customer_number:
            raise NotFound("No such invitation.", code="invitation_not_found")
        version = self.store.access_version(customer_number)
        audit = AuditEntry(
            customer_number,
            self.clock.now(),
            principal.email,
            "invitation_cancelled",
            challenge.email,
            role=challenge.role,
        )
        if not self.store.write_access_change(customer_number, version, audit, delete_challenge=invitation_id):
            raise Conflict("The access list changed at the same time. Try again.", code="conflict")


def replace_role(membership: Membership, role: Role) -> Membership:
    return membership.model_copy(update={"role": role})


__all__ = [
    "AccountService",
    "AccountStore",
    "AuditEntry",
    "Challenge",
    "CodeMessage",
    "IdentityAdmin",
    "Pending",
    "check_new_password",
    "normalize_email",
]
