"""Proof of a customer relationship, as the utility profile asks for it: the
PIN of the letter, the postcode of the address or the customer's name. The
same proof opens a registration (``registration``) and a link of a customer
number to a login that exists already (``links``), on the same
rate-limit counters, so neither route is a second set of guesses.

A customer is open to the proof while nobody has access to it but people who
linked it with the proof alone (``Membership.linked_by_proof``): such a link
does not shut the real owner out, who can still register and remove it.
"""

from __future__ import annotations

import re
import unicodedata

from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Customer, Membership
from heatportal.domain.profile import RegistrationMethod, UtilityProfile
from heatportal.domain.secrets import verify_secret

# A customer without a PIN letter (or an unknown number) costs the same scrypt time as one with.
DUMMY_PIN_HASH = "scrypt$" + "00" * 16 + "$" + "00" * 32


def fold(text: str) -> str:
    """Names compared without case, accents or extra spaces (Müller == mueller is not tried)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def proof_for(profile: UtilityProfile, *, pin: str | None, postcode: str | None, name: str | None) -> str:
    """The one proof the profile asks for, from what the person sent."""
    return {
        RegistrationMethod.PIN: pin,
        RegistrationMethod.POSTCODE: postcode,
        RegistrationMethod.NAME: name,
    }[profile.registration] or ""


def check_customer_number(profile: UtilityProfile, customer_number: str) -> None:
    if not re.fullmatch(profile.customer_number_pattern, customer_number):
        raise ValidationFailed(
            "Check the customer number.",
            code="customer_number_invalid",
            fields=[{"field": "customer_number", "code": "customer_number_invalid"}],
        )


def check_proof_format(profile: UtilityProfile, customer_number: str, proof: str) -> None:
    """Format errors are the person's typos, not guesses: they count nothing."""
    check_customer_number(profile, customer_number)
    method = profile.registration
    if method == RegistrationMethod.POSTCODE and not re.fullmatch(profile.postcode_pattern, proof.strip()):
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


def proves(profile: UtilityProfile, customer: Customer | None, proof: str) -> bool:
    """Whether ``proof`` is the customer's. An unknown customer (None) costs
    the same time as a known one where the proof is a PIN."""
    method = profile.registration
    if method == RegistrationMethod.PIN:
        pin_hash = customer.pin_hash if customer is not None else None
        return verify_secret(proof.strip(), pin_hash or DUMMY_PIN_HASH) and pin_hash is not None
    if customer is None:
        return False
    if method == RegistrationMethod.POSTCODE:
        return proof.strip().replace(" ", "").upper() == customer.address.postcode.replace(" ", "").upper()
    return bool(proof.strip()) and fold(proof) == fold(customer.name)


def open_to_proof(members: list[Membership]) -> bool:
    """True when the proof alone may still open the customer: nobody has
    access but people who linked it with the proof alone."""
    return all(m.linked_by_proof for m in members)
