"""SMS STARTs waiting for their code (``services.sms_agreements.PendingStartStore``)
in memory, with the semantics of ``adapters.dynamo_sms_starts.DynamoSmsStarts``:
one pending START per phone (a new one replaces it), wrong codes counted on
it, codes sent counted per customer and day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from heatportal.services.sms_agreements import PendingStart, PendingStartStore


class InMemoryPendingStartStore(PendingStartStore):
    def __init__(self) -> None:
        self.pending: dict[str, PendingStart] = {}
        self.codes: dict[tuple[str, date], int] = {}

    def put_pending_start(self, pending: PendingStart) -> None:
        self.pending[pending.phone] = pending

    def get_pending_start(self, phone: str) -> PendingStart | None:
        return self.pending.get(phone)

    def count_start_code_attempt(self, phone: str) -> None:
        current = self.pending.get(phone)
        if current is not None:
            self.pending[phone] = replace(current, attempts=current.attempts + 1)

    def delete_pending_start(self, phone: str) -> None:
        self.pending.pop(phone, None)

    def count_start_codes(self, customer_number: str, day: date) -> int:
        self.codes[(customer_number, day)] = self.codes.get((customer_number, day), 0) + 1
        return self.codes[(customer_number, day)]
