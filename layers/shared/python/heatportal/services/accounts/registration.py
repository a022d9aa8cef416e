"""Registration: a person proves the customer relationship as the utility's
profile says (the PIN letter, the postcode or the name), gets a code at the
e-mail address given, and with it and a new password becomes the customer's
first administrator."""

from __future__ import annotations

import secrets

from heatportal.domain.accounts import Challenge, CodeMessage
from heatportal.domain.model import Membership, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.secrets import hash_secret
from heatportal.ports import Clock, CustomerRepository
from heatportal.services import ratelimit
from heatportal.services.accounts.codes import CODE_TTL_SECONDS, OneTimeCodes, new_code
from heatportal.services.accounts.common import (
    AccountStore,
    Pending,
    address_key,
    check_new_password,
    normalize_email,
    registration_failed,
)
from heatportal.services.accounts.joining import Joining
from heatportal.services.accounts.proof import check_proof_format, open_to_proof, proof_for, proves
from heatportal.services.ratelimit import RateLimiter


class RegistrationService:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: AccountStore,
        codes: OneTimeCodes,
        joining: Joining,
        limiter: RateLimiter,
        clock: Clock,
        portal_url: str,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.codes = codes
        self.joining = joining
        self.limiter = limiter
        self.clock = clock
        self.portal_url = portal_url.rstrip("/")

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
            raise registration_failed()
        if not open_to_proof(self.store.list_members(customer_number)):
            # Proven but already registered: still the same answer, so a leaked
            # PIN letter does not tell whether somebody registered. (A link made
            # with the proof alone does not count: the owner may still register.)
            raise registration_failed()
        self.limiter.reset(ratelimit.REGISTRATION_PER_CUSTOMER, customer_number)
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(email), now)
        code = new_code()
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            purpose="register",
            email=email,
            code_hash=hash_secret(code),
            expires_at=self.codes.expires_in(CODE_TTL_SECONDS),
            language=customer.language,
            customer_number=customer_number,
            role=Role.ADMIN,
        )
        self.store.put_challenge(challenge)
        self.codes.send(
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
        challenge = self.codes.check(registration_id, "register", code)
        assert challenge.customer_number is not None
        return self.joining.join(challenge, password, actor=challenge.email, action="registered")
