"""The contract of every port that has both an in-memory fake (tests/fakes)
and a DynamoDB adapter: each test here runs twice, once against the fakes
wired together and once against the adapters on a fresh table built from
template.yaml in moto (``mock_aws``, in-process, no server), and asserts the
same things of both. A fake that drifts from its adapter fails here, not in
a unit test that trusted it.

``ports.given`` arranges what no port writes (customers, facilities, meters,
memberships, daily values, company members and grants) the way each side
stores it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import boto3
import pytest
from moto import mock_aws

from heatportal.adapters.dynamo import (
    DynamoRepository,
    DynamoTable,
    daily_item,
    facility_item,
    membership_item,
    meter_item,
)
from heatportal.adapters.dynamo_accounts import DynamoAccountStore, DynamoProfileStore, DynamoRateLimitStore
from heatportal.adapters.dynamo_alerts import DynamoAlertStore
from heatportal.adapters.dynamo_billing import DynamoAdvanceRepository, DynamoPaymentRepository
from heatportal.adapters.dynamo_companies import DynamoCompanyStore, grant_item, org_member_item
from heatportal.adapters.dynamo_contracts import DynamoContractStore
from heatportal.adapters.dynamo_corrections import DynamoCorrectionStore, DynamoHoldStore
from heatportal.adapters.dynamo_customer_record import DynamoCustomerRecords
from heatportal.adapters.dynamo_delivery import DynamoDeliveryStore
from heatportal.adapters.dynamo_documents import DynamoPublishedDocuments
from heatportal.adapters.dynamo_meter_lifecycle import DynamoMeterLifecycleStore
from heatportal.adapters.dynamo_meter_settings import DynamoMeterSettingsStore
from heatportal.adapters.dynamo_names import DynamoNameIndex, customer_with_name_items
from heatportal.adapters.dynamo_open_data import DynamoOpenDataStore
from heatportal.adapters.dynamo_portfolio import DynamoPortfolioStore
from heatportal.adapters.dynamo_readings import DynamoReadingsStore
from heatportal.adapters.dynamo_runs import DynamoBillingReader, DynamoBillingRuns
from heatportal.adapters.dynamo_sms_starts import DynamoSmsStarts
from heatportal.adapters.dynamo_spot import DynamoSpotPriceStore
from heatportal.adapters.interruptions import DynamoInterruptions
from heatportal.adapters.signouts import DynamoSignOuts
from heatportal.domain.companies import CompanyGrant, OrgMember
from heatportal.domain.contracts import ContractVersion
from heatportal.domain.model import Customer, DailyConsumption, Facility, Membership, Meter
from heatportal.ports import (
    BillingReader,
    BillingRunRepository,
    CorrectionStore,
    CustomerRepository,
    DeliveryStore,
    HoldRepository,
    InvoiceRepository,
    InvoiceStatusWriter,
    MembershipRepository,
    ReadingRepository,
    SpotPriceRepository,
)
from heatportal.services.access import CompanyDirectory, CustomerRecords
from heatportal.services.accounts.common import AccountStore
from heatportal.services.accounts.search import NameIndex
from heatportal.services.advance import AdvanceRepository
from heatportal.services.alerts.ports import (
    AlertEvaluationStore,
    AlertSettingsStore,
    ConsumptionInfoStore,
    HeldMessageStore,
    MeterData,
    NotificationStore,
)
from heatportal.services.billing.pricing import ContractTerms
from heatportal.services.consumption import ConsumptionRepository
from heatportal.services.contracts.code_signing import CodeOrders
from heatportal.services.contracts.signing import SigningOrders
from heatportal.services.document_store import PublishedDocuments
from heatportal.services.interruptions import InterruptionRepository
from heatportal.services.invoices import PaidAmounts
from heatportal.services.meter_lifecycle import MeterLifecycleStore
from heatportal.services.meter_settings import MeterSettingsStore
from heatportal.services.moving.final_invoice import FinalInvoiceStore, SupplySource
from heatportal.services.moving.move_in import MoveInStore, NewCustomerStore
from heatportal.services.moving.move_out import MoveOutStore
from heatportal.services.open_data.common import OpenDataStore
from heatportal.services.open_data.series import IntervalReader
from heatportal.services.payments import PaymentRepository
from heatportal.services.portfolio.ports import PortfolioSettingsStore, PortfolioStore
from heatportal.services.profile import ProfileStore
from heatportal.services.ratelimit import RateLimitStore
from heatportal.services.reading_confirmations import ConfirmationMarkers
from heatportal.services.reading_corrections import ReadingHistoryStore
from heatportal.services.reading_links import ReadingLinkStore
from heatportal.services.reminders import ReminderStore
from heatportal.services.sessions import SignOutStore
from heatportal.services.smart_meter_import import IntervalStore
from heatportal.services.sms import SmsAgreementStore
from heatportal.services.sms_agreements import PendingStartStore
from heatportal.services.spot_prices import SpotPriceStore
from infra.local.resources import REGION, create_table
from tests.fakes.accounts import InMemoryAccountStore
from tests.fakes.alerts import InMemoryAlertStore
from tests.fakes.companies import InMemoryCompanyDirectory
from tests.fakes.consumption import InMemoryConsumptionRepository
from tests.fakes.contracts import InMemoryContractStore, InMemoryPublishedDocuments
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.delivery import InMemoryDeliveryStore
from tests.fakes.interruptions import InMemoryInterruptionRepository
from tests.fakes.invoices import (
    InMemoryBillingReader,
    InMemoryBillingRunRepository,
    InMemoryCorrectionStore,
    InMemoryHoldStore,
    InMemoryInvoiceRepository,
    InMemoryInvoiceStatusWriter,
)
from tests.fakes.meters import InMemoryMeterLifecycleStore, InMemoryMeterSettingsStore
from tests.fakes.name_index import InMemoryNameIndex
from tests.fakes.open_data import InMemoryOpenDataStore
from tests.fakes.payments import InMemoryAdvanceRepository, InMemoryPaymentRepository
from tests.fakes.portfolio import InMemoryPortfolioStore
from tests.fakes.profile import InMemoryProfileStore
from tests.fakes.ratelimit import InMemoryRateLimitStore
from tests.fakes.readings import InMemoryConfirmationMarkers, InMemoryReadingHistoryStore, InMemoryReadingRepository
from tests.fakes.reminders import InMemoryReminderStore
from tests.fakes.sessions import InMemorySignOutStore
from tests.fakes.sms_starts import InMemoryPendingStartStore
from tests.fakes.spot_prices import InMemorySpotPriceStore


class ContractStore(
    MoveOutStore,
    MoveInStore,
    NewCustomerStore,
    FinalInvoiceStore,
    SupplySource,
    SigningOrders,
    CodeOrders,
    ContractTerms,
    Protocol,
):
    """Every port the contract store implements (adapters.dynamo_contracts)."""

    def put_contract_version(self, version: ContractVersion) -> None: ...


class Given(Protocol):
    """Arranges what no port writes, the way each side stores it."""

    def customer(self, customer: Customer) -> None: ...

    def facility(self, facility: Facility) -> None: ...

    def meter(self, meter: Meter) -> None: ...

    def membership(self, membership: Membership) -> None: ...

    def daily(self, *days: DailyConsumption) -> None: ...

    def org_member(self, member: OrgMember) -> None: ...

    def grant(self, grant: CompanyGrant) -> None: ...


@dataclass
class Ports:
    """Every port with both a fake and an adapter, from one side."""

    given: Given
    customers: CustomerRepository
    memberships: MembershipRepository
    names: NameIndex
    readings: ReadingRepository
    history: ReadingHistoryStore
    confirmations: ConfirmationMarkers
    consumption: ConsumptionRepository
    intervals: IntervalStore
    agreements: SmsAgreementStore
    reminders: ReminderStore
    links: ReadingLinkStore
    invoices: InvoiceRepository
    statuses: InvoiceStatusWriter
    corrections: CorrectionStore
    holds: HoldRepository
    runs: BillingRunRepository
    reader: BillingReader
    deliveries: DeliveryStore
    payments: PaymentRepository
    paid: PaidAmounts
    advances: AdvanceRepository
    spot_prices: SpotPriceStore
    billing_spot_prices: SpotPriceRepository
    accounts: AccountStore
    rate_limits: RateLimitStore
    profiles: ProfileStore
    companies: CompanyDirectory
    records: CustomerRecords
    meter_settings: MeterSettingsStore
    meter_lifecycle: MeterLifecycleStore
    interruptions: InterruptionRepository
    sign_outs: SignOutStore
    sms_starts: PendingStartStore
    portfolio: PortfolioStore
    portfolio_settings: PortfolioSettingsStore
    open_data: OpenDataStore
    interval_reader: IntervalReader
    contracts: ContractStore
    published: PublishedDocuments
    alert_settings: AlertSettingsStore
    alert_evaluation: AlertEvaluationStore
    notifications: NotificationStore
    consumption_info: ConsumptionInfoStore
    meter_data: MeterData
    held_messages: HeldMessageStore


# --- the fakes, wired together ---------------------------------------------------------------


@dataclass
class InMemoryGiven:
    customers: InMemoryCustomerRepository
    memberships: InMemoryMembershipRepository
    accounts: InMemoryAccountStore
    readings: InMemoryReadingRepository
    companies: InMemoryCompanyDirectory

    def customer(self, customer: Customer) -> None:
        self.customers.add_customer(customer)

    def facility(self, facility: Facility) -> None:
        self.customers.add_facility(facility)
        self.companies.facilities.setdefault(facility.customer_number, []).append(facility.id)

    def meter(self, meter: Meter) -> None:
        self.customers.add_meter(meter)

    def membership(self, membership: Membership) -> None:
        self.memberships.add(membership)
        self.accounts.add(membership)

    def daily(self, *days: DailyConsumption) -> None:
        self.readings.add_daily(*days)

    def org_member(self, member: OrgMember) -> None:
        self.companies.members.append(member)

    def grant(self, grant: CompanyGrant) -> None:
        self.companies.grants.append(grant)


def in_memory_ports() -> Ports:
    customers, memberships, readings = (
        InMemoryCustomerRepository(),
        InMemoryMembershipRepository(),
        InMemoryReadingRepository(),
    )
    invoices, accounts = InMemoryInvoiceRepository(), InMemoryAccountStore()
    accounts.customers = customers
    companies = InMemoryCompanyDirectory(memberships)
    consumption, reminders, spot_prices = (
        InMemoryConsumptionRepository(),
        InMemoryReminderStore(),
        InMemorySpotPriceStore(),
    )
    payments = InMemoryPaymentRepository(invoices)
    meter_settings = InMemoryMeterSettingsStore(customers)
    portfolio = InMemoryPortfolioStore()
    contracts, published = InMemoryContractStore(customers, readings), InMemoryPublishedDocuments()
    alerts = InMemoryAlertStore()
    return Ports(
        given=InMemoryGiven(customers, memberships, accounts, readings, companies),
        customers=customers,
        memberships=memberships,
        names=InMemoryNameIndex(customers),
        readings=readings,
        history=InMemoryReadingHistoryStore(readings),
        confirmations=InMemoryConfirmationMarkers(),
        consumption=consumption,
        intervals=consumption,
        agreements=reminders,
        reminders=reminders,
        links=reminders,
        invoices=invoices,
        statuses=InMemoryInvoiceStatusWriter(invoices),
        corrections=InMemoryCorrectionStore(invoices),
        holds=InMemoryHoldStore(),
        runs=InMemoryBillingRunRepository(),
        reader=InMemoryBillingReader(customers, invoices),
        deliveries=InMemoryDeliveryStore(),
        payments=payments,
        paid=payments,
        advances=InMemoryAdvanceRepository(),
        spot_prices=spot_prices,
        billing_spot_prices=spot_prices,
        accounts=accounts,
        rate_limits=InMemoryRateLimitStore(),
        profiles=InMemoryProfileStore(customers),
        companies=companies,
        records=InMemoryCustomerRecords(
            memberships,
            customers,
            companies=companies,
            invoices=invoices,
            contracts=contracts,
            documents=published,
            alerts=alerts,
            accounts=accounts,
        ),
        meter_settings=meter_settings,
        meter_lifecycle=InMemoryMeterLifecycleStore(customers, readings, meter_settings),
        interruptions=InMemoryInterruptionRepository(),
        sign_outs=InMemorySignOutStore(),
        sms_starts=InMemoryPendingStartStore(),
        portfolio=portfolio,
        portfolio_settings=portfolio,
        open_data=InMemoryOpenDataStore(accounts.audit, accounts.data_reads),
        interval_reader=consumption,
        contracts=contracts,
        published=published,
        alert_settings=alerts,
        alert_evaluation=alerts,
        notifications=alerts,
        consumption_info=alerts,
        meter_data=consumption,
        held_messages=alerts,
    )


# --- the adapters, on one table ----------------------------------------------------------------


@dataclass
class DynamoGiven:
    table: DynamoTable

    def customer(self, customer: Customer) -> None:
        self.table.batch_put(customer_with_name_items(customer))

    def facility(self, facility: Facility) -> None:
        self.table.put(facility_item(facility))

    def meter(self, meter: Meter) -> None:
        self.table.put(meter_item(meter))

    def membership(self, membership: Membership) -> None:
        self.table.put(membership_item(membership))

    def daily(self, *days: DailyConsumption) -> None:
        self.table.batch_put([daily_item(day) for day in days])

    def org_member(self, member: OrgMember) -> None:
        self.table.put(org_member_item(member))

    def grant(self, grant: CompanyGrant) -> None:
        self.table.put(grant_item(grant))


def dynamo_ports(table: DynamoTable) -> Ports:
    repository, store = DynamoRepository(table), DynamoReadingsStore(table)
    payments, spot_prices = DynamoPaymentRepository(table), DynamoSpotPriceStore(table)
    alerts = DynamoAlertStore(table)
    return Ports(
        given=DynamoGiven(table),
        customers=repository,
        memberships=repository,
        names=DynamoNameIndex(table),
        readings=repository,
        history=store,
        confirmations=store,
        consumption=store,
        intervals=store,
        agreements=store,
        reminders=store,
        links=store,
        invoices=repository,
        statuses=repository,
        corrections=DynamoCorrectionStore(table),
        holds=DynamoHoldStore(table),
        runs=DynamoBillingRuns(table),
        reader=DynamoBillingReader(table),
        deliveries=DynamoDeliveryStore(table),
        payments=payments,
        paid=payments,
        advances=DynamoAdvanceRepository(table),
        spot_prices=spot_prices,
        billing_spot_prices=repository,
        accounts=DynamoAccountStore(table),
        rate_limits=DynamoRateLimitStore(table),
        profiles=DynamoProfileStore(table),
        companies=DynamoCompanyStore(table),
        records=DynamoCustomerRecords(table),
        meter_settings=DynamoMeterSettingsStore(table),
        meter_lifecycle=DynamoMeterLifecycleStore(table),
        interruptions=DynamoInterruptions(table),
        sign_outs=DynamoSignOuts(table),
        sms_starts=DynamoSmsStarts(table),
        portfolio=DynamoPortfolioStore(table),
        portfolio_settings=DynamoPortfolioStore(table),
        open_data=DynamoOpenDataStore(table),
        interval_reader=store,
        contracts=DynamoContractStore(table),
        published=DynamoPublishedDocuments(table),
        alert_settings=alerts,
        alert_evaluation=alerts,
        notifications=alerts,
        consumption_info=alerts,
        meter_data=store,
        held_messages=alerts,
    )


# --- fixtures ------------------------------------------------------------------------------------

# AWS's own endpoints, so the in-process mock answers even when a local stack
# in the same test process has set AWS_ENDPOINT_URL to its moto server.
ENDPOINTS = {
    "dynamodb": f"https://dynamodb.{REGION}.amazonaws.com",
    "s3": f"https://s3.{REGION}.amazonaws.com",
    "sesv2": f"https://email.{REGION}.amazonaws.com",
    "sns": f"https://sns.{REGION}.amazonaws.com",
}


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    """moto in-process for this module. Its data is neither reset when it starts
    nor removed when it stops: a local stack running in the same test process
    (moto's server keeps its data in the same place) keeps its tables. Each
    test gets tables and buckets of its own instead."""
    mock = mock_aws()
    mock.start(reset=False)
    try:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        yield {name: session.client(name, endpoint_url=url) for name, url in ENDPOINTS.items()}  # type: ignore[call-overload]
    finally:
        mock.stop(remove_data=False)


@pytest.fixture
def table(aws: dict[str, Any]) -> Iterator[DynamoTable]:
    """A fresh single table, built from template.yaml."""
    name = create_table(aws["dynamodb"], "Table", f"ports-{uuid.uuid4().hex[:12]}")
    yield DynamoTable(aws["dynamodb"], name)
    aws["dynamodb"].delete_table(TableName=name)


@pytest.fixture(params=["in-memory", "dynamodb"])
def ports(request: pytest.FixtureRequest) -> Ports:
    if request.param == "in-memory":
        return in_memory_ports()
    return dynamo_ports(request.getfixturevalue("table"))
