"""One embedded stack per test process: moto on loopback, resources created
from template.yaml, the real handlers behind the local gateway, no demo data.
Under pytest-xdist every worker is its own process with its own stack (moto
keeps its data per process, the ports are free ones). Each test seeds the
customers it needs with unique numbers.

A test that acts on "every account" (a billing run, the reminder job, a
list of all customers) gets a table of its own: its module overrides ``repo``
with

    @pytest.fixture
    def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
        return repo_of_its_own

and the handlers, ``seed`` and the test all use that table for the test's
duration (the stack's Cognito pool, bucket and outbox stay shared).
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.test import Client

from heatportal.adapters.dynamo import (
    DynamoRepository,
    DynamoTable,
    customer_item,
    facility_item,
    membership_item,
    meter_item,
    reading_item,
)
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    Facility,
    Membership,
    Meter,
    MeterKind,
    Reading,
    ReadingSource,
    Role,
)
from heatportal.domain.money import EnergyUnit
from heatportal.domain.secrets import hash_secret
from infra.local.lambdas import cold_start
from infra.local.resources import clients, create_table
from infra.local.stack import RunningStack, free_port, start
from tests.dates import local_today

PASSWORD = "integration-test-1"
_numbers = itertools.count(200001)


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    running = start(profile_id="no", port=free_port(), demo=False, deliver_in_background=False)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def repo(stack: RunningStack) -> DynamoRepository:
    return DynamoRepository(DynamoTable(clients(stack.resources.endpoint)["dynamodb"], stack.resources.table_name))


@contextmanager
def table_of_its_own(stack: RunningStack) -> Iterator[DynamoRepository]:
    """A fresh single table from template.yaml on the stack's moto server, and
    the stack's handlers on it until the block ends. Nothing in the product
    changes for it: the handlers read TABLE_NAME at cold start, as on Lambda,
    and start cold before and after the block."""
    ddb = clients(stack.resources.endpoint)["dynamodb"]
    name = create_table(ddb, "Table", f"{stack.resources.table_name}-{uuid.uuid4().hex[:8]}")
    shared = os.environ["TABLE_NAME"]
    os.environ["TABLE_NAME"] = name
    cold_start()
    try:
        yield DynamoRepository(DynamoTable(ddb, name))
    finally:
        os.environ["TABLE_NAME"] = shared
        cold_start()
        ddb.delete_table(TableName=name)


@pytest.fixture
def repo_of_its_own(stack: RunningStack) -> Iterator[DynamoRepository]:
    """A fresh table for one test, with the handlers on it (see the module docstring)."""
    with table_of_its_own(stack) as repo:
        yield repo


@pytest.fixture
def period(repo: DynamoRepository) -> BillingPeriod:
    """Last month, as the schedule bills it, with its spot price stored."""
    today = local_today()
    period = BillingPeriod(year=today.year, month=today.month).previous()
    repo.put_spot_price("NO1", period.key, Decimal("0.8512"))
    return period


@pytest.fixture(scope="session")
def http(stack: RunningStack) -> Client:
    return Client(stack.http_server.app)


def create_user(stack: RunningStack, email: str, *, staff: bool = False) -> str:
    """A confirmed Cognito user with the test password; returns its sub."""
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    pool = stack.resources.user_pool_id
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    if staff:
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="staff")
    attrs = cognito.admin_get_user(UserPoolId=pool, Username=email)["UserAttributes"]
    return str(next(a["Value"] for a in attrs if a["Name"] == "sub"))


def bearer(http: Client, email: str) -> dict[str, str]:
    resp = http.post("/api/auth/login", json={"username": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {body(resp)['id_token']}"}


def staff_headers(stack: RunningStack, http: Client, email: str) -> dict[str, str]:
    """Signed-in headers of a customer-service user (Cognito group ``staff``, no membership)."""
    create_user(stack, email, staff=True)
    return bearer(http, email)


@dataclass
class Seeded:
    customer: Customer
    meter: Meter
    email: str
    user_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def month_starts(last: date, months: int) -> list[date]:
    days = []
    year, month = last.year, last.month
    for _ in range(months):
        days.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(days))


@pytest.fixture
def seed(stack: RunningStack, repo: DynamoRepository, http: Client) -> Any:
    def _seed(
        *,
        role: Role = Role.ADMIN,
        monthly_kwh: int = 1500,
        readings_until: date | None = None,
        months: int = 6,
        email: str | None = None,
        pin: str = "123456",
    ) -> Seeded:
        number = str(next(_numbers))
        email = email or f"customer-{number}@example.com"
        address = Address(street="Storgata 1", postcode="0155", city="Oslo", country="NO")
        customer = Customer(
            number=number, name="Kari Nordmann", email=email, phone="+4791234567", language="nb", address=address
        )
        facility = Facility(id=f"F{number}", customer_number=number, name="Storgata 1", address=address)
        meter = Meter(
            number=f"M{number}",
            customer_number=number,
            facility_id=facility.id,
            kind=MeterKind.HEAT,
            unit=EnergyUnit.KWH,
            decimals=0,
            installed_on=date(2020, 1, 1),
            start_value=Decimal(10000),
        )
        # The newest seeded reading is on the 1st of last month, so a reading
        # "today" is always a new, later one whatever day the tests run.
        until = readings_until or (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
        readings = [
            Reading(
                meter_number=meter.number,
                read_on=day,
                value=Decimal(10000 + monthly_kwh * (i + 1)),
                source=ReadingSource.PORTAL,
                recorded_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
            )
            for i, day in enumerate(month_starts(until, months))
        ]
        user_id = create_user(stack, email)
        items = [
            customer_item(customer.model_copy(update={"pin_hash": hash_secret(pin)})),
            facility_item(facility),
            meter_item(meter),
            membership_item(Membership(user_id=user_id, customer_number=number, role=role, email=email)),
            *[reading_item(r) for r in readings],
        ]
        repo.table.batch_put(items)
        token = bearer(http, email)["Authorization"].removeprefix("Bearer ")
        return Seeded(customer, meter, email, user_id, token)

    return _seed


def body(resp: Any) -> Any:
    return json.loads(resp.get_data(as_text=True))
