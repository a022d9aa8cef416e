"""Moving out and in: what a move writes, and the incoming party's
confirmation of the date, the readings and the meter numbers by a code sent
to them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from heatportal.domain.contracts import ContractVersion, Supply
from heatportal.domain.model import Address, Customer, Facility, Frozen, Language, Meter, Reading


class IncomingParty(Frozen):
    """The person moving in, as the outgoing party names them."""

    name: str = Field(min_length=1, max_length=120)
    email: str | None = None
    phone: str | None = None
    language: Language


class MoveOut(Frozen):
    """What moving out writes at once: the supply ended, the facility's meters
    removed that day (each with the day its final invoice starts), their final
    readings."""

    supply: Supply
    meters: tuple[Meter, ...]
    final_readings: tuple[Reading, ...]
    # The customer's billing address from now on (the forwarding address, when
    # no other supply of the customer goes on), and its final invoice's deadline.
    billing_address: Address | None = None
    final_invoice_due: date


class MoveIn(Frozen):
    """What moving in writes at once: a new customer (or None for an existing
    one), the facility and meters in the customer's name from the day, the
    supply and its first contract version, the readings of the day, and the
    previous supply taken over (None when the facility had nobody)."""

    new_customer: Customer | None
    facility: Facility
    meters: tuple[Meter, ...]
    supply: Supply
    version: ContractVersion
    readings: tuple[Reading, ...]
    previous: Supply | None


class MoveInHandshake(Frozen):
    """The incoming party's confirmation, waiting for the code sent to them.
    Only the code's hash is stored; it expires and allows a few attempts."""

    id: str
    outgoing: str  # the customer moving out
    facility_id: str
    moving_on: date
    readings: dict[str, Decimal]  # meter number -> the reading of the day
    incoming: IncomingParty
    code_hash: str
    attempts: int = 0
    created_at: datetime
    expires_at: int  # epoch seconds
    confirmed_as: str | None = None  # the customer number it made, once confirmed
