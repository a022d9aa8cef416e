"""One-time codes: six digits, e-mailed, stored only as a salted hash with
their purpose and expiry, a few wrong guesses allowed. Registration, e-mail
changes, password resets, invitations and PIN letters use them; management
companies' invitations too (services.companies)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from heatportal.domain.accounts import Challenge, CodeMessage, Purpose
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.secrets import verify_secret
from heatportal.ports import Clock, Mailer
from heatportal.services.accounts.common import AccountStore

CODE_TTL_SECONDS = 30 * 60
CODE_MAX_ATTEMPTS = 5
INVITATION_TTL_SECONDS = 14 * 24 * 3600

RenderCode = Callable[[CodeMessage], tuple[str, str, str]]
"""(subject, text, html) of a code e-mail."""


def new_code() -> str:
    """A six-digit one-time code (only its hash is stored)."""
    return f"{secrets.randbelow(10**6):06d}"


def code_invalid() -> ValidationFailed:
    return ValidationFailed(
        "The code is wrong or has expired. Request a new code.",
        code="code_invalid",
        fields=[{"field": "code", "code": "code_invalid"}],
    )


class OneTimeCodes:
    def __init__(self, store: AccountStore, mailer: Mailer, render: RenderCode, clock: Clock) -> None:
        self.store = store
        self.mailer = mailer
        self.render = render
        self.clock = clock

    def expires_in(self, seconds: int) -> int:
        """The epoch second ``seconds`` from now (a challenge's ``expires_at``)."""
        return int(self.clock.now().timestamp()) + seconds

    def send(self, message: CodeMessage) -> None:
        subject, text, html = self.render(message)
        self.mailer.send(message.recipient, subject, text, html)

    def check(self, challenge_id: str, purpose: Purpose, code: str) -> Challenge:
        """The live challenge when ``code`` is right; every other case is code_invalid."""
        challenge = self.store.get_challenge(challenge_id)
        if challenge is None or challenge.purpose != purpose or challenge.expires_at <= self.expires_in(0):
            raise code_invalid()
        if challenge.attempts >= CODE_MAX_ATTEMPTS:
            raise code_invalid()
        if not verify_secret(code.strip(), challenge.code_hash):
            self.store.count_attempt(challenge.id, CODE_MAX_ATTEMPTS)
            raise code_invalid()
        return challenge
