"""Why a bill differs (services.billing.explain) and the advance payer's year
(services.advance_year), on the realistic samples of tests.invoice_samples."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from heatportal.documents.advance_email import advance_confirmation_email
from heatportal.domain.model import BillingPeriod, Role
from heatportal.services.access import Principal
from heatportal.services.advance import AdvanceService
from heatportal.services.advance_year import AdvanceYearService
from heatportal.services.billing.explain import BillExplainer
from heatportal.services.forecast import ForecastService
from tests.builders import a_membership
from tests.fakes.payments import InMemoryPaymentRepository
from tests.invoice_samples import SampleWorld, monthly_sample, settlement_sample

OWNER = Principal(user_id="owner", email="kunde@example.com")


def scope_of(sample: SampleWorld):
    sample.world.memberships.add(a_membership(OWNER.user_id, sample.customer.number, Role.ADMIN))
    return sample.world.scope(OWNER, sample.customer.number)


def test_the_difference_splits_into_price_weather_use_and_other_that_add_up() -> None:
    sample, january = monthly_sample("no")
    explained = BillExplainer(sample.world.invoices).explain(scope_of(sample), january.number)
    assert [d.against for d in explained] == ["last_bill", "last_year"]
    for difference in explained:
        parts = {p.key: p.amount for p in difference.parts}
        assert set(parts) == {"price", "weather", "use", "other"}
        assert sum(parts.values(), Decimal(0)) == difference.difference
        assert all(p.amount == p.amount.quantize(Decimal("0.01")) for p in difference.parts)
    last_year = explained[1]
    assert last_year.previous.period == BillingPeriod(year=2025, month=1)
    # The sample customer uses 8 % less since September 2025 (a new thermostat): corrected for
    # the weather, January 2026 used less than January 2025.
    use = next(p for p in last_year.parts if p.key == "use")
    assert use.quantity is not None and use.quantity < 0 and use.amount < 0
    # A colder or milder month moves the weather part the same way as the degree days.
    weather = next(p for p in last_year.parts if p.key == "weather")
    assert last_year.degree_days is not None and last_year.previous_degree_days is not None
    if last_year.degree_days > last_year.previous_degree_days:
        assert weather.amount > 0
    else:
        assert weather.amount <= 0


def test_a_settlement_is_compared_with_the_last_years_settlement() -> None:
    sample, settlement = settlement_sample("de")
    assert BillExplainer(sample.world.invoices).explain(scope_of(sample), settlement.number) == []  # no 2024 one
    advance = next(i for i in sample.world.invoices.list_invoices(sample.customer.number) if i.kind == "advance")
    assert BillExplainer(sample.world.invoices).explain(scope_of(sample), advance.number) == []


def test_the_advance_payer_sees_the_year_and_the_advance_page_shows_the_same_yearly_figure() -> None:
    sample, _settlement = settlement_sample("nl")
    # Mid-2026: advances of January to May invoiced at 110.00, three of them paid.
    sample.set_clock(date(2026, 6, 10))
    for month in range(1, 6):
        period = BillingPeriod(year=2026, month=month)
        sample.bill(period, period.end + timedelta(days=1))
    sample.set_clock(date(2026, 6, 10))
    payments = InMemoryPaymentRepository(sample.world.invoices)
    advances = [i for i in sample.world.invoices.list_invoices(sample.customer.number) if i.kind == "advance"]
    this_year = sorted((i for i in advances if i.period.year == 2026), key=lambda i: i.period.key)
    for invoice in this_year[:3]:
        payments.paid[invoice.number] = invoice.total
    w = sample.world
    forecast = ForecastService(sample.profile, w.readings, w.invoices, sample.pricing, w.clock)
    service = AdvanceYearService(sample.profile, forecast, w.invoices, sample.advances, payments, w.clock)
    scope = scope_of(sample)
    year = service.year(scope)
    assert year.months_invoiced == 5
    assert year.advances_invoiced == 5 * Decimal("110.00")
    assert year.advances_paid == 3 * Decimal("110.00")
    assert year.months_to_come == 7  # June to December
    assert year.advances_planned == 12 * Decimal("110.00")
    assert year.settlement == year.projected_cost - year.advances_planned
    # The recommended advance spreads what is left over the months to come, rounded up to a whole euro.
    left = year.projected_cost - year.advances_invoiced
    assert year.recommended_advance * 7 >= left > (year.recommended_advance - 1) * 7
    # The advance page bounds a change by the same yearly figure as the economy page.
    advance_page = AdvanceService(
        sample.profile,
        sample.advances,
        forecast,
        w.mailer,
        w.clock,
        advance_confirmation_email,
        "https://portal.example",
    ).overview(scope)
    assert advance_page.expected_yearly_cost == year.projected_cost == round(forecast.overview(scope).year_total, 2)
