"""Every customer-scoped route in template.yaml, called as each kind of person,
with the exact status expected in each cell.

The routes come from ``infra.local.template.api_routes()``: a route that has
no row here fails ``test_every_customer_scoped_route_has_a_row``, so no new
route escapes the matrix. Management companies are not built yet, so they
have no column.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import (
    customer_item,
    facility_item,
    membership_item,
    meter_item,
    reading_item,
)
from heatportal.adapters.dynamo_accounts import DynamoAccountStore
from heatportal.domain.accounts import Challenge
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
from infra.local.resources import clients
from infra.local.template import ApiRoute, api_routes
from tests.dates import local_today
from tests.integration.conftest import PASSWORD, month_starts

PERSONAS = ("anonymous", "other_customer", "read", "full", "admin", "staff")
CUSTOMER, OTHER = "910001", "910002"
_fresh = itertools.count(910101)


@dataclass
class World:
    tokens: dict[str, dict[str, str]]
    users: dict[str, tuple[str, str]]  # persona -> (user id, e-mail)
    customer: str
    meter: str
    invoice: int
    repo: Any

    def victim(self) -> str:
        """A fresh read-only member of the customer, to change or remove."""
        user_id = str(uuid.uuid4())
        email = f"victim-{user_id[:8]}@example.com"
        self.repo.table.put(
            membership_item(Membership(user_id=user_id, customer_number=self.customer, role=Role.READ, email=email))
        )
        return user_id

    def invitation(self) -> str:
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            purpose="invite",
            email=f"invitee-{secrets.token_hex(4)}@example.com",
            code_hash="scrypt$00$00",
            expires_at=int(datetime.now(UTC).timestamp()) + 3600,
            language="nb",
            customer_number=self.customer,
            role=Role.READ,
        )
        DynamoAccountStore(self.repo.table).put_challenge(challenge)
        return challenge.id

    def own_link(self, persona: str) -> str:
        """A fresh customer linked to ``persona`` alone (with the role its name
        says), for a call that removes the caller's own link."""
        number = str(next(_fresh))
        _customer(self.repo, number)
        role = {"read": Role.READ, "full": Role.FULL, "admin": Role.ADMIN}.get(persona)
        if role is not None:
            user_id, email = self.users[persona]
            self.repo.table.put(
                membership_item(Membership(user_id=user_id, customer_number=number, role=role, email=email))
            )
        return number


def _customer(repo: Any, number: str) -> Meter:
    address = Address(street="Matrisevegen 1", postcode="0155", city="Oslo", country="NO")
    customer = Customer(
        number=number, name="Matrise AS", email=f"m-{number}@example.com", language="nb", address=address
    )
    facility = Facility(id=f"F{number}", customer_number=number, name="Matrisevegen 1", address=address)
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
    until = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    readings = [
        Reading(
            meter_number=meter.number,
            read_on=day,
            value=Decimal(10000 + 1500 * (i + 1)),
            source=ReadingSource.PORTAL,
            recorded_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        )
        for i, day in enumerate(month_starts(until, 6))
    ]
    repo.table.batch_put(
        [customer_item(customer), facility_item(facility), meter_item(meter), *[reading_item(r) for r in readings]]
    )
    return meter


