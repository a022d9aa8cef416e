"""Reminder agreements: who is reminded to read which meter, how,
and in which language. By SMS the same agreement lets the phone answer with
its reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from heatportal.domain.model import Frozen, Language

Channel = Literal["sms", "email"]


class ReminderAgreement(Frozen):
    channel: Channel
    address: str  # E.164 phone number or email address
    meter_number: str
    customer_number: str
    language: Language


@dataclass(frozen=True)
class ReadingLink:
    """A link that lets its holder submit one reading for one meter without
    login. Only the SHA-256 of its random token is stored."""

    token_hash: str
    customer_number: str
    meter_number: str
    language: Language
    period: str  # the billing period the reading closes, YYYY-MM
    expires_at: datetime
    used_at: datetime | None = None
