"""The portfolio's figures (domain.portfolio), the power signature
(domain.power_signature) and an invoice split per facility
(domain.invoice_split), worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from heatportal.domain.climate import daily_temperature_series
from heatportal.domain.invoice_split import MeterPlace, split_invoice
from heatportal.domain.model import BillingPeriod, DailyConsumption, MeterKind, MeterPeriodValue
from heatportal.domain.money import EnergyUnit
from heatportal.domain.portfolio import (
    FacilityAggregate,
    FacilityDay,
    facility_days,
    facility_months,
    group_days,
    group_months,
    return_excess,
    supply_status,
)
from heatportal.domain.power_signature import SignaturePoint, fit_signature
from heatportal.domain.profile import load_profile
from heatportal.domain.tariff import MeterUsage, PricedPeriod, PricingInput, price_period
from tests.builders import a_draft_invoice, a_meter

SE = load_profile("se")


def row(meter: str, on: date, quantity: str, **extra: object) -> DailyConsumption:
    return DailyConsumption(meter_number=meter, day=on, quantity=Decimal(quantity), **extra)


def test_two_heat_meters_of_a_facility_add_up_day_by_day_with_an_energy_weighted_return() -> None:
    a = a_meter("H-1", unit=EnergyUnit.MWH, decimals=3)
    b = a_meter("H-2", unit=EnergyUnit.KWH)
    water = a_meter("W-1", kind=MeterKind.HOT_WATER, unit=EnergyUnit.M3, decimals=3)
    on = date(2025, 1, 10)
    rows = {
        "H-1": [row("H-1", on, "3", mean_return_temp=Decimal(40), peak_load_kw=Decimal(180), quality="estimated")],
        "H-2": [row("H-2", on, "1000", mean_return_temp=Decimal(32), peak_load_kw=Decimal(60))],
        "W-1": [row("W-1", on, "4")],
    }
    (day,) = facility_days([a, b, water], rows, "heating")
    # 3 MWh at 40 °C and 1 MWh at 32 °C: (3 x 40 + 1 x 32) / 4 = 38 °C.
    assert (day.energy_kwh, day.return_temp, day.peak_hour_kw, day.quality) == (
        Decimal("4000.0"),
        Decimal("38.0"),
        Decimal(240),
        "estimated",
    )
    assert facility_days([a, b, water], rows, "cooling") == []


def _january(meter: str = "H-1") -> dict[str, list[DailyConsumption]]:
    return {
        meter: [
            row(
                meter,
                date(2025, 1, d),
                "4.8",
                mean_return_temp=Decimal(40),
                mean_outdoor_temp=Decimal(-3),
                volume_m3=Decimal(100),
            )
            for d in range(1, 32)
        ]
    }


def test_a_facility_month_is_priced_by_component_as_the_price_list_prices_it() -> None:
    meter = a_meter("H-1", unit=EnergyUnit.MWH, decimals=3)
    rows = _january()
    days = facility_days([meter], rows, "heating")

    def price(month: str, usages: list[MeterUsage]) -> PricedPeriod | None:
        return price_period(SE, PricingInput(BillingPeriod.parse(month), tuple(usages)))

    (month,) = facility_months(
        days, supply="heating", meters=[meter], rows=rows, price=price, reference=lambda m: Decimal(38)
    )
    assert month.complete and month.energy_kwh == Decimal("148800.0") and month.peak_day_kw == Decimal("200.0")
    assert month.degree_days == Decimal(620)  # 31 days x (17 - (-3))
    # 148.8 MWh x 720 = 107 136; 3100 m3 x 4 = 12 400; 200 kW x 640 / 12 = 10 666.67;
    # 3950 / 12 = 329.17; return 40 °C against 38 °C: 148.8 x 2 x 3 = 892.80.
    assert month.cost == {
        "fixed_fee": Decimal("329.00"),
        "capacity": Decimal("10666.67"),
        "energy": Decimal("107136.00"),
        "volume": Decimal("12400.00"),
        "return_temperature": Decimal("892.80"),
    }
    assert (month.return_temp, month.return_reference) == (Decimal("40.0"), Decimal(38))


def test_a_group_adds_energy_and_weighs_the_return_by_energy() -> None:
    now = datetime(2025, 2, 1, tzinfo=UTC)
    big = FacilityAggregate(
        customer_number="1",
        facility_id="A",
        supply="heating",
        months=tuple(
            facility_months(
                [FacilityDay(day=date(2025, 1, 1), energy_kwh=Decimal(300), return_temp=Decimal(40))], supply="heating"
            )
        ),
        days=(),
        as_of=now,
    )
    small = FacilityAggregate(
        customer_number="2",
        facility_id="B",
        supply="heating",
        months=tuple(
            facility_months(
                [
                    FacilityDay(
                        day=date(2025, 1, 1), energy_kwh=Decimal(100), return_temp=Decimal(32), quality="corrected"
                    )
                ],
                supply="heating",
            )
        ),
        days=(),
        as_of=now,
    )
    month = group_months([big, small])["2025-01"]
    assert (month.facilities, month.energy_kwh, month.return_temp, month.quality) == (
        2,
        Decimal(400),
        Decimal("38.0"),
        "corrected",
    )


def test_a_group_day_counts_only_when_every_facility_has_it() -> None:
    now = datetime(2025, 2, 1, tzinfo=UTC)
    first = [FacilityDay(day=date(2025, 1, d), energy_kwh=Decimal(10)) for d in (1, 2)]
    second = [FacilityDay(day=date(2025, 1, 2), energy_kwh=Decimal(5))]
    aggregates = [
        FacilityAggregate(customer_number="1", facility_id=f, supply="heating", months=(), days=tuple(d), as_of=now)
        for f, d in (("A", first), ("B", second))
    ]
    assert [(d.day.day, d.energy_kwh) for d in group_days(aggregates)] == [(2, Decimal(15))]


def _weather_days(cooling: bool) -> list[FacilityDay]:
    temps = daily_temperature_series("stockholm", date(2024, 1, 1), date(2025, 3, 1), seed=11)
    days = []
    for on, temp in temps.items():
        if cooling:
            kw = Decimal(40) + Decimal(12) * max(temp - Decimal(14), Decimal(0))
        else:
            kw = Decimal(50) + Decimal(9) * max(Decimal(16) - temp, Decimal(0))
        days.append(FacilityDay(day=on, energy_kwh=kw * 24, outdoor_temp=temp, return_temp=Decimal(35)))
    return days


def test_the_status_compares_the_last_thirty_days_with_the_facilitys_own_weather_model() -> None:
    days = _weather_days(cooling=False)
    normal = supply_status(days, "heating", date(2025, 3, 1), lambda month: Decimal(38))
    assert normal.deviation is not None and abs(normal.deviation) < Decimal(
        "0.05"
    )  # degree days on base 17, the building on 16
    assert normal.data_until == date(2025, 2, 28) and return_excess(normal, "heating") == Decimal("-3.0")
    # The last thirty days use 30 % more than the weather explains.
    hungry = [
        d.model_copy(update={"energy_kwh": d.energy_kwh * Decimal("1.3")}) if d.day >= date(2025, 1, 30) else d
        for d in days
    ]
    status = supply_status(hungry, "heating", date(2025, 3, 1), lambda month: Decimal(38))
    assert status.deviation is not None and Decimal("0.25") < status.deviation < Decimal("0.35")
    assert return_excess(status, "cooling") == Decimal("3.0")  # cooling: 35 °C below 38 °C is too cold


def test_the_power_signature_finds_the_balance_temperature_and_the_slope() -> None:
    heating = fit_signature(
        [SignaturePoint(d.outdoor_temp, d.mean_kw) for d in _weather_days(False) if d.outdoor_temp is not None]
    )
    assert heating is not None
    assert (heating.balance_temp, heating.base_kw, heating.slope_kw_per_c) == (
        Decimal("16.0"),
        Decimal("50.0"),
        Decimal("9.00"),
    )
    assert heating.r_squared == Decimal("1.00")
    assert heating.design_power(Decimal(-18)) == Decimal("356.0")  # 50 + 9 x 34
    cooling = fit_signature(
        [SignaturePoint(d.outdoor_temp, d.mean_kw) for d in _weather_days(True) if d.outdoor_temp is not None],
        cooling=True,
    )
    assert cooling is not None and (cooling.balance_temp, cooling.slope_kw_per_c) == (Decimal("14.0"), Decimal("12.00"))


def test_no_signature_from_a_few_days_or_a_building_without_weather_load() -> None:
    flat = [SignaturePoint(Decimal(t % 20) - Decimal(5), Decimal(40)) for t in range(60)]
    assert fit_signature(flat) is None
    assert fit_signature(flat[:10]) is None


def test_an_invoice_split_per_facility_adds_up_to_every_line_to_the_cent() -> None:
    a = a_meter("H-A", unit=EnergyUnit.MWH, decimals=3).model_copy(update={"facility_id": "A"})
    b = a_meter("H-B", unit=EnergyUnit.MWH, decimals=3).model_copy(update={"facility_id": "B"})
    c = a_meter("C-B", kind=MeterKind.COOLING, unit=EnergyUnit.MWH, decimals=3).model_copy(update={"facility_id": "B"})
    meters = {m.number: m for m in (a, b, c)}
    period = BillingPeriod(year=2025, month=1)
    values = (
        MeterPeriodValue(meter_number="H-A", unit=EnergyUnit.MWH, start_value=Decimal(0), end_value=Decimal("100.000")),
        MeterPeriodValue(meter_number="H-B", unit=EnergyUnit.MWH, start_value=Decimal(0), end_value=Decimal("50.000")),
        MeterPeriodValue(meter_number="C-B", unit=EnergyUnit.MWH, start_value=Decimal(0), end_value=Decimal("10.000")),
    )

    def price(usages: tuple[MeterUsage, ...]) -> PricedPeriod | None:
        return price_period(SE, PricingInput(period, usages))

    usages = tuple(MeterUsage(v.meter_number, meters[v.meter_number].kind, v.unit, v.quantity) for v in values)
    whole = price_period(SE, PricingInput(period, usages))
    invoice = a_draft_invoice().model_copy(update={"lines": whole.lines, "meter_values": values, "currency": "SEK"})
    shares = split_invoice(invoice, {n: MeterPlace(m.facility_id, m.kind) for n, m in meters.items()}, price)
    assert sorted(shares) == ["A", "B"]
    for line in invoice.lines:
        parts = [
            ln.amount
            for s in shares.values()
            for ln in s.lines
            if ln.component == line.component and ln.text_params == line.text_params
        ]
        assert sum(parts, Decimal(0)) == line.amount, line.component
    energy = {f: next(ln for ln in s.lines if ln.component == "energy") for f, s in shares.items()}
    # 150 MWh at 720: A's own 100 MWh is 72 000, B's 50 MWh 36 000.
    assert (energy["A"].amount, energy["A"].quantity, energy["B"].amount) == (
        Decimal("72000.00"),
        Decimal("100.000"),
        Decimal("36000.00"),
    )
    # The heat fixed fee falls on both facilities equally (329.17 / 2; the odd
    # öre to the first by id), the cooling one on B alone.
    fees = {
        f: {ln.text_params["name"]: ln.amount for ln in s.lines if ln.component == "fixed_fee"}
        for f, s in shares.items()
    }
    assert fees == {
        "A": {"Fast avgift": Decimal("164.50")},
        "B": {"Fast avgift": Decimal("164.50"), "Fast avgift fjärrkyla": Decimal("517.00")},
    }
    assert shares["A"].meter_values == (values[0],)
