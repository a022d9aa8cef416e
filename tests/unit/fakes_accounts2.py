"""Fakes for the second accounts pass: the customer name index, a pacer that
records what it was asked, a recorder of port calls, and the profile store with
facility bank accounts and the contact requests customer service works on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from heatportal.domain.accounts import BankAccount, ContactRequest
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Address, Customer
from heatportal.domain.name_search import name_tokens
from tests.unit.fakes import InMemoryCustomers


class InMemoryNameIndex:
    """Tokens computed from the customers the fake holds, sorted like the table's SK."""

    def __init__(self, customers: InMemoryCustomers) -> None:
        self.customers = customers
        self.requests = 0

    def name_matches(self, word: str, limit: int) -> list[tuple[str, str]]:
        self.requests += 1
        entries = sorted(
            (token, c.number, c.name) for c in self.customers.customers.values() for token in name_tokens(c.name)
        )
        return [(number, name) for token, number, name in entries if token.startswith(word)][:limit]

    def get_customers(self, numbers: list[str]) -> list[Customer]:
        self.requests += 1
        return [self.customers.customers[n] for n in numbers if n in self.customers.customers]


class RecordingPacer:
    def __init__(self) -> None:
        self.floors: list[float] = []
        self.open = 0

    def at_least(self, seconds: float) -> AbstractContextManager[None]:
        return self._block(seconds)

    @contextmanager
    def _block(self, seconds: float) -> Iterator[None]:
        self.floors.append(seconds)
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1


class Recorder:
    """Wraps an object and records the names of the methods called on it."""

    def __init__(self, target: Any, log: list[str], prefix: str) -> None:
        self._target = target
        self._log = log
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._log.append(f"{self._prefix}.{name}")
            return attribute(*args, **kwargs)

        return call


class InMemoryProfileStore:
    """services.profile.ProfileStore with bank accounts per facility and the
    contact requests customer service lists (newest first, cursor = index)."""

    def __init__(self, customers: InMemoryCustomers) -> None:
        self.customers = customers
        self.banks: dict[tuple[str, str | None], BankAccount] = {}
        self.requests: dict[str, ContactRequest] = {}

    def get_bank_account(self, customer_number: str) -> BankAccount | None:
        return self.banks.get((customer_number, None))

    def list_bank_accounts(self, customer_number: str) -> list[BankAccount]:
        return [a for (number, _), a in self.banks.items() if number == customer_number]

    def put_bank_account(self, account: BankAccount) -> None:
        self.banks[(account.customer_number, account.facility_id)] = account

    def delete_facility_bank_account(self, customer_number: str, facility_id: str) -> bool:
        return self.banks.pop((customer_number, facility_id), None) is not None

    def update_contact(self, customer_number: str, email: str | None, phone: str | None) -> None:
        current = self.customers.customers[customer_number]
        changes = {k: v for k, v in {"email": email, "phone": phone}.items() if v}
        self.customers.customers[customer_number] = current.model_copy(update=changes)

    def update_billing_address(self, customer_number: str, address: Address) -> None:
        current = self.customers.customers[customer_number]
        self.customers.customers[customer_number] = current.model_copy(update={"address": address})

    def add_contact_request(self, request: ContactRequest) -> None:
        self.requests[request.id] = request

    def list_contact_requests(
        self, status: str, limit: int, cursor: str | None
    ) -> tuple[list[ContactRequest], str | None]:
        ordered = sorted(
            (r for r in self.requests.values() if r.status == status), key=lambda r: (r.at, r.id), reverse=True
        )
        if cursor is not None and not cursor.isdigit():
            raise ValidationFailed("bad cursor", code="cursor_invalid")
        start = int(cursor or 0)
        page = ordered[start : start + limit]
        return page, str(start + limit) if start + limit < len(ordered) else None

    def get_contact_request(self, request_id: str) -> ContactRequest | None:
        return self.requests.get(request_id)

    def mark_contact_request_handled(self, request: ContactRequest, by: str, at: datetime) -> bool:
        current = self.requests.get(request.id)
        if current is None or current.status != "open":
            return False
        self.requests[request.id] = replace(current, status="handled", handled_by=by, handled_at=at)
        return True
