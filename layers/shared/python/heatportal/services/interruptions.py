"""Service interruptions: staff announce them; customers see the ones that
touch their facilities, now or within the next 30 days."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
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


class InterruptionService:
    def __init__(
        self,
        repository: InterruptionRepository,
        clock: Clock,
    ) -> None:
        self.repository = repository
        self.clock = clock

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
        found = self.repository.interruptions_starting(now - LONGEST, now + ANNOUNCE_AHEAD)
        relevant = [i for i in found if everything or i.affects(postcodes)]
        return InterruptionNotice(
            current=[i for i in relevant if i.is_current(now)],
            upcoming=[i for i in relevant if i.is_upcoming(now)],
        )

    @staticmethod
    def _require_staff(principal: Principal) -> None:
        if not principal.is_staff:
            raise Forbidden("Only customer service may do this.", code="forbidden")
