"""The profile store (``services.profile.ProfileStore``) in memory: bank
accounts per customer and per facility, contact data and billing address on
the customer repository's records, and the contact requests customer service
lists newest first a page at a time (cursor = index), as
``adapters.dynamo_accounts.DynamoProfileStore`` does (held to it by
tests/contract/ports)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from heatportal.domain.accounts import BankAccount, ContactRequest
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Address
from heatportal.services.profile import ProfileStore
from tests.fakes.customers import InMemoryCustomerRepository


class InMemoryProfileStore(ProfileStore):
    def __init__(self, customers: InMemoryCustomerRepository) -> None:
        self.customers = customers
        self.banks: dict[tuple[str, str | None], BankAccount] = {}
        self.requests: dict[str, ContactRequest] = {}

    def get_bank_account(self, customer_number: str) -> BankAccount | None:
        return self.banks.get((customer_number, None))

    def list_bank_accounts(self, customer_number: str) -> list[BankAccount]:
        # The customer's own account first, then the facilities' by id (the sort key's order).
        mine = [(facility or "", a) for (number, facility), a in self.banks.items() if number == customer_number]
        return [a for _, a in sorted(mine, key=lambda pair: pair[0])]

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
