"""The customer's record in one request: one Query on the customer's
partition (PK=CUST#<no>) returns its profile, facilities, meters, memberships
and company grants (and invoices when asked); a filter on the item type leaves
out what the partition holds besides (audit trail, payments, requests, ...).
"""

from __future__ import annotations

from typing import Any

from heatportal.adapters.dynamo import DynamoTable, _customer, _facility, _invoice, _membership, _meter
from heatportal.adapters.dynamo_companies import _grant
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.model import Membership

_RECORD_TYPES = ("customer", "facility", "meter", "membership", "company_grant")


class DynamoCustomerRecords:
    """Implements services.access.CustomerRecords."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def customer_record(self, customer_number: str, *, invoices: bool = False) -> CustomerRecord:
        types = (*_RECORD_TYPES, "invoice") if invoices else _RECORD_TYPES
        items = self.table.query(f"CUST#{customer_number}", types=types)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            by_type.setdefault(item["type"], []).append(item)
        profile = by_type.get("customer", [])
        return CustomerRecord(
            number=customer_number,
            customer=_customer(profile[0]) if profile else None,
            facilities=tuple(_facility(i) for i in by_type.get("facility", [])),
            meters=tuple(_meter(i) for i in by_type.get("meter", [])),
            memberships=tuple(_membership(i) for i in by_type.get("membership", [])),
            grants=tuple(_grant(i) for i in by_type.get("company_grant", [])),
            # The partition sorts invoices oldest first; listings show the newest first.
            invoices=tuple(_invoice(i) for i in reversed(by_type.get("invoice", []))) if invoices else None,
        )

    def list_memberships(self, user_id: str) -> list[Membership]:
        items = self.table.query(f"USER#{user_id}", index="GSI1", sk_prefix="CUST#")
        return [_membership(i) for i in items]
