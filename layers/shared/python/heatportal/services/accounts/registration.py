"""Registration: a person proves the customer relationship as the utility's
profile says (the PIN letter, the postcode or the name), gets a code at the
e-mail address given, and with it and a new password becomes the customer's
first administrator."""

from __future__ import annotations

import re
import secrets

from heatportal.domain.accounts import Challenge, CodeMessage
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Customer, Membership, Role
from heatportal.domain.profile import RegistrationMethod, UtilityProfile
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.ports import Clock, CustomerRepository
from heatportal.services import ratelimit
from heatportal.services.accounts.codes import CODE_TTL_SECONDS, OneTimeCodes, new_code
from heatportal.services.accounts.common import (
    AccountStore,
    Pending,
    address_key,
    check_new_password,
    fold_name,
    normalize_email,
    registration_failed,
)
from heatportal.services.accounts.joining import Joining
from heatportal.services.ratelimit import RateLimiter

_DUMMY_PIN_HASH = "scrypt$" + "00" * 16 + "$" + "00" * 32


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
        proof = {
            RegistrationMethod.PIN: pin,
            RegistrationMethod.POSTCODE: postcode,
            RegistrationMethod.NAME: name,
        }[self.profile.registration] or ""
        now = self.clock.now()
        email = normalize_email(email)
        customer_number = customer_number.strip()
        self._check_proof_format(customer_number, proof)
        self.limiter.hit(ratelimit.REGISTRATION_PER_CLIENT, client, now)
        # A locked number is refused before the proof is looked at, right or wrong.
        self.limiter.check(ratelimit.REGISTRATION_PER_CUSTOMER, customer_number, now)
        customer = self.customers.get_customer(customer_number)
        if customer is None and self.profile.registration == RegistrationMethod.PIN:
            # Spend the same scrypt time as a real PIN check, so the answer's
            # timing does not tell which customer numbers exist. (Postcode and
            # name checks hash nothing, for known and unknown numbers alike.)
            verify_secret(proof.strip(), _DUMMY_PIN_HASH)
        proven = customer is not None and self._proves(customer, proof)
        if not proven or customer is None:
            self.limiter.hit(ratelimit.REGISTRATION_PER_CUSTOMER, customer_number, now)
            raise registration_failed()
        if self.store.list_members(customer_number):
            # Proven but already registered: still the same answer, so a leaked
            # PIN letter does not tell whether somebody registered.
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

    def _proves(self, customer: Customer, proof: str) -> bool:
        method = self.profile.registration
        if method == RegistrationMethod.PIN:
            # A customer without a PIN letter costs the same scrypt time as one with.
            return verify_secret(proof.strip(), customer.pin_hash or _DUMMY_PIN_HASH) and customer.pin_hash is not None
        if method == RegistrationMethod.POSTCODE:
            return proof.strip().replace(" ", "").upper() == customer.address.postcode.replace(" ", "").upper()
        return bool(proof.strip()) and fold_name(proof) == fold_name(customer.name)

    def _check_proof_format(self, customer_number: str, proof: str) -> None:
        if not re.fullmatch(self.profile.customer_number_pattern, customer_number):
            raise ValidationFailed(
                "Check the customer number.",
                code="customer_number_invalid",
                fields=[{"field": "customer_number", "code": "customer_number_invalid"}],
            )
        method = self.profile.registration
        if method == RegistrationMethod.POSTCODE and not re.fullmatch(self.profile.postcode_pattern, proof.strip()):
            raise ValidationFailed(
                "Check the postcode.",
                code="postcode_invalid",
                fields=[{"field": "postcode", "code": "postcode_invalid"}],
            )
        if method == RegistrationMethod.PIN and not re.fullmatch(r"[0-9]{4,8}", proof.strip()):
            raise ValidationFailed(
                "Check the PIN.",
                code="pin_invalid",
                fields=[{"field": "pin", "code": "pin_invalid"}],
            )
        if not proof.strip():
            raise ValidationFailed(
                "Enter your name.", code="validation_failed", fields=[{"field": "name", "code": "missing"}]
            )
