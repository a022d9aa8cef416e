"""The customer's record in one request: one Query on the customer's
partition (docs/data-model.md) returns its profile, facilities, meters,
memberships, company grants, supplies and contract versions, the documents
published to it and who opened them, notification counters (and its invoices or its audit trail when
asked); a filter on the item type leaves out what the partition holds besides (payments, requests,
...)."""

from __future__ import annotations

from typing import Any

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import (
    DynamoTable,
    customer_from_item,
    facility_from_item,
    invoice_from_item,
    membership_from_item,
    meter_from_item,
)
from heatportal.adapters.dynamo_accounts import audit_from_item
from heatportal.adapters.dynamo_alerts import counters_from_item
from heatportal.adapters.dynamo_companies import grant_from_item
from heatportal.adapters.dynamo_contracts import contract_version_from_item, supply_from_item
from heatportal.adapters.dynamo_documents import document_from_item, opened_from_item
from heatportal.domain.customer_record import AUDIT_SHOWN, CustomerRecord
from heatportal.domain.model import Membership

_RECORD_TYPES = (
    "customer",
    "facility",
    "meter",
    "membership",
    "company_grant",
    "supply",
    "contract_version",
    "document",
    "documents_opened",
    "alert_inbox",
    "inbox_seen",
)


def _billed(marker: dict[str, Any]) -> tuple[tuple[str, str], int]:
    """A BILLED#<period>#<kind key> marker: which invoice billed the period."""
    _, period_key, kind_key = marker["SK"].split("#", 2)
    return (period_key, kind_key), int(marker["invoice_number"])


class DynamoCustomerRecords:
    """Implements services.access.CustomerRecords."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def customer_record(self, customer_number: str, *, invoices: bool = False, audit: bool = False) -> CustomerRecord:
        types = (*_RECORD_TYPES, *(("invoice", "billed") if invoices else ()), *(("audit",) if audit else ()))
        items = self.table.query(keys.customer_pk(customer_number), types=types)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            by_type.setdefault(item["type"], []).append(item)
        profile = by_type.get("customer", [])
        return CustomerRecord(
            number=customer_number,
            customer=customer_from_item(profile[0]) if profile else None,
            facilities=tuple(facility_from_item(i) for i in by_type.get("facility", [])),
            meters=tuple(meter_from_item(i) for i in by_type.get("meter", [])),
            memberships=tuple(membership_from_item(i) for i in by_type.get("membership", [])),
            grants=tuple(grant_from_item(i) for i in by_type.get("company_grant", [])),
            # The partition sorts invoices oldest first; listings show the newest first.
            invoices=tuple(invoice_from_item(i) for i in reversed(by_type.get("invoice", []))) if invoices else None,
            billed=dict(_billed(i) for i in by_type.get("billed", [])) if invoices else None,
            # The partition sorts the audit trail oldest first (AUDIT#<moment>).
            audit=tuple(audit_from_item(i) for i in reversed(by_type.get("audit", [])))[:AUDIT_SHOWN]
            if audit
            else None,
            supplies=tuple(supply_from_item(i) for i in by_type.get("supply", [])),
            contract_versions=tuple(contract_version_from_item(i) for i in by_type.get("contract_version", [])),
            documents=tuple(document_from_item(i) for i in reversed(by_type.get("document", []))),
            opened=dict(opened_from_item(i) for i in by_type.get("documents_opened", [])),
            inbox=counters_from_item(next(iter(by_type.get("alert_inbox", [])), None)),
            seen={i["user_id"]: counters_from_item(i) for i in by_type.get("inbox_seen", [])},
        )

    def list_memberships(self, user_id: str) -> list[Membership]:
        items = self.table.query(keys.user_pk(user_id), index=keys.GSI1, sk_prefix=keys.CUSTOMERS)
        return [membership_from_item(i) for i in items]
