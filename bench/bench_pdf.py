"""How many one-page invoice PDFs one core renders per second.

Run: cd /work/main && PYTHONPATH=layers/shared/python .venv/bin/python bench/bench_pdf.py [count]
Not a test: tests never assert on wall-clock time (HOUSE_STYLE.md).
"""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from heatportal.documents.invoice_pdf import render_invoice_pdf
from heatportal.domain.model import Address, BillingPeriod, Customer, Invoice, InvoiceKind, InvoiceLine, LineNote
from heatportal.domain.payment_reference import payment_reference
from heatportal.domain.profile import load_profile
from heatportal.domain.tariff import summarise

CENT = Decimal("0.01")


def sample_invoices(count: int) -> list[tuple[Invoice, Customer]]:
    result = []
    for i in range(count):
        number = 20250000 + i
        customer = Customer(
            number=f"{100000 + i}",
            name=f"Bjørn Ødegård {i}",
            language="nb",
            address=Address(street=f"Åsveien {i % 90 + 1}", postcode="2000", city="Lillestrøm", country="NO"),
        )
        kwh = Decimal(800 + i % 700) + Decimal("0.5")
        price = Decimal("1.2951")
        lines = (
            InvoiceLine(
                component="spot_energy",
                text_key="line.spot_energy",
                text_params={"zone": "NO1"},
                quantity=kwh,
                unit="kWh",
                unit_price=price,
                amount=(kwh * price).quantize(CENT, ROUND_HALF_UP),
                vat_rate=Decimal("0.25"),
                includes_vat=True,
                notes=(
                    LineNote(
                        key="invoice.note.spot",
                        params={
                            "month": "month:2025-01",
                            "spot": "price:0.9500",
                            "transfer": "price:0.4890",
                            "discount": "pct:0.10",
                            "price": "price:1.2951",
                            "quantity": f"qty:kWh:{kwh}",
                            "amount": f"money:{(kwh * price).quantize(CENT, ROUND_HALF_UP)}",
                        },
                    ),
                ),
            ),
            InvoiceLine(
                component="fixed_fee",
                text_key="line.fixed_fee",
                text_params={"name": "Fastledd"},
                quantity=Decimal(1),
                unit="year",
                unit_price=Decimal("1200.00"),
                share_denominator=12,
                amount=Decimal("100.00"),
                vat_rate=Decimal("0.25"),
                includes_vat=True,
            ),
        )
        priced = summarise(lines, "NOK")
        invoice = Invoice(
            number=number,
            customer_number=customer.number,
            kind=InvoiceKind.INVOICE,
            period=BillingPeriod(year=2025, month=1),
            issued_on=date(2025, 2, 3),
            due_on=date(2025, 2, 17),
            currency="NOK",
            language="nb",
            lines=lines,
            net_total=priced.net_total,
            vat_total=priced.vat_total,
            total=priced.total,
            vat_breakdown=priced.vat_breakdown,
            payment_reference=payment_reference("kid", customer.number, number),
        )
        result.append((invoice, customer))
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    profile = load_profile("no")
    invoices = sample_invoices(count)
    render_invoice_pdf(*invoices[0], profile)  # warm-up: imports and font registration
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    size = 0
    for invoice, customer in invoices:
        size += len(render_invoice_pdf(invoice, customer, profile))
    wall, cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
    print(f"rendered {count} invoices in {wall:.2f} s wall, {cpu:.2f} s CPU, {size / count / 1024:.0f} KiB each")
    print(f"PDFs per second per core: {count / cpu:.0f}")


if __name__ == "__main__":
    main()
