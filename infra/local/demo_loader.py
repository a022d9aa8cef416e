"""Load the generated demo data set into the local stack.

Customers, facilities, meters, readings and daily consumption (and, for the
canonical customer's heat meters, hourly values of the last days:
infra.local.demo.intervals) go to DynamoDB
through the same item mapping the functions use; demo logins become real
Cognito users; past invoices are produced by the real billing service, as a
bill run's batches produce them.
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from heatportal.adapters.dynamo import (
    DynamoRepository,
    DynamoTable,
    daily_item,
    facility_item,
    membership_item,
    meter_item,
    reading_item,
)
from heatportal.adapters.dynamo_companies import DynamoCompanyStore
from heatportal.adapters.dynamo_names import customer_with_name_items
from heatportal.adapters.dynamo_readings import agreement_item, interval_item, month_items
from heatportal.adapters.storage import S3DocumentStore
from heatportal.domain.model import (
    BillingPeriod,
    Customer,
    DailyConsumption,
    Invoice,
    InvoiceStatus,
    Membership,
    MeterKind,
    Role,
)
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.secrets import hash_secret
from heatportal.services.billing.issuing import InvoiceIssuer
from heatportal.services.billing.run import BATCH_SIZE
from heatportal.services.portfolio.projection import SpotYears
from infra.local import in_process
from infra.local.demo import DemoDataset, DemoUser, PortfolioDemo, generate
from infra.local.demo.intervals import with_hours
from infra.local.resources import LocalResources, clients

HISTORY_INVOICE_MONTHS = 3


def _create_users(resources: LocalResources, users: list[DemoUser], repo: DynamoRepository) -> dict[str, str]:
    """Cognito users and their memberships; returns e-mail -> user id (sub)."""
    cognito = clients(resources.endpoint)["cognito-idp"]
    memberships = []
    subs: dict[str, str] = {}
    for user in users:
        cognito.admin_create_user(
            UserPoolId=resources.user_pool_id,
            Username=user.email,
            UserAttributes=[
                {"Name": "email", "Value": user.email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": user.name},
            ],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=resources.user_pool_id, Username=user.email, Password=user.password, Permanent=True
        )
        if user.staff:
            cognito.admin_add_user_to_group(UserPoolId=resources.user_pool_id, Username=user.email, GroupName="staff")
        attributes = cognito.admin_get_user(UserPoolId=resources.user_pool_id, Username=user.email)["UserAttributes"]
        sub = next(a["Value"] for a in attributes if a["Name"] == "sub")
        subs[user.email] = sub
        for customer_number, role in user.memberships:
            memberships.append(
                membership_item(Membership(user_id=sub, customer_number=customer_number, role=role, email=user.email))
            )
    repo.table.batch_put(memberships)
    return subs


def _management_company(repo: DynamoRepository, dataset: DemoDataset, subs: dict[str, str], today: date) -> None:
    """The demo management company: registered by its administrator,
    granted one facility of a business customer with full access, registered a
    second customer itself (read only, every facility), and invited by a third
    customer (waiting for the company to accept)."""
    from heatportal.adapters.dynamo_accounts import DynamoAccountStore
    from heatportal.domain.accounts import AuditEntry
    from heatportal.domain.companies import (
        CompanyGrant,
        Organisation,
        OrgAuditEntry,
        OrgMember,
        OrgRole,
        normalize_org_number,
    )

    admin = next((u for u in dataset.users if u.organisation and u.org_role == "admin"), None)
    if admin is None or admin.organisation is None:
        return
    store = DynamoCompanyStore(repo.table)
    accounts = DynamoAccountStore(repo.table)
    country = dataset.customers[0].address.country
    number, name = normalize_org_number(admin.organisation[0], country), admin.organisation[1]
    at = datetime.combine(today - timedelta(days=40), time(9), tzinfo=UTC)
    member = OrgMember(org_number=number, user_id=subs[admin.email], email=admin.email, role=OrgRole.ADMIN)
    org = Organisation(number=number, name=name, created_at=at, created_by=admin.email)
    store.create_organisation(org, member, OrgAuditEntry(number, at, admin.email, "registered", name))
    for manager in (u for u in dataset.users if u.organisation == admin.organisation and u.org_role == "manager"):
        joined = OrgMember(org_number=number, user_id=subs[manager.email], email=manager.email, role=OrgRole.MANAGER)
        joining = OrgAuditEntry(number, at + timedelta(days=1), manager.email, "joined", manager.email, "manager")
        store.write_org_change(number, store.org_version(number), joining, put=joined)
    businesses = [c for c in dataset.customers if c.org_number][:3]
    facilities = {
        c.number: sorted(f.id for f in dataset.facilities if f.customer_number == c.number) for c in businesses
    }
    plans: list[tuple[Role, frozenset[str] | None, str, str]] = [
        (Role.FULL, frozenset(facilities[businesses[0].number][:1]), "active", "company_accepted"),
        (Role.READ, None, "active", "company_registered"),
        (Role.FULL, None, "pending", "company_invited"),
    ]
    for customer, (role, chosen, status, action) in zip(businesses, plans, strict=False):
        grant = CompanyGrant(
            customer_number=customer.number,
            org_number=number,
            role=role,
            facilities=chosen,
            status=status,  # type: ignore[arg-type]
            granted_by=admin.email if action == "company_registered" else (customer.email or admin.email),
            # An invitation lasts 14 days: the waiting one was sent three days ago.
            granted_at=at if status == "active" else at + timedelta(days=37),
        )
        audit = AuditEntry(customer.number, grant.granted_at, grant.granted_by, action, number, role=role)  # type: ignore[arg-type]
        store.write_grant_change(customer.number, accounts.access_version(customer.number), audit, put=grant)


DEMO_INTERRUPTION = {
    "nb": (
        "Planlagt vedlikehold av fjernvarmenettet",
        "Varmen kan bli borte i inntil seks timer mens vi bytter ventiler.",
    ),
    "sv": (
        "Planerat underhåll av fjärrvärmenätet",
        "Värmen kan vara borta i upp till sex timmar medan vi byter ventiler.",
    ),
    "nl": ("Gepland onderhoud aan het warmtenet", "De warmte kan tot zes uur wegvallen terwijl we kleppen vervangen."),
    "de": (
        "Geplante Wartung am Fernwärmenetz",
        "Die Wärme kann bis zu sechs Stunden ausfallen, während wir Ventile tauschen.",
    ),
    "en": (
        "Planned maintenance of the district heating network",
        "Heat may be off for up to six hours while we replace valves.",
    ),
}


def _announce_interruption(table: DynamoTable, profile: UtilityProfile, today: date) -> None:
    """One planned interruption in nine days, so the start page shows its banner."""
    from zoneinfo import ZoneInfo

    from heatportal.adapters.interruptions import DynamoInterruptions
    from heatportal.domain.interruption import ServiceInterruption

    title, details = DEMO_INTERRUPTION[profile.default_language]
    starts = datetime.combine(today + timedelta(days=9), time(8), tzinfo=ZoneInfo(profile.timezone))
    DynamoInterruptions(table).put_interruption(
        ServiceInterruption(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-interruption-{profile.id}").hex,
            planned=True,
            starts_at=starts,
            ends_at=starts + timedelta(hours=6),
            title=title,
            details=details,
        )
    )


DEMO_CONTACT_REQUESTS = {
    "nb": [
        ("Flytting", "Vi flytter 1. neste måned. Hvordan melder vi flytting og siste målerstand?"),
        ("Faktura", "Fakturaen for forrige måned virker høy. Kan dere sjekke målerstanden?"),
        ("Avtale om SMS", "Kan dere sette opp SMS-avlesning på mobilnummeret mitt?"),
    ],
    "sv": [
        ("Flytt", "Vi flyttar den 1:a nästa månad. Hur anmäler vi flytten och sista mätarställningen?"),
        ("Faktura", "Förra månadens faktura verkar hög. Kan ni kontrollera mätarställningen?"),
        ("Avläsning via sms", "Kan ni ordna avläsning via sms på mitt mobilnummer?"),
    ],
    "nl": [
        ("Verhuizing", "Wij verhuizen de 1e van volgende maand. Hoe geven we de verhuizing en de meterstand door?"),
        ("Factuur", "De factuur van vorige maand lijkt hoog. Kunt u de meterstand controleren?"),
        ("Voorschot", "Kan mijn voorschot omlaag? Ons verbruik is gedaald."),
    ],
    "de": [
        ("Umzug", "Wir ziehen zum 1. des nächsten Monats um. Wie melden wir den Umzug und den Zählerstand?"),
        ("Rechnung", "Die Rechnung des letzten Monats erscheint hoch. Können Sie den Zählerstand prüfen?"),
        ("Abschlag", "Kann mein Abschlag gesenkt werden? Unser Verbrauch ist gesunken."),
    ],
    "en": [
        ("Moving out", "We move out on the 1st of next month. How do we report the move and the final reading?"),
        ("Invoice", "Last month's invoice looks high. Could you check the meter reading?"),
        ("SMS readings", "Could you set up SMS readings on my mobile number?"),
    ],
}


def _contact_requests(table: DynamoTable, dataset: DemoDataset, profile: UtilityProfile) -> None:
    """A few open contact requests, so customer service has a list to work through."""
    from heatportal.adapters.dynamo_accounts import DynamoProfileStore
    from heatportal.domain.accounts import ContactRequest

    store = DynamoProfileStore(table)
    now = datetime.now(UTC).replace(microsecond=0)
    texts = DEMO_CONTACT_REQUESTS[profile.default_language]
    for index, (customer, (subject, message)) in enumerate(zip(dataset.customers[1:], texts, strict=False)):
        store.add_contact_request(
            ContactRequest(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-contact-{profile.id}-{index}").hex[:16],
                customer_number=customer.number,
                at=now - timedelta(hours=5 * index + 1),
                sender=customer.email or f"{customer.number}@example.com",
                subject=subject,
                message=message,
                phone=customer.phone or "",
            )
        )


def _reminder_agreements(dataset: DemoDataset, profile: UtilityProfile) -> list[dict[str, Any]]:
    """Some demo customers chose reading reminders: by SMS (and answer with the
    keyword) or by email (with a reading link), so the reminders job has work."""
    from heatportal.domain.phone import normalise_phone
    from heatportal.domain.reminders import ReminderAgreement

    items = []
    meters = {m.customer_number: m for m in reversed(dataset.meters) if m.removed_on is None}
    for index, customer in enumerate(dataset.customers[:12]):
        meter = meters.get(customer.number)
        phone = normalise_phone(customer.phone or "", profile.country)
        address = phone if index % 2 == 0 and phone else customer.email
        if meter is None or address is None:
            continue
        agreement = ReminderAgreement(
            channel="sms" if address == phone else "email",
            address=address,
            meter_number=meter.number,
            customer_number=customer.number,
            language=customer.language,
        )
        items.append(agreement_item(agreement))
    return items


Progress = Callable[[str], None]


def _quiet(_step: str) -> None:
    return None


def _demo_alerts(repo: DynamoRepository, dataset: DemoDataset, today: date) -> None:
    """The canonical demo customer watches its facility: a return-temperature
    limit its heat went over yesterday (the evaluation has run every day
    before, so yesterday's breach is new), consumption above expected and
    silence. The real evaluation then tells it: a notification in the portal
    and the e-mail in the outbox."""
    from decimal import ROUND_FLOOR, Decimal

    from heatportal import composition
    from heatportal.adapters.dynamo_alerts import DynamoAlertStore, alert_state_item
    from heatportal.domain.alerts import AlertRule, AlertSettings, AlertState, Channel, Measure, Supply

    customer = dataset.customers[0]
    meter = next((m for m in dataset.meters if m.customer_number == customer.number and m.kind.value == "heat"), None)
    yesterday = today - timedelta(days=1)
    row = next((d for d in dataset.daily if meter and d.meter_number == meter.number and d.day == yesterday), None)
    if meter is None or row is None or row.mean_return_temp is None:
        return
    limit = (row.mean_return_temp - Decimal("1.5")).to_integral_value(rounding=ROUND_FLOOR)
    told = frozenset({Channel.PORTAL, Channel.EMAIL})
    DynamoAlertStore(repo.table).put_settings(
        AlertSettings(
            customer_number=customer.number,
            facility_id=meter.facility_id,
            rules=(
                AlertRule(
                    supply=Supply.HEATING, measure=Measure.RETURN_TEMPERATURE, summer=limit, winter=limit, channels=told
                ),
                AlertRule(
                    supply=Supply.HEATING, measure=Measure.ABOVE_EXPECTED, percent=Decimal(20), days=30, channels=told
                ),
                AlertRule(supply=Supply.HEATING, measure=Measure.NO_DATA, hours=48, channels=told),
            ),
            updated_at=datetime.combine(today - timedelta(days=20), time(10), tzinfo=UTC),
            updated_by=customer.email or "demo@example.com",
        )
    )
    repo.table.put(
        alert_state_item(
            AlertState(
                customer_number=customer.number,
                facility_id=meter.facility_id,
                evaluated_through=yesterday - timedelta(days=1),
            )
        )
    )
    composition.alert_evaluation().run(yesterday)


@contextmanager
def days_answered_from(repository: DynamoRepository, stored: Iterable[DailyConsumption]) -> Iterator[None]:
    """While the demo's history is billed: each meter's daily values answered
    from the rows the loader has just stored (``stored``: exactly those, no
    more), instead of a Query of moto per bill; nothing writes daily values
    meanwhile. tests/integration/test_local_moto_patches.py holds the answers
    to the store's."""
    days: dict[str, list[DailyConsumption]] = {}
    for row in sorted(stored, key=lambda d: d.day):
        days.setdefault(row.meter_number, []).append(row)

    def daily_consumption(meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        return [d for d in days.get(meter_number, ()) if start <= d.day < end]

    repository.daily_consumption = daily_consumption  # type: ignore[method-assign]
    try:
        yield
    finally:
        del repository.daily_consumption  # the class's method again


# The second process that draws the demo history's invoice PDFs (see pdfs_drawn_aside).
_drawing: dict[str, UtilityProfile] = {}


def _drawer_ready(profile: UtilityProfile) -> None:
    from heatportal.documents import invoice_pdf  # noqa: F401 - imported before the first invoice arrives

    _drawing["profile"] = profile


def _draw(invoice: Invoice, customer: Customer) -> bytes:
    from heatportal.documents.invoice_pdf import render_invoice_pdf

    return render_invoice_pdf(invoice, customer, _drawing["profile"])


def second_process(profile: UtilityProfile) -> ProcessPoolExecutor:
    """A process of its own (the machine's other core) that draws invoice PDFs
    (and writes the API's docs), started (and importing reportlab) while this
    one stores the demo data."""
    drawer = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_drawer_ready, initargs=(profile,)
    )
    drawer.submit(int)  # the process starts at the first task: now
    return drawer


@dataclass
class _Drawing:
    """An invoice's PDF being drawn in the second process (or, when this one
    got to it first, here)."""

    invoice: Invoice
    customer: Customer
    aside: Future[bytes]
    here: bytes | None = None

    def body(self) -> bytes:
        return self.here if self.here is not None else self.aside.result()


@contextmanager
def pdfs_drawn_aside(issuer: InvoiceIssuer, drawer: ProcessPoolExecutor) -> Iterator[None]:
    """While the demo's history is billed: each invoice's PDF is drawn by the
    same function in ``drawer`` (the machine's other core) while this process
    bills the next account, and put in the bucket under the key the invoice
    records when the block ends. Then this process, its own work done, draws
    from the last of those not yet begun while ``drawer`` goes on from the
    first, so both cores finish them. The issuer's renderer and document store
    are its own again afterwards."""
    render, documents = issuer.render_pdf, issuer.documents
    drawn: list[tuple[str, _Drawing, str]] = []

    class Later:
        @staticmethod
        def put(key: str, body: _Drawing, content_type: str) -> None:
            drawn.append((key, body, content_type))

    def aside(invoice: Invoice, customer: Customer, _profile: UtilityProfile) -> _Drawing:
        return _Drawing(invoice, customer, drawer.submit(_draw, invoice, customer))

    issuer.render_pdf = aside  # type: ignore[assignment]
    issuer.documents = Later  # type: ignore[assignment]
    try:
        yield
    finally:
        issuer.render_pdf, issuer.documents = render, documents
    for _key, drawing, _content_type in reversed(drawn):
        if not drawing.aside.cancel():  # begun (or done) aside: the rest is too
            break
        drawing.here = render(drawing.invoice, drawing.customer, issuer.profile)
    # Put in the same bucket, moto answering in this process (no HTTP hop).
    store = (
        S3DocumentStore(in_process.client("s3"), documents.bucket)
        if isinstance(documents, S3DocumentStore)
        else documents
    )
    for key, drawing, content_type in drawn:
        store.put(key, drawing.body(), content_type)


def load_demo(
    resources: LocalResources,
    profile: UtilityProfile,
    today: date | None = None,
    customers: int = 60,
    portfolio: int | None = None,
    progress: Progress = _quiet,
    drawer: ProcessPoolExecutor | None = None,
) -> DemoDataset:
    """Generate the demo and load it; ``progress`` hears one line per step;
    ``drawer`` draws the history's PDFs (``second_process``; one of its own
    when not given)."""
    today = today or datetime.now(ZoneInfo(profile.timezone)).date()
    if drawer is not None:
        return _load(resources, profile, today, customers, portfolio, progress, drawer)
    with second_process(profile) as own:
        return _load(resources, profile, today, customers, portfolio, progress, own)


def _load(
    resources: LocalResources,
    profile: UtilityProfile,
    today: date,
    customers: int,
    portfolio: int | None,
    progress: Progress,
    drawer: ProcessPoolExecutor,
) -> DemoDataset:
    from heatportal import composition

    dataset = generate(profile, customers=customers, today=today, portfolio=portfolio)
    progress(f"demo data generated: {len(dataset.customers)} customers, {len(dataset.meters)} meters")
    repo = DynamoRepository(DynamoTable(in_process.client("dynamodb"), resources.table_name))

    # PIN hashing is deliberately slow; scrypt releases the GIL, so it runs on
    # the other core while the readings and daily values are stored.
    with ThreadPoolExecutor(max_workers=2) as pool:
        hashing = pool.map(hash_secret, dataset.pins.values())
        items: list[dict[str, Any]] = [facility_item(f) for f in dataset.facilities]
        items += [meter_item(m) for m in dataset.meters]
        items += [reading_item(r) for r in dataset.readings]
        # The canonical customer's heat meters in use also have hourly values of the last days.
        hourly_meters = [
            m
            for m in dataset.meters
            if m.customer_number == dataset.customers[0].number and m.kind == MeterKind.HEAT and m.removed_on is None
        ]
        intervals, daily = with_hours(hourly_meters, dataset.daily, today, profile.timezone)
        items += [interval_item(v) for v in intervals]
        items += [daily_item(d) for d in daily]
        items += month_items(daily)  # the consumption views read monthly aggregates
        items += _reminder_agreements(dataset, profile)
        items += _advance_items(dataset, profile, today)
        stored = in_process.put_items(resources.table_name, items)
        hashes = dict(zip(dataset.pins, hashing, strict=True))
    # The profile items and their name tokens (staff find customers by name).
    stored += in_process.put_items(
        resources.table_name,
        (
            item
            for c in dataset.customers
            for item in customer_with_name_items(c.model_copy(update={"pin_hash": hashes.get(c.number)}))
        ),
    )
    for (zone, month), price in dataset.spot_prices.items():
        repo.put_spot_price(zone, month, price)
    progress(f"{stored:,} items stored (readings, daily values, customers, meters)")
    subs = _create_users(resources, dataset.users, repo)
    _management_company(repo, dataset, subs, today)
    stored_days = list(daily)
    if dataset.portfolio is not None:
        stored_days += _portfolio_company(resources, repo, dataset.portfolio, today)
    _announce_interruption(repo.table, profile, today)
    _contact_requests(repo.table, dataset, profile)
    _demo_alerts(repo, dataset, today)
    progress(f"{len(dataset.users)} demo logins, the management company, an interruption, contact requests, an alert")

    # Past invoices through the real billing service, in a bill run's batches
    # (BillRun.bill_history), its requests answered by moto in-process; history
    # was delivered long ago, so the outbox shows only new mail.
    history = composition.bill_run()
    current = BillingPeriod(year=today.year, month=today.month)
    periods = []
    period = current.previous()
    for _ in range(HISTORY_INVOICE_MONTHS):
        period = period.previous()
        periods.append(period)
    # The property management company's customers are billed for the newest of
    # these months only: its many meters make each bill long to draw.
    managed = list(dataset.portfolio.customers) if dataset.portfolio else []
    with (
        in_process.answered_in_process(composition.repository().table),
        days_answered_from(composition.repository(), stored_days),
        pdfs_drawn_aside(history.issuer, drawer),
    ):
        for period in reversed(periods):
            billed = [c.number for c in [*dataset.customers, *(managed if period == periods[0] else [])]]
            # In a bill run's batches, each reading what it needs for all its accounts at once.
            for first in range(0, len(billed), BATCH_SIZE):
                issued = history.bill_history(
                    period, billed[first : first + BATCH_SIZE], period.end + timedelta(days=1)
                )
                if period != periods[0]:  # paid, but for the newest month's
                    for number, invoices in issued.items():
                        repo.set_status(number, invoices[0].number, InvoiceStatus.PAID.value)
            progress(f"invoices for {period.key} issued ({len(billed)} customers)")
        _project_portfolio(repo, dataset)
    progress("their PDFs drawn and stored, the portfolio's figures projected")
    return dataset


# The demo company's days are stored from the month its invoices bill (the
# rest of its history as monthly values and in the portfolio's figures),
# which keeps the local stack's start short.


def _portfolio_company(
    resources: LocalResources, repo: DynamoRepository, portfolio: PortfolioDemo, today: date
) -> list[DailyConsumption]:
    """The property management company with its many facilities: its
    customers, facilities, meters and readings, its two logins (an
    administrator and a manager) and its grants (most customers registered by
    the company with every facility, two that granted some facilities).
    Returns the daily values it stored."""
    from heatportal.adapters.dynamo_companies import DynamoCompanyStore, grant_item, org_member_item
    from heatportal.domain.companies import (
        CompanyGrant,
        Organisation,
        OrgAuditEntry,
        OrgMember,
        OrgRole,
        normalize_org_number,
    )

    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = dict(zip(portfolio.pins, pool.map(hash_secret, portfolio.pins.values()), strict=True))
    billed = BillingPeriod(year=today.year, month=today.month).previous().previous()
    recent = billed.start  # the month its invoices bill (see load_demo), with its capacity and flow
    items: list[dict[str, Any]] = []
    for c in portfolio.customers:
        items += customer_with_name_items(c.model_copy(update={"pin_hash": hashes.get(c.number)}))
    items += [facility_item(f) for f in portfolio.facilities]
    items += [meter_item(m) for m in portfolio.meters]
    items += [reading_item(r) for r in portfolio.readings]
    days = [d for d in portfolio.daily if d.day >= recent]
    items += [daily_item(d) for d in days]
    items += month_items(portfolio.daily)
    chunks = [items[i : i + 500] for i in range(0, len(items), 500)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(repo.table.batch_put, chunks))
    subs = _create_users(resources, [portfolio.admin, portfolio.manager], repo)
    store = DynamoCompanyStore(repo.table)
    country = portfolio.customers[0].address.country
    number = normalize_org_number(portfolio.org_number, country)
    at = datetime.combine(today - timedelta(days=400), time(9), tzinfo=UTC)
    admin = OrgMember(number, subs[portfolio.admin.email], portfolio.admin.email, OrgRole.ADMIN)
    organisation = Organisation(number=number, name=portfolio.org_name, created_at=at, created_by=admin.email)
    store.create_organisation(
        organisation, admin, OrgAuditEntry(number, at, admin.email, "registered", portfolio.org_name)
    )
    manager = OrgMember(number, subs[portfolio.manager.email], portfolio.manager.email, OrgRole.MANAGER)
    extra: list[dict[str, Any]] = [org_member_item(manager)]
    for grant in portfolio.grants:
        extra.append(
            grant_item(
                CompanyGrant(
                    customer_number=grant.customer_number,
                    org_number=number,
                    role=grant.role,
                    facilities=frozenset(grant.facilities) if grant.facilities is not None else None,
                    status="active",
                    granted_by=admin.email,
                    granted_at=at,
                )
            )
        )
    repo.table.batch_put(extra)
    return days


def _project_portfolio(repo: DynamoRepository, dataset: DemoDataset) -> None:
    """Every customer's portfolio figures, from the generated days and readings
    (the projection the import and the nightly job keep current)."""
    from heatportal import composition
    from heatportal.adapters.dynamo_customer_record import DynamoCustomerRecords

    customers = list(dataset.customers)
    daily = list(dataset.daily)
    readings = list(dataset.readings)
    if dataset.portfolio is not None:
        customers += dataset.portfolio.customers
        daily += dataset.portfolio.daily
        readings += dataset.portfolio.readings
    days: dict[str, list[Any]] = {}
    for row in daily:
        days.setdefault(row.meter_number, []).append(row)
    last: dict[str, Any] = {}
    for reading in readings:
        if reading.meter_number not in last or last[reading.meter_number].read_on < reading.read_on:
            last[reading.meter_number] = reading
    projector = composition.portfolio_projector()
    records = DynamoCustomerRecords(repo.table)
    spot_years: SpotYears = {}  # one pass: each zone's year read once
    # One after the other: the work is in this process (moto in-process), so
    # threads would only take turns at the interpreter (measured slower).
    for number in (c.number for c in customers):
        record = records.customer_record(number, invoices=True)
        projected = projector.project(
            record,
            {m.number: days.get(m.number, []) for m in record.meters},
            {m.number: last[m.number] for m in record.meters if m.number in last},
            {},
            spot_years,
        )
        projector.store.put_aggregates(projected.aggregates)
        projector.store.put_directory(projected.directory)


def _advance_items(dataset: DemoDataset, profile: UtilityProfile, today: date) -> list[dict[str, Any]]:
    """The demo's monthly advances (advance_yearly profiles), in force since before
    the oldest demo invoice, so the history is billed in advance mode too."""
    from heatportal.adapters.dynamo_billing import advance_item
    from heatportal.domain.payments import AdvancePayment

    since = date(today.year - 2, 1, 1)
    return [
        advance_item(AdvancePayment(customer_number=number, valid_from=since, amount=amount, currency=profile.currency))
        for number, amount in dataset.advance_amounts.items()
    ]
