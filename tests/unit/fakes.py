"""In-memory implementations of the ports in ``heatportal.ports``.

They keep the semantics the DynamoDB adapter (``adapters/dynamo.py``) promises,
so a service tested against them behaves the same against DynamoDB:

- a reading is stored once per meter and date; an estimate is replaced by an
  actual reading; a different actual value for a stored date is a Conflict
  with code ``reading_duplicate``;
- ``latest_reading(before=d)`` is the newest reading *on or before* ``d``;
- ``daily_consumption`` is ``start <= day < end``; ``list_readings`` is
  ``start <= read_on <= end``;
- an invoice is created at most once per customer, period and kind key, with
  the next gapless number; the number is only taken when the invoice is stored;
- the email of an invoice is claimed once until the claim is released;
- a billing failure is one item per run and customer (a later one overwrites).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.errors import Conflict
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    DailyConsumption,
    Facility,
    Invoice,
    Language,
    Membership,
    Meter,
    MeterKind,
    Reading,
    ReadingSource,
    Role,
)
from heatportal.domain.money import EnergyUnit
from heatportal.ports import StoredInvoice
from heatportal.services.access import AccessService, Principal, Scope

# --- clock ------------------------------------------------------------------


class FixedClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, today: date, hour: int = 9) -> None:
        self._now = datetime(today.year, today.month, today.day, hour, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def set_today(self, today: date) -> None:
        self._now = self._now.replace(year=today.year, month=today.month, day=today.day)


# --- customers, facilities, meters -----------------------------------------------


class InMemoryCustomers:
    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.facilities: dict[str, list[Facility]] = {}
        self.meters: dict[str, Meter] = {}
        # Errors to raise when a customer is read (a throttled table, say).
        self.failures: dict[str, Exception] = {}

    def add_customer(self, customer: Customer) -> Customer:
        self.customers[customer.number] = customer
        return customer

    def add_facility(self, facility: Facility) -> Facility:
        self.facilities.setdefault(facility.customer_number, []).append(facility)
        return facility

    def add_meter(self, meter: Meter) -> Meter:
        self.meters[meter.number] = meter
        return meter

    def get_customer(self, number: str) -> Customer | None:
        if number in self.failures:
            raise self.failures[number]
        return self.customers.get(number)

    def list_facilities(self, customer_number: str) -> list[Facility]:
        return list(self.facilities.get(customer_number, []))

    def list_meters(self, customer_number: str) -> list[Meter]:
        return sorted((m for m in self.meters.values() if m.customer_number == customer_number), key=lambda m: m.number)

    def find_meter(self, meter_number: str) -> Meter | None:
        return self.meters.get(meter_number)

    def list_account_numbers(self) -> list[str]:
        return sorted(self.customers)


# --- memberships ------------------------------------------------------------------


class InMemoryMemberships:
    def __init__(self, *memberships: Membership) -> None:
        self.items: dict[tuple[str, str], Membership] = {}
        for membership in memberships:
            self.add(membership)

    def add(self, membership: Membership) -> Membership:
        self.items[(membership.user_id, membership.customer_number)] = membership
        return membership

    def get_membership(self, user_id: str, customer_number: str) -> Membership | None:
        return self.items.get((user_id, customer_number))

    def list_memberships(self, user_id: str) -> list[Membership]:
        return sorted((m for (u, _), m in self.items.items() if u == user_id), key=lambda m: m.customer_number)

    def list_members(self, customer_number: str) -> list[Membership]:
        return sorted((m for (_, c), m in self.items.items() if c == customer_number), key=lambda m: m.user_id)


# --- the customer's record in one read -----------------------------------------------


class InMemoryCustomerRecords:
    """The customer's record (services.access.CustomerRecords) over the other
    fakes: what one Query on the customer's partition returns. ``reads``
    counts the records read."""

    def __init__(
        self,
        memberships: Any,  # an InMemoryMemberships or another fake with list_members / list_memberships
        customers: InMemoryCustomers | None = None,
        *,
        companies: Any = None,
        invoices: InMemoryInvoices | None = None,
    ) -> None:
        self.memberships = memberships
        self.customers = customers or InMemoryCustomers()
        self.companies = companies  # an InMemoryCompanies: its grants and facility ids
        self.invoices = invoices
        self.reads = 0

    def customer_record(self, customer_number: str, *, invoices: bool = False) -> CustomerRecord:
        self.reads += 1
        facilities = self.customers.list_facilities(customer_number)
        known = {f.id for f in facilities}
        if self.companies is not None:
            address = ADDRESS
            facilities += [
                Facility(id=f, customer_number=customer_number, name=f, address=address)
                for f in self.companies.facilities.get(customer_number, [])
                if f not in known
            ]
        grants = [g for g in self.companies.grants if g.customer_number == customer_number] if self.companies else []
        return CustomerRecord(
            number=customer_number,
            customer=self.customers.get_customer(customer_number),
            facilities=tuple(facilities),
            meters=tuple(self.customers.list_meters(customer_number)),
            memberships=tuple(self.memberships.list_members(customer_number)),
            grants=tuple(sorted(grants, key=lambda g: g.org_number)),
            invoices=tuple(self.invoices.list_invoices(customer_number)) if invoices and self.invoices else None,
        )

    def list_memberships(self, user_id: str) -> list[Membership]:
        return self.memberships.list_memberships(user_id)


# --- readings and daily consumption ----------------------------------------------------


class InMemoryReadings:
    def __init__(self) -> None:
        self.readings: dict[tuple[str, date], Reading] = {}
        self.daily: dict[tuple[str, date], DailyConsumption] = {}
        self.writes = 0

    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        return sorted(
            (r for (m, d), r in self.readings.items() if m == meter_number and start <= d <= end),
            key=lambda r: r.read_on,
        )

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        candidates = [r for (m, d), r in self.readings.items() if m == meter_number and (before is None or d <= before)]
        return max(candidates, key=lambda r: r.read_on) if candidates else None

    def add_reading(self, reading: Reading) -> Reading:
        key = (reading.meter_number, reading.read_on)
        existing = self.readings.get(key)
        if existing is None or existing.estimated:
            self.readings[key] = reading
            self.writes += 1
            return reading
        if existing.value == reading.value:
            return existing  # a retry of the same submission: stored once
        raise Conflict(
            "A different reading is already recorded for this meter and date.",
            code="reading_duplicate",
            params={"date": reading.read_on.isoformat()},
        )

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        return sorted(
            (c for (m, d), c in self.daily.items() if m == meter_number and start <= d < end),
            key=lambda c: c.day,
        )

    def add_daily(self, *days: DailyConsumption) -> None:
        for day in days:
            self.daily[(day.meter_number, day.day)] = day


# --- invoices ---------------------------------------------------------------------


class InMemoryInvoices:
    def __init__(self) -> None:
        self.invoices: dict[tuple[str, int], Invoice] = {}
        self.billed: dict[tuple[str, str, str], int] = {}
        self.counter = 0
        self.emailed: set[tuple[str, int]] = set()

    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        marker = (draft.customer_number, draft.period.key, kind_key)
        if marker in self.billed:
            return StoredInvoice(self.invoices[(draft.customer_number, self.billed[marker])], created=False)
        number = self.counter + 1
        invoice = draft.model_copy(update={"number": number, "payment_reference": reference(number)})
        # Counter, marker and invoice change together, like the DynamoDB transaction.
        self.counter = number
        self.billed[marker] = number
        self.invoices[(invoice.customer_number, number)] = invoice
        return StoredInvoice(invoice, created=True)

    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None:
        number = self.billed.get((customer_number, period.key, kind_key))
        return None if number is None else self.invoices.get((customer_number, number))

    def get_invoice(self, customer_number: str, number: int) -> Invoice | None:
        return self.invoices.get((customer_number, number))

    def list_invoices(self, customer_number: str) -> list[Invoice]:
        return sorted(
            (i for (c, _), i in self.invoices.items() if c == customer_number), key=lambda i: i.number, reverse=True
        )

    def all_numbers(self) -> list[int]:
        return sorted(number for (_, number) in self.invoices)

    def set_pdf_key(self, customer_number: str, number: int, key: str) -> None:
        invoice = self.invoices[(customer_number, number)]  # KeyError ~ attribute_exists(PK) failing
        self.invoices[(customer_number, number)] = invoice.model_copy(update={"pdf_key": key})

    def claim_email(self, customer_number: str, number: int) -> bool:
        if (customer_number, number) not in self.invoices:
            raise KeyError((customer_number, number))
        if (customer_number, number) in self.emailed:
            return False
        self.emailed.add((customer_number, number))
        return True

    def release_email_claim(self, customer_number: str, number: int) -> None:
        self.emailed.discard((customer_number, number))


# --- spot prices, billing runs --------------------------------------------------------


class InMemorySpotPrices:
    def __init__(self, prices: dict[tuple[str, str], Decimal] | None = None) -> None:
        self.prices = dict(prices or {})
        self.asked: list[tuple[str, str]] = []

    def spot_price(self, zone: str, month: str) -> Decimal | None:
        self.asked.append((zone, month))
        return self.prices.get((zone, month))


class InMemoryBillingRuns:
    def __init__(self) -> None:
        self.failures: dict[str, dict[str, dict[str, str]]] = {}
        self.summaries: dict[str, dict[str, object]] = {}

    def record_failure(self, run_id: str, period: str, customer_number: str, reason: str) -> None:
        self.failures.setdefault(run_id, {})[customer_number] = {
            "customer_number": customer_number,
            "period": period,
            "reason": reason[:500],
        }

    def list_failures(self, run_id: str) -> list[dict[str, str]]:
        return [
            {"customer_number": f["customer_number"], "reason": f["reason"]}
            for _, f in sorted(self.failures.get(run_id, {}).items())
        ]

    def save_summary(self, run_id: str, summary: dict[str, object]) -> None:
        self.summaries[run_id] = summary


# --- documents and mail ------------------------------------------------------------------


class InMemoryDocuments:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.puts = 0

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.puts += 1
        self.objects[key] = (body, content_type)

    def get(self, key: str) -> bytes:
        return self.objects[key][0]

    def presigned_url(self, key: str, filename: str, expires_seconds: int) -> str:
        if key not in self.objects:
            raise KeyError(key)
        return f"https://documents.example/{key}?filename={filename}&expires={expires_seconds}"


@dataclass(frozen=True)
class SentEmail:
    recipient: str
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes, str]]


class InMemoryMailer:
    def __init__(self) -> None:
        self.sent: list[SentEmail] = []
        # Errors raised by the next sends, in order (an SES outage, say).
        self.fail_next: list[Exception] = []

    def send(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        attachments: list[tuple[str, bytes, str]] | None = None,
    ) -> str:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append(SentEmail(recipient, subject, text, html, list(attachments or [])))
        return f"message-{len(self.sent)}"


# --- builders for test data ------------------------------------------------------------------

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


@dataclass
class World:
    """All fakes wired together, as the composition root wires the adapters."""

    clock: FixedClock
    customers: InMemoryCustomers = field(default_factory=InMemoryCustomers)
    memberships: InMemoryMemberships = field(default_factory=InMemoryMemberships)
    readings: InMemoryReadings = field(default_factory=InMemoryReadings)
    invoices: InMemoryInvoices = field(default_factory=InMemoryInvoices)
    spot_prices: InMemorySpotPrices = field(default_factory=InMemorySpotPrices)
    runs: InMemoryBillingRuns = field(default_factory=InMemoryBillingRuns)
    documents: InMemoryDocuments = field(default_factory=InMemoryDocuments)
    mailer: InMemoryMailer = field(default_factory=InMemoryMailer)

    def scope(self, who: Principal, customer_number: str) -> Scope:
        """The person's scope on the customer, as the edge resolves it."""
        records = InMemoryCustomerRecords(self.memberships, self.customers, invoices=self.invoices)
        return AccessService(records).scope(who, customer_number)


if TYPE_CHECKING:  # mypy checks that every fake satisfies its port
    from heatportal import ports
    from heatportal.services.access import CustomerRecords

    _clock: ports.Clock = FixedClock(date(2000, 1, 1))
    _customers: ports.CustomerRepository = InMemoryCustomers()
    _memberships: ports.MembershipRepository = InMemoryMemberships()
    _records: CustomerRecords = InMemoryCustomerRecords(InMemoryMemberships())
    _readings: ports.ReadingRepository = InMemoryReadings()
    _invoices: ports.InvoiceRepository = InMemoryInvoices()
    _spot: ports.SpotPriceRepository = InMemorySpotPrices()
    _runs: ports.BillingRunRepository = InMemoryBillingRuns()
    _documents: ports.DocumentStore = InMemoryDocuments()
    _mailer: ports.Mailer = InMemoryMailer()
