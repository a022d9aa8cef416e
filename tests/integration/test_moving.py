"""Moving out, the final invoice, moving in: the chain through the API and
the billing state machine on moto, with the final invoice's arithmetic
checked line by line (Norwegian profile: monthly bills in arrears, spot
price with a discount and a cap, a fixed fee prorated by the days supplied).

A bill run bills every account in its table, so this module has a table of
its own per test."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import DynamoRepository
from heatportal.domain.model import BillingPeriod, InvoiceKind
from heatportal.domain.profile import FixedFee, SpotEnergyPrice
from heatportal.domain.tariff import line_amount, round_price
from heatportal.services.billing.guards import billable_from
from infra.local.stack import outbox_messages, run_billing
from tests.dates import local_today
from tests.integration.conftest import body

SPOT = Decimal("0.8000")


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    return repo_of_its_own


def months_until_today(first: date) -> list[BillingPeriod]:
    today = local_today()
    period = BillingPeriod(year=first.year, month=first.month)
    found = []
    while (period.year, period.month) <= (today.year, today.month):
        found.append(period)
        period = period.next()
    return found


def outgoing(seed, repo):
    """A household billed up to the month before last (readings on the 1st of
    each month up to last month), spot prices known up to this month."""
    alice = seed(role="admin")
    last_month = BillingPeriod(year=local_today().year, month=local_today().month).previous()
    for period in months_until_today(last_month.previous().previous().start):
        repo.put_spot_price("NO1", period.key, SPOT)
    billed = last_month.previous()
    issued = billable_from(composition.profile(), billed)  # once its readings cut-off has passed
    composition.bill_run().bill_account(alice.customer.number, billed, issued_on=issued)
    return alice, billed


def move_out_body(alice, moving_on: date, value: Decimal, **extra: object) -> dict[str, object]:
    return {
        "facility_id": f"F{alice.customer.number}",
        "moving_on": moving_on.isoformat(),
        "readings": {alice.meter.number: str(value)},
        "forwarding_address": {"street": "Nyveien 9", "postcode": "0460", "city": "Oslo", "country": "NO"},
        **extra,
    }


def months_of(line) -> set[str]:
    """The months a line covers (a fixed fee's months are joined into one line)."""
    first = BillingPeriod(year=line.period_start.year, month=line.period_start.month)
    found = set()
    while first.start <= line.period_end:
        found.add(first.key)
        first = first.next()
    return found


def expected_line_amounts(invoice, period_days: dict[str, tuple[int, int]]) -> None:
    """Each line is its quantity times its printed unit price (times its share of
    a year), rounded once; the fixed fee is the yearly price times the days
    supplied of each month's twelfth; the list includes VAT, so the lines add up
    to the total and the VAT is carved out once."""
    profile = composition.profile()
    price_list = profile.price_list_on(invoice.period.start)
    assert price_list.prices_include_vat
    fee = next(c for c in price_list.components if isinstance(c, FixedFee))
    spot = next(c for c in price_list.components if isinstance(c, SpotEnergyPrice))
    rate = profile.vat_on(invoice.period.start)
    shares = Fraction(0)
    for line in invoice.lines:
        assert line.amount == line_amount(
            line.quantity, line.unit_price, (line.share_numerator, line.share_denominator)
        )
        if line.component == "fixed_fee":
            assert line.unit_price == fee.amount_per_year
            shares += line.share
        else:
            [month] = months_of(line)
            start = BillingPeriod.parse(month).start
            transfer = max((p for p in spot.transfer_cost if p.valid_from <= start), key=lambda p: p.valid_from).price
            spot_gross = round_price(SPOT * (1 + rate), spot.spot_price_step)
            discounted = round_price(
                (spot_gross + transfer) * (100 - spot.discount_percent) / 100, spot.unit_price_step
            )
            assert line.unit_price == min(discounted, spot.max_price[-1].price)
    assert shares == sum((Fraction(supplied, 12 * days) for supplied, days in period_days.values()), Fraction(0))
    assert invoice.total == sum(line.amount for line in invoice.lines)
    assert invoice.vat_total == round_price(invoice.total * rate / (1 + rate), Decimal("0.01"))
    assert invoice.total == invoice.net_total + invoice.vat_total


def test_move_out_final_invoice_by_the_next_run_then_the_incoming_party_moves_in(stack, repo, seed, http):
    alice, billed = outgoing(seed, repo)
    today = local_today()
    moving_on = today
    before = repo.latest_reading(alice.meter.number)
    assert before is not None
    final_value = before.value + 1234
    incoming = f"incoming-{alice.customer.number}@example.com"

    # Moving out: the contract ends today, with the final reading and a forwarding address.
    resp = http.post(
        f"/api/customers/{alice.customer.number}/move-out",
        json=move_out_body(
            alice, moving_on, final_value, incoming={"name": "Ola Innflytter", "email": incoming, "language": "nb"}
        ),
        headers=alice.auth,
    )
    assert resp.status_code == 201, resp.text
    moved = body(resp)
    assert moved["ended_on"] == moving_on.isoformat()
    assert moved["final_invoice"] is None  # the next run issues it, well before the deadline
    assert moved["final_invoice_due_by"] == (moving_on + timedelta(days=42)).isoformat()
    assert date.fromisoformat(moved["final_invoice_by"]) <= moving_on + timedelta(days=42)
    assert moved["incoming_invited"] is True

    # The meter is the old customer's history now: no reading after the move.
    later = http.post(
        f"/api/customers/{alice.customer.number}/meters/{alice.meter.number}/readings",
        json={"value": str(final_value + 5), "read_on": today.isoformat()},
        headers=alice.auth,
    )
    assert later.status_code in (409, 422), later.text
    # ... and the history stays readable.
    history = http.get(
        f"/api/customers/{alice.customer.number}/meters/{alice.meter.number}/readings", headers=alice.auth
    )
    assert history.status_code == 200
    readings = body(history)["readings"] if isinstance(body(history), dict) else body(history)
    assert any(r["read_on"] == moving_on.isoformat() for r in readings)

    # The next bill run (for the month of the last day supplied) issues the final invoice first.
    last_day = moving_on - timedelta(days=1)
    run_period = BillingPeriod(year=last_day.year, month=last_day.month)
    result = run_billing(stack.resources, run_period.key)
    assert result["status"] == "SUCCEEDED", result
    finals = [i for i in repo.list_invoices(alice.customer.number) if i.kind == InvoiceKind.FINAL]
    assert len(finals) == 1
    final = finals[0]
    # It covers the months after the last bill up to the last day supplied, and what the meter counted.
    covered = set().union(*(months_of(line) for line in final.lines))
    first = billed.next()
    assert covered == {p.key for p in months_until_today(first.start) if p.start <= last_day}
    energy = sum(line.quantity for line in final.lines if line.component == "spot_energy")
    [regular] = [i for i in repo.list_invoices(alice.customer.number) if i.period == billed]
    assert energy == final_value - regular.meter_values[0].end_value == 1234
    days = {}
    for period in months_until_today(first.start):
        if period.start > last_day:
            continue
        supplied = (min(period.end, moving_on) - period.start).days
        days[period.key] = (supplied, period.days)
    expected_line_amounts(final, days)
    # The monthly run did not bill the same consumption again.
    assert not [
        i for i in repo.list_invoices(alice.customer.number) if i.kind == InvoiceKind.INVOICE and i.period == run_period
    ]
    # Issued through the normal path: PDF and e-mail (queued in the delivery outbox, sent when drained).
    assert final.pdf_key
    stack.deliveries.drain()
    mails = [
        m
        for m in outbox_messages("email")
        if m["to"] == alice.email and m["attachments"] == [f"invoice-{final.number}.pdf"]
    ]
    assert len(mails) == 1
    # A second run issues nothing twice.
    again = run_billing(stack.resources, run_period.key)
    assert again["status"] == "SUCCEEDED"
    assert len([i for i in repo.list_invoices(alice.customer.number) if i.kind == InvoiceKind.FINAL]) == 1

    # The incoming party confirms the move with the code sent to them.
    [code_mail] = [m for m in outbox_messages("email") if m["to"] == incoming]
    handshake = _found(r"id=([0-9A-Za-z_-]+)", code_mail["text"], 1)
    code = _found(r"Din kode: (\d{6})", code_mail["text"], 1)
    shown = http.get(f"/api/move-in/{handshake}")
    assert shown.status_code == 200
    assert body(shown)["readings"] == {alice.meter.number: str(final_value)}
    wrong = http.post(
        f"/api/move-in/{handshake}/confirmation", json={"code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 422
    confirmed = http.post(f"/api/move-in/{handshake}/confirmation", json={"code": code, "language": "nb"})
    assert confirmed.status_code == 201, confirmed.text
    new_number = body(confirmed)["customer_number"]
    assert re.fullmatch(composition.profile().customer_number_pattern, new_number)
    # Used once.
    assert http.post(f"/api/move-in/{handshake}/confirmation", json={"code": code}).status_code == 404

    meters = repo.list_meters(new_number)
    assert [(m.number, m.installed_on, m.start_value, m.removed_on) for m in meters] == [
        (alice.meter.number, moving_on, final_value, None)
    ]
    assert repo.find_meter(alice.meter.number).customer_number == new_number
    welcome = [m for m in outbox_messages("email") if m["to"] == incoming and new_number in m["text"]]
    assert len(welcome) == 1
    assert welcome[0]["attachments"] == [f"pin-{new_number}.pdf"]  # the profile registers by PIN

    # The new customer's first bill starts at the final reading.
    repo.put_spot_price("NO1", BillingPeriod(year=today.year, month=today.month).key, SPOT)
    _priced, values = composition.pricing_service().price(
        repo.get_customer(new_number), BillingPeriod(year=today.year, month=today.month), spot_fallback_months=1
    )
    assert values[0].start_value == final_value
    # And the old customer is no longer billed for the month after.
    with pytest.raises(Exception, match="No active meter"):
        composition.pricing_service().price(repo.get_customer(alice.customer.number), run_period.next().next())


def test_a_moving_day_in_a_billed_period_is_refused_and_nothing_is_written(stack, repo, seed, http):
    alice, billed = outgoing(seed, repo)
    resp = http.post(
        f"/api/customers/{alice.customer.number}/move-out",
        json=move_out_body(alice, billed.start + timedelta(days=3), Decimal(10500)),
        headers=alice.auth,
    )
    assert resp.status_code == 422
    assert body(resp)["code"] == "moving_date_billed"
    assert repo.list_meters(alice.customer.number)[0].removed_on is None


def test_an_implausible_final_reading_asks_for_confirmation_first(stack, repo, seed, http):
    alice, _ = outgoing(seed, repo)
    latest = repo.latest_reading(alice.meter.number)
    assert latest is not None
    resp = http.post(
        f"/api/customers/{alice.customer.number}/move-out",
        json=move_out_body(alice, local_today(), latest.value + 900000),
        headers=alice.auth,
    )
    assert resp.status_code == 422
    assert body(resp)["code"] == "reading_implausible"
    assert body(resp)["fields"][0]["field"] == f"readings.{alice.meter.number}"
    assert repo.list_meters(alice.customer.number)[0].removed_on is None
    ok = http.post(
        f"/api/customers/{alice.customer.number}/move-out",
        json=move_out_body(alice, local_today(), latest.value + 900000, confirmed=True),
        headers=alice.auth,
    )
    assert ok.status_code == 201, ok.text


def _found(pattern: str, text: str, group: int = 1) -> str:
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return match.group(group)
