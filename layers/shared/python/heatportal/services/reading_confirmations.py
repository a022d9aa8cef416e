"""The confirmation email after a reading is stored through the portal or the
API ("Anschließend erhalten Sie eine Bestätigungsmail": every reading is confirmed).

Sent once per stored reading: a marker per meter and date is claimed before
sending, so a retried submission (which stores nothing new) sends nothing
new. The reading is already stored when this runs; a failed email is logged
and its marker released, so the person's retry sends it, and the submission
still succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Protocol

from heatportal.domain.model import Customer, Meter, Reading
from heatportal.ports import CustomerRepository, Mailer
from heatportal.services.access import Principal

logger = logging.getLogger(__name__)


class ConfirmationMarkers(Protocol):
    def claim_confirmation(self, meter_number: str, read_on: date) -> bool:
        """True for the first claim of this meter and date, False afterwards."""
        ...

    def release_confirmation(self, meter_number: str, read_on: date) -> None: ...


class ConfirmationEmail(Protocol):
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str: ...


RenderConfirmation = Callable[[Customer, Meter, Reading], ConfirmationEmail]


class ReadingConfirmations:
    def __init__(
        self,
        customers: CustomerRepository,
        markers: ConfirmationMarkers,
        mailer: Mailer,
        render: RenderConfirmation,
    ) -> None:
        self.customers = customers
        self.markers = markers
        self.mailer = mailer
        self.render = render

    def __call__(self, principal: Principal, meter: Meter, reading: Reading, *, staff: bool) -> bool:
        """Email the confirmation of a stored reading; True if one was sent now.

        The person who submitted gets it; a reading customer service enters
        on the customer's behalf is confirmed to the customer's address."""
        customer = self.customers.get_customer(meter.customer_number)
        if customer is None:
            return False
        recipient = customer.email if staff else (principal.email or customer.email)
        if not recipient:
            return False
        if not self.markers.claim_confirmation(meter.number, reading.read_on):
            return False  # already confirmed: a retry of the same reading
        try:
            email = self.render(customer, meter, reading)
            self.mailer.send(recipient, email.subject, email.text, email.html)
        except Exception:  # the stored reading must not be lost because an email failed
            logger.exception(
                "reading confirmation email failed",
                extra={"meter": meter.number, "read_on": reading.read_on.isoformat()},
            )
            self._release(meter, reading)
            return False
        return True

    def _release(self, meter: Meter, reading: Reading) -> None:
        try:
            self.markers.release_confirmation(meter.number, reading.read_on)
        except Exception:  # the reading is stored; a kept marker only means no resend
            logger.exception("reading confirmation marker not released", extra={"meter": meter.number})
