"""Sign-in and credentials: signing in by e-mail (or, where the profile allows
it, by customer number), changing the password, resetting a forgotten one by
an e-mailed code, changing the e-mail address one signs in with."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from heatportal.domain.accounts import Challenge, CodeMessage
from heatportal.domain.errors import Unauthorized, ValidationFailed
from heatportal.domain.model import Language, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.secrets import hash_secret
from heatportal.ports import Clock
from heatportal.services import ratelimit
from heatportal.services.access import AccessService, Principal
from heatportal.services.accounts.codes import CODE_TTL_SECONDS, OneTimeCodes, code_invalid, new_code
from heatportal.services.accounts.common import (
    PUBLIC_ANSWER_FLOOR,
    AccountStore,
    IdentityAdmin,
    NoPacing,
    Pacer,
    Pending,
    address_key,
    check_new_password,
    normalize_email,
)
from heatportal.services.ratelimit import RateLimiter

T = TypeVar("T")


class CredentialService:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        store: AccountStore,
        identity: IdentityAdmin,
        access: AccessService,
        codes: OneTimeCodes,
        limiter: RateLimiter,
        clock: Clock,
        pacer: Pacer | None = None,
        on_email_changed: Callable[[str, str], None] | None = None,
    ) -> None:
        self.profile = profile
        self.store = store
        self.identity = identity
        self.access = access
        self.codes = codes
        self.limiter = limiter
        self.clock = clock
        self.pacer: Pacer = pacer or NoPacing()
        self.on_email_changed = on_email_changed

    # --- sign-in --------------------------------------------------------------------

    def login_usernames(self, username: str) -> list[str]:
        """The Cognito usernames for what the person typed: an e-mail, or where
        the profile allows it a customer number, mapped to the e-mails of its
        administrators (a number linked to several accounts).
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
        keys = list(dict.fromkeys([address_key(username.strip().lower()), *map(address_key, candidates)]))
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
            for key in {keys[0], address_key(candidate)}:
                self.limiter.reset(ratelimit.LOGIN_PER_USERNAME, key)
            return tokens
        for key in keys:
            self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, key, now)
        assert failure is not None
        raise failure

    # --- passwords --------------------------------------------------------------------

    def change_password(
        self, principal: Principal, access_token: str, old_password: str, password: str, confirmation: str
    ) -> None:
        check_new_password(password, confirmation)
        self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, address_key(principal.email.lower()), self.clock.now())
        self.identity.change_password(access_token, old_password, password)

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
            self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(email), now)
            known = self.identity.find_user(email) is not None
            code = new_code()
            challenge = Challenge(
                id=f"reset-{address_key(email)}",
                purpose="reset",
                email=email,
                code_hash=hash_secret(code),
                expires_at=self.codes.expires_in(CODE_TTL_SECONDS),
                language=language,
            )
            if not known:
                # The same round trip as the write below; nothing is stored or sent.
                self.store.get_challenge(challenge.id)
                return
            # One live reset code per address: a new request replaces the old one.
            self.store.put_challenge(challenge)
            self.codes.send(CodeMessage(purpose="reset", language=language, recipient=email, code=code))

    def reset_password(self, email: str, code: str, password: str, confirmation: str) -> None:
        email = normalize_email(email)
        check_new_password(password, confirmation)
        self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, address_key(email), self.clock.now())
        challenge = self.codes.check(f"reset-{address_key(email)}", "reset", code)
        self.identity.set_password(challenge.email, password)
        # Whoever knew the old password is signed out everywhere.
        self.identity.sign_out_user(challenge.email)
        self.store.delete_challenge(challenge.id)

    # --- change of e-mail (the sign-in name) ------------------------------------------

    def start_email_change(self, principal: Principal, password: str, new_email: str, language: Language) -> Pending:
        """Asks for the password, then sends a code to the new address; nothing
        changes until that code comes back."""
        now = self.clock.now()
        new = normalize_email(new_email)
        key = address_key(principal.email.lower())
        self.limiter.check(ratelimit.LOGIN_PER_USERNAME, key, now)
        if not self.identity.password_matches(principal.email, password):
            self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, key, now)
            raise ValidationFailed(
                "The current password is wrong.",
                code="old_password_wrong",
                fields=[{"field": "password", "code": "old_password_wrong"}],
            )
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(new), now)
        code = new_code()
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            purpose="email",
            email=new,
            code_hash=hash_secret(code),
            expires_at=self.codes.expires_in(CODE_TTL_SECONDS),
            language=language,
            user_id=principal.user_id,
            invited_by=principal.email,
        )
        self.store.put_challenge(challenge)
        self.codes.send(CodeMessage(purpose="email", language=language, recipient=new, code=code))
        return Pending(challenge.id, challenge.expires_at)

    def confirm_email_change(self, principal: Principal, change_id: str, code: str) -> str:
        """The code from the new address: the user's e-mail (and sign-in name)
        changes, the memberships follow, and every session is signed out so
        new tokens carry the new address. Safe to retry."""
        self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, address_key(principal.email.lower()), self.clock.now())
        challenge = self.codes.check(change_id, "email", code)
        if challenge.user_id != principal.user_id:
            raise code_invalid()
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
