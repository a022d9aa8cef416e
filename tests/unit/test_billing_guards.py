"""Guard rails (services.billing.guards, domain.compliance): a period is billed
only after it ended and its readings cut-off passed; a customer with nothing to
bill gets no zero invoice and the run says why; an invoice that fails the
country's compliance check is held for customer service, never numbered."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from heatportal.domain.compliance import check_invoice
from heatportal.domain.model import BillingPeriod, InvoiceKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import PriceList, load_profile
from heatportal.services.billing.guards import InvoiceHeld, PeriodOpen
from heatportal.services.billing.run import RunRequest
from tests.builders import a_customer, a_meter, a_reading
from tests.invoice_samples import STAFF, monthly_sample
from tests.unit.test_billing_service import JANUARY, Billing

NL = load_profile("nl")


def test_a_period_that_has_not_ended_or_whose_cut_off_has_not_passed_is_not_billed() -> None:
    b = Billing(today=date(2025, 2, 1))  # the readings of 1 February are not all in yet
    b.customer("100001", readings={date(2025, 1, 1): "10000", date(2025, 2, 1): "11500"})
    b.spot("2025-01", "0.90")
    with pytest.raises(PeriodOpen) as refused:
        b.service.bill_account("100001", JANUARY)
    assert refused.value.params == {"period": "2025-01", "cutoff": "2025-02-02"}
    assert b.world.invoices.all_numbers() == []
    result = b.service.bill_batch("run-1", "2025-01", ["100001"])
    assert result.billed == 0 and "PeriodOpen" in result.failures[0].reason
    b.world.clock.set_today(date(2025, 2, 2))
    assert b.service.bill_account("100001", JANUARY)[1] is True


def test_a_customer_with_no_consumption_and_no_fixed_fee_is_skipped_and_the_run_says_why() -> None:
    b = Billing(today=date(2022, 2, 3))  # the 2022 price list has no fixed fee
    b.customer("100001", readings={date(2022, 1, 1): "10000", date(2022, 2, 1): "10000"})
    b.customer("100002", readings={date(2022, 1, 1): "5000", date(2022, 2, 1): "5100"})
    b.spot("2022-01", "0.50")
    b.service.plan(RunRequest(period="2022-01"), "run-1")
    result = b.service.bill_batch("run-1", "2022-01", ["100001", "100002"])
    assert (result.billed, result.skipped) == (1, 1)
    assert result.skipped_reasons == {"zero_bill_skipped": 1}
    pointer = b.result_files(
        "run-1", succeeded=[{"Input": '{"Items": ["100001", "100002"]}', "Output": result.model_dump_json()}]
    )
    summary = b.service.summarize("run-1", "2022-01", pointer)
    assert summary.skipped_reasons == {"zero_bill_skipped": 1}
    assert b.world.invoices.all_numbers() == [1]


def test_a_norwegian_price_above_electric_heating_is_held_for_customer_service() -> None:
    # Given a comparison without grid charges and tax (as if electricity were nearly free)
    profile = load_profile("no")
    comparison = profile.compliance.electric_heating_comparison
    assert comparison is not None
    zero = (comparison.grid_energy_charge_per_kwh[0].model_copy(update={"price": Decimal(0)}),)
    cheap = comparison.model_copy(
        update={"grid_energy_charge_per_kwh": zero, "consumption_tax_per_kwh": zero, "grid_capacity_per_kwh": ()}
    )
    held = profile.model_copy(
        update={"compliance": profile.compliance.model_copy(update={"electric_heating_comparison": cheap})}
    )
    b = Billing(profile=held)
    b.customer("100001", readings={date(2025, 1, 1): "10000", date(2025, 2, 1): "11500"})
    b.spot("2025-01", "0.05")
    # When January is billed: district heating (0.05 x 1.25 + 0.4890) x 0.9 = 0.4964 per kWh incl. VAT,
    # electric heating (0.05 + 0.049 + 0.01) x 1.25 = 0.1363: above it
    with pytest.raises(InvoiceHeld) as stopped:
        b.service.bill_account("100001", JANUARY)
    [reason] = stopped.value.reasons
    assert reason.key == "invoice.hold.no_electric_comparison"
    assert reason.params["price"] == "price:0.4964" and reason.params["comparison"] == "price:0.1363"
    assert b.world.invoices.all_numbers() == []  # never numbered
    assert b.world.mailer.sent == []  # never sent
    [hold] = b.corrections.held(STAFF, "100001")  # customer service sees it, with the reason
    assert hold.kind == InvoiceKind.INVOICE and hold.period == JANUARY
    result = b.service.bill_batch("run-2", "2025-01", ["100001"])
    assert result.held == 1 and result.failures[0].reason == "held: invoice.hold.no_electric_comparison"


def test_the_demo_norwegian_prices_pass_the_electric_heating_comparison() -> None:
    _sample, january = monthly_sample("no")
    assert january.number > 0  # issued, not held


def dutch(price_per_gj: str, standing: str = "570.00", surcharge: str | None = None) -> PriceList:
    extra = (
        [
            {
                "type": "energy_price",
                "name": "Groene warmte",
                "unit": "GJ",
                "prices": [{"months": list(range(1, 13)), "price": surcharge}],
            }
        ]
        if surcharge
        else []
    )
    return PriceList.model_validate(
        {
            "id": "nl-test",
            "valid_from": "2025-01-01",
            "prices_include_vat": True,
            "vat_basis_reason": "A consumer price list: prices incl. VAT.",
            "components": [
                {
                    "type": "fixed_fee",
                    "name": "Vastrecht",
                    "name_key": "invoice.component.standing_charge",
                    "amount_per_year": standing,
                },
                {
                    "type": "energy_price",
                    "unit": "GJ",
                    "prices": [{"months": list(range(1, 13)), "price": price_per_gj}],
                },
                *extra,
            ],
        }
    )


@pytest.mark.parametrize(
    ("price_list", "keys"),
    [
        (dutch("43.79"), []),  # at the 2025 maximum: fine
        (dutch("43.80"), ["invoice.hold.nl_energy_max"]),
        # 2025's vastrecht maximum is 577.48 of the 760.77 fixed in all: above both, then above the part only.
        (dutch("40.00", standing="780.00"), ["invoice.hold.nl_component_max", "invoice.hold.nl_fixed_max"]),
        (dutch("40.00", standing="577.56"), ["invoice.hold.nl_component_max"]),
        (dutch("40.00", standing="577.44"), []),
        # The maximum is on the whole price per GJ: a surcharge line counts with the base price.
        (dutch("42.00", surcharge="1.79"), []),
        (dutch("42.00", surcharge="1.80"), ["invoice.hold.nl_energy_max"]),
    ],
)
def test_dutch_prices_above_the_acm_maximum_of_the_year_are_held(price_list: PriceList, keys: list[str]) -> None:
    profile = NL.model_copy(update={"price_lists": (NL.price_lists[0], price_list)})
    b = Billing(profile=profile, today=date(2025, 2, 3))
    b.world.customers.add_customer(a_customer("12345678901", language="nl"))
    meter = b.world.customers.add_meter(a_meter("G-1", "12345678901", unit=EnergyUnit.GJ, decimals=3))
    b.world.readings.add_reading(a_reading(meter.number, date(2025, 1, 1), "100.000"))
    b.world.readings.add_reading(a_reading(meter.number, date(2025, 2, 1), "102.500"))
    customer = b.world.customers.get_customer("12345678901")
    assert customer is not None
    if keys:
        with pytest.raises(InvoiceHeld) as stopped:
            b.drafts.consumption(customer, JANUARY, date(2025, 2, 3))
        assert sorted(r.key for r in stopped.value.reasons) == keys
    else:
        assert b.drafts.consumption(customer, JANUARY, date(2025, 2, 3)).total > 0


def test_swedish_energy_is_billed_only_in_arrears() -> None:
    sample, january = monthly_sample("se")
    profile = sample.profile
    assert check_invoice(profile.compliance, january) == []
    early = january.model_copy(update={"issued_on": date(2026, 1, 31)})  # before the month's last day has passed
    [reason] = check_invoice(profile.compliance, early)
    assert reason.key == "invoice.hold.se_energy_in_advance"
    assert reason.params == {"start": "date:2026-01-01", "end": "date:2026-01-31"}


def test_a_settlement_before_the_year_has_ended_is_refused() -> None:
    b = Billing(profile=NL, today=date(2025, 12, 15))
    december = BillingPeriod(year=2025, month=12)
    with pytest.raises(PeriodOpen) as refused:
        b.drafts.settlement(a_customer("12345678901", language="nl"), december, date(2025, 12, 15))
    # The readings of 1 January, plus one day for them to come in
    assert refused.value.params["cutoff"] == (date(2025, 12, 31) + timedelta(days=2)).isoformat()
