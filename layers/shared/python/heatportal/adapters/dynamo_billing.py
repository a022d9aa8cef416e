"""DynamoDB adapter for payments and advance payments, on the single table
(keys and access patterns in docs/data-model.md). Invoice items gain
``paid_amount`` (the sum of recorded payments); a payment is recorded with
one transaction (Put the payment if absent, Update the invoice's paid amount
and status on the amount read before).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, dump_item, invoice_from_item
from heatportal.domain.errors import TransientFailure
from heatportal.domain.model import Invoice, InvoiceStatus
from heatportal.domain.payments import AdvancePayment, Payment, RecordedPayment


def _paid_status(invoice: Invoice, paid: Decimal) -> str:
    if invoice.status == InvoiceStatus.CREDITED:
        return InvoiceStatus.CREDITED.value
    return InvoiceStatus.PAID.value if paid >= invoice.total else InvoiceStatus.OPEN.value


def payment_item(invoice: Invoice, payment: Payment) -> dict[str, Any]:
    return {
        **keys.payment(invoice.customer_number, invoice.number, payment.payment_id).item(),
        "type": "payment",
        "invoice_number": invoice.number,
        "payment_id": payment.payment_id,
        "reference": payment.reference,
        "amount": payment.amount,
        "currency": payment.currency,
        "paid_on": payment.paid_on.isoformat(),
        "source": payment.source,
    }


class DynamoPaymentRepository:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def find_invoice_by_number(self, number: int) -> Invoice | None:
        items = self.table.query(keys.invoice_number_pk(number), index=keys.GSI1, limit=1)
        return invoice_from_item(items[0]) if items else None

    def paid_amounts(self, customer_number: str) -> dict[int, Decimal]:
        """Paid amount per invoice number, from the invoice items (one Query)."""
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.INVOICES)
        return {int(i["number"]): Decimal(i.get("paid_amount", 0)) for i in items}

    def _invoice_item(self, invoice: Invoice) -> dict[str, Any] | None:
        return self.table.get(keys.invoice(invoice.customer_number, invoice.number), consistent=True)

    def record_payment(self, invoice: Invoice, payment: Payment) -> RecordedPayment:
        invoice_key = keys.invoice(invoice.customer_number, invoice.number).item()
        for _attempt in range(10):
            item = self._invoice_item(invoice)
            if item is None:
                raise LookupError(f"invoice {invoice.number} vanished")
            current = invoice_from_item(item)
            paid = Decimal(item.get("paid_amount", 0))
            new_paid = paid + payment.amount
            status = _paid_status(current, new_paid)
            try:
                self.table.call(
                    "transact_write_items",
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table.name,
                                "Item": dump_item(payment_item(invoice, payment)),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": self.table.name,
                                "Key": dump_item(invoice_key),
                                "UpdateExpression": "SET paid_amount = :new, #s = :status",
                                # Optimistic: the paid amount is still the one read above.
                                "ConditionExpression": "attribute_exists(PK) AND "
                                "(paid_amount = :current OR (attribute_not_exists(paid_amount) AND :current = :zero))",
                                "ExpressionAttributeNames": {"#s": "status"},
                                "ExpressionAttributeValues": dump_item(
                                    {":new": new_paid, ":status": status, ":current": paid, ":zero": Decimal(0)}
                                ),
                            }
                        },
                    ],
                )
                stored = current.model_copy(update={"status": InvoiceStatus(status)})
                return RecordedPayment(invoice=stored, paid_amount=new_paid, created=True)
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    return RecordedPayment(invoice=current, paid_amount=paid, created=False)
                continue  # another payment moved the paid amount: read again
        raise TransientFailure("payment recording kept conflicting")

    def list_payments(self, customer_number: str, invoice_number: int) -> list[dict[str, Any]]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.payments_of(invoice_number))
        return [
            {
                "payment_id": i["payment_id"],
                "amount": Decimal(i["amount"]),
                "paid_on": date.fromisoformat(i["paid_on"]),
                "source": i["source"],
            }
            for i in items
        ]


def advance_item(advance: AdvancePayment) -> dict[str, Any]:
    return {
        **keys.advance(advance.customer_number, advance.valid_from).item(),
        "type": "advance",
        "customer_number": advance.customer_number,
        "valid_from": advance.valid_from.isoformat(),
        "amount": advance.amount,
        "currency": advance.currency,
        "comment": advance.comment or None,
        "changed_by": advance.changed_by or None,
    }


def advance_from_item(item: dict[str, Any]) -> AdvancePayment:
    return AdvancePayment(
        customer_number=item["customer_number"],
        valid_from=date.fromisoformat(item["valid_from"]),
        amount=Decimal(item["amount"]),
        currency=item["currency"],
        comment=item.get("comment", ""),
        changed_by=item.get("changed_by", ""),
    )


class DynamoAdvanceRepository:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def list_advances(self, customer_number: str) -> list[AdvancePayment]:
        """Oldest first."""
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.ADVANCES)
        return [advance_from_item(i) for i in items]

    def put_advance(self, advance: AdvancePayment) -> None:
        # One advance per customer and start date: a second change for the same
        # month replaces the first (a retry writes the same item again).
        self.table.put(advance_item(advance))
