"""Payments, advance payments and the yearly cost in memory, with the semantics
of ``adapters/dynamo_billing.py`` (held to it by tests/contract/ports): a
payment is recorded once per invoice and payment id; the invoice is paid when
the sum of its payments reaches its total (a credited invoice stays credited);
one advance per customer and start date."""

from __future__ import annotations

from decimal import Decimal

from heatportal.domain.model import Invoice, InvoiceStatus
from heatportal.domain.payments import AdvancePayment, Payment, RecordedPayment
from heatportal.services.access import Scope
from heatportal.services.advance import AdvanceRepository, YearlyCost
from heatportal.services.invoices import PaidAmounts
from heatportal.services.payments import PaymentRepository
from tests.fakes.invoices import InMemoryInvoiceRepository


class InMemoryPaymentRepository(PaymentRepository, PaidAmounts):
    def __init__(self, invoices: InMemoryInvoiceRepository) -> None:
        self.invoices = invoices
        self.payments: dict[tuple[int, str], Payment] = {}
        self.paid: dict[int, Decimal] = {}

    def find_invoice_by_number(self, number: int) -> Invoice | None:
        return next((i for (_, n), i in self.invoices.invoices.items() if n == number), None)

    def paid_amounts(self, customer_number: str) -> dict[int, Decimal]:
        return {n: self.paid.get(n, Decimal(0)) for (c, n) in self.invoices.invoices if c == customer_number}

    def record_payment(self, invoice: Invoice, payment: Payment) -> RecordedPayment:
        current = self.invoices.invoices[(invoice.customer_number, invoice.number)]
        key = (invoice.number, payment.payment_id)
        if key in self.payments:
            return RecordedPayment(current, self.paid.get(invoice.number, Decimal(0)), created=False)
        self.payments[key] = payment
        paid = self.paid.get(invoice.number, Decimal(0)) + payment.amount
        self.paid[invoice.number] = paid
        if current.status == InvoiceStatus.CREDITED:
            status = InvoiceStatus.CREDITED
        else:
            status = InvoiceStatus.PAID if paid >= current.total else InvoiceStatus.OPEN
        stored = current.model_copy(update={"status": status})
        self.invoices.invoices[(invoice.customer_number, invoice.number)] = stored
        return RecordedPayment(stored, paid, created=True)


class InMemoryAdvanceRepository(AdvanceRepository):
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], AdvancePayment] = {}
        self.writes = 0

    def list_advances(self, customer_number: str) -> list[AdvancePayment]:
        return sorted((a for (c, _), a in self.items.items() if c == customer_number), key=lambda a: a.valid_from)

    def put_advance(self, advance: AdvancePayment) -> None:
        self.writes += 1
        self.items[(advance.customer_number, advance.valid_from.isoformat())] = advance


class FixedYearlyCost(YearlyCost):
    """A yearly cost decided by the test, so expected ranges are computed by hand."""

    def __init__(self, total: Decimal, by_kind: dict[str, Decimal]) -> None:
        self.total = total
        self.by_kind = by_kind

    def year_cost(self, scope: Scope) -> tuple[Decimal, dict[str, Decimal]]:
        return self.total, dict(self.by_kind)
