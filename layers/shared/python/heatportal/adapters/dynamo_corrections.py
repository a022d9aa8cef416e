"""DynamoDB adapter for invoice corrections and held drafts, on the single table
(keys in ``dynamo_keys``; access patterns in docs/data-model.md).

A correction is one TransactWriteItems: the invoice counter moved by the
numbers it takes, the credit note and the corrected invoice put, the original
updated (credited, on condition it was not), the billed marker moved to the
corrected invoice and the audit record put. The invoice series is numbered by
``next_numbers`` only, so the bill run's numbering (which may change how the
series is kept) has one place to change here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, dump_item, invoice_item
from heatportal.domain.compliance import HoldReason
from heatportal.domain.errors import Conflict, TransientFailure
from heatportal.domain.model import BillingPeriod, Invoice, InvoiceKind, InvoiceStatus
from heatportal.ports import CorrectionRecord, HeldInvoice, StoredCorrection

_ATTEMPTS = 50


def correction_item(record: CorrectionRecord) -> dict[str, Any]:
    return {
        **keys.invoice_correction(record.customer_number, record.original).item(),
        "type": "invoice_correction",
        "customer_number": record.customer_number,
        "original": record.original,
        "credit_note": record.credit_note,
        "corrected": record.corrected,
        "reason": record.reason,
        "trigger": record.trigger,
        "by": record.by,
        "at": keys.instant(record.at),
        "difference": record.difference,
        "currency": record.currency,
    }


def correction_from_item(item: dict[str, Any]) -> CorrectionRecord:
    return CorrectionRecord(
        customer_number=item["customer_number"],
        original=int(item["original"]),
        credit_note=int(item["credit_note"]),
        corrected=int(item["corrected"]),
        reason=item["reason"],
        trigger=item["trigger"],
        by=item["by"],
        at=datetime.fromisoformat(item["at"]),
        difference=Decimal(item["difference"]),
        currency=item["currency"],
    )


def hold_item(held: HeldInvoice) -> dict[str, Any]:
    return {
        **keys.invoice_hold(held.customer_number, held.period.key, held.kind.value).item(),
        "type": "invoice_hold",
        "customer_number": held.customer_number,
        "period": held.period.key,
        "kind": held.kind.value,
        "reasons": json.dumps([{"key": r.key, "params": r.params} for r in held.reasons]),
        "held_at": keys.instant(held.held_at),
        "total": held.total,
        "currency": held.currency,
    }


def hold_from_item(item: dict[str, Any]) -> HeldInvoice:
    return HeldInvoice(
        customer_number=item["customer_number"],
        period=BillingPeriod.parse(item["period"]),
        kind=InvoiceKind(item["kind"]),
        reasons=tuple(HoldReason(r["key"], r["params"]) for r in json.loads(item["reasons"])),
        held_at=datetime.fromisoformat(item["held_at"]),
        total=Decimal(item["total"]),
        currency=item["currency"],
    )


class DynamoCorrectionStore:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def next_numbers(self, count: int) -> tuple[int, dict[str, Any]]:
        """The first of ``count`` consecutive numbers of the invoice series and the
        transaction item that takes them (it fails when another writer moved the
        counter; the caller retries)."""
        counter_key = keys.invoice_counter()
        counter = self.table.get(counter_key, consistent=True)
        current = int(counter["value"]) if counter else 0
        if counter:
            item: dict[str, Any] = {
                "Update": {
                    "TableName": self.table.name,
                    "Key": dump_item(counter_key.item()),
                    "UpdateExpression": "SET #v = :next",
                    "ConditionExpression": "#v = :current",
                    "ExpressionAttributeNames": {"#v": "value"},
                    "ExpressionAttributeValues": dump_item({":next": current + count, ":current": current}),
                }
            }
        else:
            item = {
                "Put": {
                    "TableName": self.table.name,
                    "Item": dump_item({**counter_key.item(), "value": current + count}),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        return current + 1, item

    def _put(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table.name,
                "Item": dump_item(item),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _marker_move(self, marker_key: keys.Key, original: int, replacement: int) -> dict[str, Any]:
        """The billed marker now names the corrected invoice (no longer the cancelled
        one), so the next bill starts from the corrected register values."""
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": dump_item(marker_key.item()),
                "UpdateExpression": "SET invoice_number = :replacement",
                "ConditionExpression": "invoice_number = :original",
                "ExpressionAttributeValues": dump_item({":original": original, ":replacement": replacement}),
            }
        }

    def store_correction(
        self,
        original: Invoice,
        credit_note: Invoice,
        corrected: Invoice,
        *,
        kind_key: str,
        reference: Callable[[int], str],
        record: CorrectionRecord,
    ) -> StoredCorrection:
        marker_key = keys.billed(original.customer_number, original.period.key, kind_key)
        for _attempt in range(_ATTEMPTS):
            marker = self.table.get(marker_key, consistent=True)
            moves_marker = marker is not None and int(marker["invoice_number"]) == original.number
            first, counter_item = self.next_numbers(2)
            replacement = corrected.model_copy(
                update={
                    "number": first + 1,
                    "payment_reference": reference(first + 1),
                    "corrects": original.number,
                    "credit_note": first,
                }
            )
            credit = credit_note.model_copy(
                update={
                    "number": first,
                    "payment_reference": reference(first),
                    "corrects": original.number,
                    "replaced_by": replacement.number,
                }
            )
            stored = replace(record, credit_note=credit.number, corrected=replacement.number)
            items = [counter_item, self._put(invoice_item(credit)), self._put(invoice_item(replacement))]
            original_index = len(items)
            items.append(
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(keys.invoice(original.customer_number, original.number).item()),
                        "UpdateExpression": "SET #s = :credited, credited_by = :credit, replaced_by = :replacement",
                        "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(credited_by)"
                        " AND #s <> :credited",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": dump_item(
                            {
                                ":credited": InvoiceStatus.CREDITED.value,
                                ":credit": credit.number,
                                ":replacement": replacement.number,
                            }
                        ),
                    }
                }
            )
            if moves_marker:
                items.append(self._marker_move(marker_key, original.number, replacement.number))
            items.append(self._put(correction_item(stored)))
            try:
                self.table.call("transact_write_items", TransactItems=items)
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                if len(reasons) > original_index and reasons[original_index] == "ConditionalCheckFailed":
                    raise Conflict(
                        "This invoice has already been corrected.", code="invoice_already_corrected"
                    ) from error
                continue  # the counter or the marker moved under us: read again
            return StoredCorrection(credit, replacement, stored)
        raise TransientFailure("invoice number allocation kept conflicting")

    def list_corrections(self, customer_number: str) -> list[CorrectionRecord]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.INVOICE_CORRECTIONS)
        return [correction_from_item(i) for i in items]


class DynamoHoldStore:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def hold(self, held: HeldInvoice) -> None:
        self.table.put(hold_item(held))

    def list_holds(self, customer_number: str) -> list[HeldInvoice]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.INVOICE_HOLDS, forward=False)
        return [hold_from_item(i) for i in items]
