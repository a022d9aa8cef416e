"""Service interruptions: staff announce them; customers see the ones that
touch their facilities, now or within the next 30 days."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import ValidationError

from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.interruption import ANNOUNCE_AHEAD, LONGEST, ServiceInterruption
from heatportal.domain.model import Role
from heatportal.ports import Clock
from heatportal.services.access import Principal, Scope


class InterruptionRepository(Protocol):
    def put_interruption(self, interruption: ServiceInterruption) -> None:
        """Store (or replace) one interruption."""
        ...

    def interruptions_starting(self, start: datetime, end: datetime) -> list[ServiceInterruption]:
        """Interruptions whose start lies in [start, end], oldest first."""
        ...


@dataclass(frozen=True)
class InterruptionNotice:
    current: list[ServiceInterruption]
    upcoming: list[ServiceInterruption]


# The start page asks on every visit; a warm container answers from what it read
# less than this long ago (a new announcement shows within a minute elsewhere, at
# once in the container that recorded it).
KEPT_FOR = timedelta(seconds=60)


class InterruptionService:
    def __init__(
        self,
        repository: InterruptionRepository,
        clock: Clock,
    ) -> None:
        self.repository = repository
        self.clock = clock
        self._read_at: datetime | None = None
        self._read: list[ServiceInterruption] = []

    def _starting_around(self, now: datetime) -> list[ServiceInterruption]:
        """Every interruption that may be current or upcoming at ``now``: read
        once per minute for a window that covers the minute to come."""
        if self._read_at is None or not timedelta(0) <= now - self._read_at < KEPT_FOR:
            self._read = self.repository.interruptions_starting(now - LONGEST, now + ANNOUNCE_AHEAD + KEPT_FOR)
            self._read_at = now
        return self._read

    def announce(
        self,
        principal: Principal,
        *,
        planned: bool,
        starts_at: datetime,
        ends_at: datetime | None,
        title: str,
        details: str = "",
        postcodes: tuple[str, ...] = (),
    ) -> ServiceInterruption:
        """Staff only: record an interruption; the start page shows it from 30 days ahead."""
        self._require_staff(principal)
        try:
            interruption = ServiceInterruption(
                id=uuid.uuid4().hex,
                planned=planned,
                starts_at=starts_at,
                ends_at=ends_at,
                title=title.strip(),
                details=details.strip(),
                postcodes=tuple(sorted({p.replace(" ", "").upper() for p in postcodes if p.strip()})),
            )
        except ValidationError as error:
            raise ValidationFailed("The interruption is not valid.", code="interruption_invalid") from error
        self.repository.put_interruption(interruption)
        self._read_at = None  # this container shows it at once
        return interruption

    def upcoming(self, principal: Principal) -> InterruptionNotice:
        """Staff only: every interruption going on now or starting within 30 days."""
        self._require_staff(principal)
        return self._notice(set(), everything=True)

    def for_customer(self, scope: Scope) -> InterruptionNotice:
        """What the start page shows: interruptions touching the customer's facilities."""
        grant = scope.require(Role.READ, companies="any")
        postcodes = {
            f.address.postcode.replace(" ", "").upper()
            for f in scope.record.facilities
            if grant.sees(f.id)  # a management company: the facilities it was granted
        }
        return self._notice(postcodes, everything=False)

    def for_postcodes(self, postcodes: set[str]) -> InterruptionNotice:
        """Interruptions touching any of these postcodes (a portfolio's facilities,
        already narrowed to those the person may see)."""
        return self._notice({p.replace(" ", "").upper() for p in postcodes}, everything=False)

    def _notice(self, postcodes: set[str], *, everything: bool) -> InterruptionNotice:
        now = self.clock.now()
        found = self._starting_around(now)
        relevant = [i for i in found if everything or i.affects(postcodes)]
        return InterruptionNotice(
            current=[i for i in relevant if i.is_current(now)],
            upcoming=[i for i in relevant if i.is_upcoming(now)],
        )

    @staticmethod
    def _require_staff(principal: Principal) -> None:
        if not principal.is_staff:
            raise Forbidden("Only customer service may do this.", code="forbidden")
