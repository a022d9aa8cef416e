"""Service interruptions: shown at the top of the start page while
they last, and in the 30 days before a planned one starts."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field, field_validator, model_validator

from heatportal.domain.model import Frozen

ANNOUNCE_AHEAD = timedelta(days=30)
# Longest interruption the start page looks back for; the repository queries a
# bounded key range instead of the whole partition.
LONGEST = timedelta(days=90)


class ServiceInterruption(Frozen):
    """A planned or unplanned stop of delivery in part of the network.

    ``postcodes`` names the affected area; empty means the whole network."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    planned: bool
    starts_at: datetime
    ends_at: datetime | None = None
    title: str = Field(min_length=3, max_length=120)
    details: str = Field(default="", max_length=2000)
    postcodes: tuple[str, ...] = ()

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("a time zone is required")
        return value

    @model_validator(mode="after")
    def _order(self) -> ServiceInterruption:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at is not None and self.ends_at - self.starts_at > LONGEST:
            raise ValueError("an interruption lasts at most 90 days")
        return self

    def is_current(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def is_upcoming(self, now: datetime) -> bool:
        return now < self.starts_at <= now + ANNOUNCE_AHEAD

    def affects(self, postcodes: set[str]) -> bool:
        return not self.postcodes or bool(postcodes & set(self.postcodes))
