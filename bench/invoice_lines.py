"""How many invoice lines of the demo stack reproduce by hand from what is printed.

Starts the local stack with its demo (past invoices billed by the real bill
run), reads every invoice of every demo customer, and for each line takes the
quantity, the share of a year and the unit price *as the customer reads them*
(the texts of the invoice view, parsed back in the invoice's language), and
checks printed quantity x printed unit price (x share) rounded half up to the
cent against the printed amount. Also checks that the lines and VAT rows add
up to the printed totals.

Run: PYTHONPATH=layers/shared/python .venv/bin/python -m bench.invoice_lines [profile ...] [--customers N]
Not a test: it prints figures (the unit tests prove the rule for any input).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from babel.numbers import parse_decimal

from heatportal.i18n import BABEL_LOCALES

CENT = Decimal("0.01")
_NUMBER = re.compile(r"-?[\d\u00a0\u202f .,]*\d")


def number(text: str, lang: str) -> Decimal:
    """The first number in a printed text, in the language's notation."""
    text = text.replace("\u2212", "-")
    match = _NUMBER.search(text)
    assert match, text
    raw = match.group(0).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    value = parse_decimal(raw, locale=BABEL_LOCALES[lang], strict=False)
    # A sign printed before the currency ("-SEK 3.23", "-€ 3,23") belongs to the number after it.
    if not raw.startswith("-") and re.match(r"^\s*-\D*$", text[: match.start()]):
        value = -value
    return value


def share(text: str) -> Fraction:
    match = re.search(r"(\d+)/(\d+)", text)
    return Fraction(int(match.group(1)), int(match.group(2))) if match else Fraction(1)


def measure(profile_id: str, customers: int) -> Counter[str]:
    from infra.local import stack

    running = stack.start(profile_id, port=stack.free_port(), customers=customers)
    try:
        from heatportal import composition
        from heatportal.documents.invoice_text import invoice_text

        repo = composition.repository()
        profile = composition.profile()
        counts: Counter[str] = Counter()
        assert running.demo is not None
        for customer in running.demo.customers:
            for invoice in repo.list_invoices(customer.number):
                counts["invoices"] += 1
                view = invoice_text(invoice, customer, profile)
                lang = invoice.language
                printed_sum = Decimal(0)
                for line, text in zip(invoice.lines, view.lines, strict=True):
                    printed_amount = number(text.amount, lang)
                    printed_sum += printed_amount
                    if not text.quantity:  # advances deducted: an amount, no quantity
                        counts["deductions"] += 1
                        continue
                    counts["lines"] += 1
                    fraction = share(text.quantity) if line.has_share else Fraction(1)
                    quantity = Decimal(1) if line.unit == "year" and line.has_share else number(text.quantity, lang)
                    price = number(text.unit_price, lang)
                    exact = quantity * price * fraction.numerator / fraction.denominator
                    if exact.quantize(CENT, rounding=ROUND_HALF_UP) == printed_amount:
                        counts["lines reproduced"] += 1
                    else:
                        counts["lines NOT reproduced"] += 1
                        print("  not reproduced:", invoice.number, text.quantity, text.unit_price, text.amount)
                # The amount column adds up to what is due (lines incl. VAT) or to the net sum.
                column_total = view.total[1] if invoice.prices_include_vat else view.net_total[1]
                if printed_sum == number(column_total, lang):
                    counts["totals add up"] += 1
                else:
                    counts["totals do NOT add up"] += 1
                    print("  totals:", invoice.number, printed_sum, view.net_total, view.total)
        return counts
    finally:
        running.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", default=["no", "se", "nl", "de"])
    parser.add_argument("--customers", type=int, default=60)
    args = parser.parse_args()
    for profile_id in args.profiles:
        counts = measure(profile_id, args.customers)
        print(profile_id, dict(sorted(counts.items())), flush=True)


if __name__ == "__main__":
    main()