@pytest.fixture(scope="module")
def world(stack, repo, http) -> World:
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    pool = stack.resources.user_pool_id
    meter = _customer(repo, CUSTOMER)
    _customer(repo, OTHER)
    run = secrets.token_hex(3)

    users: dict[str, tuple[str, str]] = {}

    def person(name: str, customer: str | None, role: Role | None, groups: tuple[str, ...] = ()) -> dict[str, str]:
        email = f"matrix-{name}-{run}@example.com"
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
        attrs = cognito.admin_get_user(UserPoolId=pool, Username=email)["UserAttributes"]
        sub = next(a["Value"] for a in attrs if a["Name"] == "sub")
        users[name] = (sub, email)
        if customer and role:
            repo.table.put(membership_item(Membership(user_id=sub, customer_number=customer, role=role, email=email)))
        resp = http.post("/api/auth/login", json={"username": email, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json['id_token']}"}

    tokens = {
        "anonymous": {},
        "other_customer": person("other_customer", OTHER, Role.ADMIN),
        "read": person("read", CUSTOMER, Role.READ),
        "full": person("full", CUSTOMER, Role.FULL),
        "admin": person("admin", CUSTOMER, Role.ADMIN),
        # A second administrator, so role changes never hit the last-admin rule.
        "_admin2": person("admin2", CUSTOMER, Role.ADMIN),
        "staff": person("staff", None, None, groups=("staff",)),
    }
    period = BillingPeriod(year=local_today().year, month=local_today().month).previous().previous()
    repo.put_spot_price("NO1", period.key, Decimal("0.7311"))
    invoice, _ = composition.billing_service().bill_account(CUSTOMER, period, issued_on=period.end)
    return World(tokens=tokens, users=users, customer=CUSTOMER, meter=meter.number, invoice=invoice.number, repo=repo)


Call = Callable[[World, str], tuple[dict[str, str], dict[str, Any] | None]]
"""Per cell: the path parameters and the JSON body (fresh targets where the call changes them)."""


def _params(**extra: Callable[[World], str]) -> Call:
    def build(w: World, _persona: str) -> tuple[dict[str, str], dict[str, Any] | None]:
        return {"customer": w.customer, **{k: f(w) for k, f in extra.items()}}, None

    return build


def _with_body(call: Call, body: Callable[[World], dict[str, Any]]) -> Call:
    def build(w: World, persona: str) -> tuple[dict[str, str], dict[str, Any] | None]:
        return call(w, persona)[0], body(w)

    return build


def _own_link(w: World, persona: str) -> tuple[dict[str, str], dict[str, Any] | None]:
    return {"customer": w.own_link(persona)}, None


meter: Callable[[World], str] = lambda w: w.meter  # noqa: E731 - table cells read best as lambdas
invoice: Callable[[World], str] = lambda w: str(w.invoice)  # noqa: E731


def first_reading_date(w: World) -> str:
    return w.repo.list_readings(w.meter, date(2020, 1, 1), local_today())[0].read_on.isoformat()


#          anonymous other read full admin staff
READ = (401, 403, 200, 200, 200, 200)
WRITE = (401, 403, 403, 201, 201, 201)
CHANGE = (401, 403, 403, 200, 200, 200)
ADMIN_READ = (401, 403, 403, 403, 200, 200)
ADMIN_ONLY = (401, 403, 403, 403, 200, 403)
INVITE = (401, 403, 403, 403, 202, 403)

MATRIX: dict[tuple[str, str], tuple[tuple[int, ...], Call]] = {
    ("GET", "/api/customers/{customer}/meters"): (READ, _params()),
    ("GET", "/api/customers/{customer}/meters/{meter}/readings"): (READ, _params(meter=meter)),
    ("POST", "/api/customers/{customer}/meters/{meter}/readings"): (
        WRITE,
        _with_body(_params(meter=meter), lambda w: {"value": "19500", "read_on": local_today().isoformat()}),
    ),
    # Only customer service corrects a stored reading (the oldest seeded one).
    ("PUT", "/api/customers/{customer}/meters/{meter}/readings/{read_on}"): (
        (401, 403, 403, 403, 403, 200),
        _with_body(
            _params(meter=meter, read_on=first_reading_date),
            lambda w: {"value": "11600", "reason": "Avlest feil av kunden"},
        ),
    ),
    ("GET", "/api/customers/{customer}/meters/{meter}/consumption"): (READ, _params(meter=meter)),
    ("GET", "/api/customers/{customer}/invoices"): (READ, _params()),
    ("GET", "/api/customers/{customer}/invoice-overview"): (READ, _params()),
    ("GET", "/api/customers/{customer}/invoices/{number}"): (READ, _params(number=invoice)),
    ("GET", "/api/customers/{customer}/invoices/{number}/pdf"): (READ, _params(number=invoice)),
    # A trial settlement stores nothing, so reading it with entered values is a read.
    ("GET", "/api/customers/{customer}/trial-settlement"): (READ, _params()),
    ("POST", "/api/customers/{customer}/trial-settlement"): (READ, _with_body(_params(), lambda w: {"readings": []})),
    ("POST", "/api/customers/{customer}/meters/{meter}/reminders"): (
        WRITE,
        _with_body(_params(meter=meter), lambda w: {"channel": "email"}),
    ),
    ("GET", "/api/customers/{customer}/economy"): (READ, _params()),
    ("GET", "/api/customers/{customer}/economy/pdf"): (READ, _params()),
    # The stack runs the Norwegian profile (monthly billing, no advances): past
    # the access check the answer is 404, before it 401/403 as everywhere.
    ("GET", "/api/customers/{customer}/advance-payment"): ((401, 403, 404, 404, 404, 404), _params()),
    ("PUT", "/api/customers/{customer}/advance-payment"): (
        (401, 403, 403, 404, 404, 404),
        _with_body(_params(), lambda w: {"amount": "1500.00", "desired_from": local_today().isoformat()}),
    ),
    ("GET", "/api/customers/{customer}/users"): (ADMIN_READ, _params()),
    ("POST", "/api/customers/{customer}/users"): (
        INVITE,
        _with_body(_params(), lambda w: {"email": f"new-{secrets.token_hex(4)}@example.com", "role": "read"}),
    ),
    ("PUT", "/api/customers/{customer}/users/{user}"): (
        ADMIN_ONLY,
        _with_body(_params(user=World.victim), lambda w: {"role": "full"}),
    ),
    ("DELETE", "/api/customers/{customer}/users/{user}"): (ADMIN_ONLY, _params(user=World.victim)),
    ("DELETE", "/api/customers/{customer}/invitations/{invitation}"): (
        ADMIN_ONLY,
        _params(invitation=World.invitation),
    ),
    ("GET", "/api/customers/{customer}/audit"): (ADMIN_READ, _params()),
    ("GET", "/api/customers/{customer}/profile"): (READ, _params()),
    ("PUT", "/api/customers/{customer}/profile/contact"): (
        CHANGE,
        _with_body(_params(), lambda w: {"phone": "+47 912 34 567"}),
    ),
    ("PUT", "/api/customers/{customer}/profile/billing-address"): (
        CHANGE,
        _with_body(
            _params(), lambda w: {"street": "Matrisevegen 2", "postcode": "0155", "city": "Oslo", "password": PASSWORD}
        ),
    ),
    ("PUT", "/api/customers/{customer}/profile/bank-account"): (
        CHANGE,
        _with_body(
            _params(),
            lambda w: {
                "iban": "NO93 8601 1117 947",
                "holder": "Matrise AS",
                "valid_from": (local_today() + timedelta(days=40)).isoformat(),
                "password": PASSWORD,
            },
        ),
    ),
    ("POST", "/api/customers/{customer}/contact-requests"): (
        (401, 403, 201, 201, 201, 201),
        _with_body(_params(), lambda w: {"subject": "Faktura", "message": "Hei", "phone": "+4791234567"}),
    ),
    # Everyone may remove their own link; staff and strangers have none to remove.
    ("DELETE", "/api/me/links/{customer}"): ((401, 403, 200, 200, 200, 403), _own_link),
}


def rows_missing(routes: list[ApiRoute]) -> set[tuple[str, str]]:
    """Customer-scoped routes (a ``{customer}`` in the path) without a matrix row."""
    return {(r.method, r.path) for r in routes if "{customer}" in r.path} - set(MATRIX)


def test_every_customer_scoped_route_has_a_row():
    routes = api_routes()
    assert rows_missing(routes) == set(), "add a row to MATRIX for each new customer-scoped route"
    scoped = {(r.method, r.path) for r in routes if "{customer}" in r.path}
    assert set(MATRIX) - scoped == set(), "MATRIX has rows for routes that no longer exist"


def test_a_route_added_without_a_row_is_caught():
    added = ApiRoute(
        function="AuthFunction",
        code_dir="functions/auth",
        method="GET",
        path="/api/customers/{customer}/secrets",
        public=False,
    )
    assert rows_missing([*api_routes(), added]) == {("GET", "/api/customers/{customer}/secrets")}


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_each_person_as_the_matrix_says(route, world, http):
    expected, build = MATRIX[route]
    method, template_path = route
    got: dict[str, int] = {}
    for persona in PERSONAS:
        params, payload = build(world, persona)
        path = template_path
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        resp = http.open(path, method=method, json=payload, headers=world.tokens[persona])
        got[persona] = resp.status_code
    assert got == dict(zip(PERSONAS, expected, strict=True))


def test_an_unknown_customer_is_forbidden_not_missing(world, http):
    # Existence is not revealed: an unknown number answers like somebody else's.
    resp = http.get("/api/customers/999998/meters", headers=world.tokens["admin"])
    assert resp.status_code == 403
