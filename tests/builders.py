"""Test data in the domain's words: a customer, a meter, a reading, a membership
(with the defaults most tests need), and meters with a volume register."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Language,
    Membership,
    Meter,
    MeterKind,
    MeterPeriodValue,
    Reading,
    ReadingSource,
    Register,
    RegisterName,
    Role,
)
from heatportal.domain.money import EnergyUnit

ADDRESS = Address(street="Fjordveien 12", postcode="2000", city="Lillestrøm", country="NO")


def a_customer(number: str = "100001", *, email: str | None = "kari@example.no", language: Language = "nb") -> Customer:
    return Customer(number=number, name=f"Kunde {number}", email=email, language=language, address=ADDRESS)


def a_meter(
    number: str = "M-1",
    customer_number: str = "100001",
    *,
    kind: MeterKind = MeterKind.HEAT,
    unit: EnergyUnit = EnergyUnit.KWH,
    decimals: int = 0,
    installed_on: date = date(2020, 1, 1),
    removed_on: date | None = None,
    start_value: Decimal = Decimal(0),
) -> Meter:
    return Meter(
        number=number,
        customer_number=customer_number,
        facility_id=f"F-{customer_number}",
        kind=kind,
        unit=unit,
        decimals=decimals,
        installed_on=installed_on,
        removed_on=removed_on,
        start_value=start_value,
    )


def a_reading(meter_number: str, read_on: date, value: str | Decimal, *, estimated: bool = False) -> Reading:
    return Reading(
        meter_number=meter_number,
        read_on=read_on,
        value=Decimal(value),
        source=ReadingSource.ESTIMATE if estimated else ReadingSource.PORTAL,
        estimated=estimated,
        recorded_at=datetime(read_on.year, read_on.month, read_on.day, 8, tzinfo=UTC),
    )


def a_membership(user_id: str, customer_number: str, role: Role) -> Membership:
    return Membership(user_id=user_id, customer_number=customer_number, role=role, email=f"{user_id}@example.no")


# --- meters with several registers --------------------------------------------------------


def a_volume_register(*, decimals: int = 2, start_value: str = "0", register_digits: int | None = None) -> Register:
    return Register(
        name=RegisterName.VOLUME,
        unit=EnergyUnit.M3,
        decimals=decimals,
        start_value=Decimal(start_value),
        register_digits=register_digits,
    )


def a_heat_meter_with_volume(
    number: str = "M-1",
    customer_number: str = "100001",
    *,
    installed_on: date = date(2023, 1, 1),
    volume: Register | None = None,
    start_value: Decimal = Decimal(0),
) -> Meter:
    meter = a_meter(number, customer_number, installed_on=installed_on, start_value=start_value)
    return meter.model_copy(update={"registers": (volume or a_volume_register(),)})


def a_reading_with(
    meter_number: str,
    read_on: date,
    value: str,
    registers: dict[str, str] | None = None,
    *,
    rollovers: tuple[str, ...] = (),
) -> Reading:
    return Reading(
        meter_number=meter_number,
        read_on=read_on,
        value=Decimal(value),
        source=ReadingSource.PORTAL,
        recorded_at=datetime(read_on.year, read_on.month, read_on.day, 8, tzinfo=UTC),
        registers={k: Decimal(v) for k, v in (registers or {}).items()},
        register_rollovers=frozenset(rollovers),
    )


# --- invoices -------------------------------------------------------------------------------------


JANUARY_2026 = BillingPeriod(year=2026, month=1)


def a_draft_invoice(
    customer_number: str = "100001",
    period: BillingPeriod = JANUARY_2026,
    total: str = "1250.00",
    *,
    kind: InvoiceKind = InvoiceKind.INVOICE,
) -> Invoice:
    """An invoice as billing drafts it: number and payment reference not yet given."""
    net = (Decimal(total) / Decimal("1.25")).quantize(Decimal("0.01"))
    return Invoice(
        number=0,
        customer_number=customer_number,
        kind=kind,
        period=period,
        issued_on=date(period.year, period.month, 28),
        due_on=date(period.year, period.month, 28) + timedelta(days=14),
        currency="NOK",
        language="nb",
        lines=(
            InvoiceLine(
                component="energy",
                text_key="line.energy",
                text_params={"month": period.key},
                quantity=Decimal(1000),
                unit="kWh",
                unit_price=net / 1000,
                amount=net,
                vat_rate=Decimal("0.25"),
            ),
        ),
        net_total=net,
        vat_total=Decimal(total) - net,
        total=Decimal(total),
        payment_reference="",
        meter_values=(
            MeterPeriodValue(
                meter_number="M-1", unit=EnergyUnit.KWH, start_value=Decimal(1000), end_value=Decimal(2000)
            ),
        ),
    )
