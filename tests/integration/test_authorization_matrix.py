"""Every customer-scoped route in template.yaml, called as each kind of person,
with the exact status expected in each cell.

The routes come from ``infra.local.template.api_routes()``: a route that has
no row here fails ``test_every_customer_scoped_route_has_a_row``, so no new
route escapes the matrix. Two columns are management companies:
``company`` administers a company granted full access on every facility of the
customer; ``company_other`` administers a company granted full access on a
second facility only (not the one with the meter), so it sees the meter list
(filtered) and nothing that covers the meter or the whole customer.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
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
from heatportal.adapters.dynamo_companies import DynamoCompanyStore, grant_item
from heatportal.adapters.dynamo_open_data import DynamoOpenDataStore
from heatportal.domain.accounts import AuditEntry, Challenge
from heatportal.domain.companies import CompanyGrant, Organisation, OrgAuditEntry, OrgMember, OrgRole
from heatportal.domain.document_store import DocumentType
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
from heatportal.domain.open_data import ProviderShare
from heatportal.services.access import Principal
from heatportal.services.contracts.signing import first_days_ahead
from infra.local.resources import clients
from infra.local.template import ApiRoute, api_routes
from tests.dates import local_today
from tests.integration.conftest import PASSWORD, month_starts

MATRIX_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PERSONAS = ("anonymous", "other_customer", "read", "full", "admin", "company", "company_other", "staff")
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
    org: str  # the company of the ``company`` persona
    extra_facilities: list[str] = field(default_factory=list)  # made by facility_with_meter

    def company_grant(self) -> str:
        """A fresh company with an active grant on the customer, to change or revoke."""
        org = _org_number()
        _grant(self.repo, self.customer, org, None, "active")
        return org

    def company_request(self) -> str:
        """A fresh company that asks for access to the customer (status requested)."""
        org = _org_number()
        _grant(self.repo, self.customer, org, None, "requested")
        return org

    def company_customer(self, status: str) -> str:
        """A fresh customer with a grant (``status``) for the persona's company."""
        number = str(next(_fresh))
        _customer(self.repo, number)
        _grant(self.repo, number, self.org, None, status)
        return number

    def fresh_meter(self) -> str:
        """A fresh meter on the customer's first facility (with a reading), to replace."""
        number = f"MX{secrets.token_hex(4).upper()}"
        meter = Meter(
            number=number,
            customer_number=self.customer,
            facility_id=f"F{self.customer}",
            kind=MeterKind.HEAT,
            unit=EnergyUnit.KWH,
            decimals=0,
            installed_on=date(2020, 1, 1),
            start_value=Decimal(100),
        )
        self.repo.table.put(meter_item(meter))
        return number

    def share(self) -> str:
        """A fresh provider share of the customer's first facility, to revoke."""
        share = ProviderShare(
            id=secrets.token_hex(8),
            token_hash=secrets.token_hex(32),
            customer_number=self.customer,
            provider_name="Matrise Energi",
            provider_email="energi@example.com",
            facilities=frozenset({f"F{self.customer}"}),
            kinds=frozenset({"consumption"}),
            valid_from=local_today(),
            valid_until=local_today() + timedelta(days=30),
            created_by="matrix@example.com",
            created_at=datetime.now(UTC),
            hint="abcd",
        )
        DynamoOpenDataStore(self.repo.table).add_share(
            share, AuditEntry(self.customer, share.created_at, "matrix@example.com", "share_granted", "Matrise Energi")
        )
        return share.id

    def facility_with_meter(self) -> tuple[str, str]:
        """A fresh facility of the customer with a meter in use (to move out of)."""
        suffix = secrets.token_hex(3).upper()
        facility = Facility(
            id=f"H{suffix}",
            customer_number=self.customer,
            name=f"Matrisevegen {suffix}",
            address=Address(street=f"Matrisevegen {suffix}", postcode="0155", city="Oslo", country="NO"),
        )
        meter = Meter(
            number=f"MH{suffix}",
            customer_number=self.customer,
            facility_id=facility.id,
            kind=MeterKind.HEAT,
            unit=EnergyUnit.KWH,
            decimals=0,
            installed_on=date(2020, 1, 1),
            start_value=Decimal(100),
        )
        self.repo.table.batch_put([facility_item(facility), meter_item(meter)])
        # The ``company`` column is granted every facility of the customer: this one too.
        self.extra_facilities.append(facility.id)
        _grant(
            self.repo,
            self.customer,
            self.org,
            frozenset({f"F{self.customer}", f"G{self.customer}", *self.extra_facilities}),
            "active",
        )
        return facility.id, meter.number

    def moved_out_facility(self) -> str:
        """A fresh facility of the customer whose contract ended today (its
        final invoice waiting), moved out by the customer's administrator."""
        facility_id, meter = self.facility_with_meter()
        admin = Principal(user_id=self.users["admin"][0], email=self.users["admin"][1])
        composition.move_out_service().move_out(
            composition.access().scope(admin, self.customer),
            facility_id=facility_id,
            moving_on=local_today(),
            readings={meter: Decimal(150)},
            forwarding=Address(street="Nyvegen 1", postcode="0155", city="Oslo", country="NO"),
            incoming=None,
            confirmed=True,
        )
        return facility_id

    def signing_order(self) -> str:
        """A fresh signing order of the customer's administrator (pending)."""
        admin = Principal(user_id=self.users["admin"][0], email=self.users["admin"][1])
        order = composition.contract_signing().start(
            composition.access().scope(admin, self.customer),
            f"F{self.customer}",
            product=None,
            choices={"price_agreement": "fixed_1y", "green_heat": secrets.choice(["standard", "green"])},
            valid_from=first_days_ahead(local_today())[secrets.randbelow(12)],
            end_user_ip="127.0.0.1",
            language="nb",
        )
        return order.order_ref

    def document(self) -> str:
        """A fresh document published to the whole customer."""
        published = composition.document_store().publish_for(
            self.customer, None, DocumentType.LETTER, "Matrisebrev", "brev.pdf", MATRIX_PDF, "matrix@example.com"
        )
        return published.id

    def informed_month(self) -> str:
        """A month of monthly consumption information of the customer."""
        from heatportal.adapters.dynamo_alerts import consumption_info_item
        from heatportal.domain.consumption_info import ConsumptionInfo

        info = ConsumptionInfo(customer_number=self.customer, month="2026-01", created_at=datetime.now(UTC), lines=())
        self.repo.table.put(consumption_info_item(info))
        return info.month

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


def _org_number() -> str:
    from stdnum.no import orgnr

    while True:
        body = f"8{secrets.randbelow(10**7):07d}"
        for check in "0123456789":
            if orgnr.is_valid(body + check):
                return body + check


def _grant(repo: Any, customer: str, org: str, facilities: frozenset[str] | None, status: str) -> None:
    grant = CompanyGrant(
        customer_number=customer,
        org_number=org,
        role=Role.FULL,
        facilities=facilities,
        status=status,  # type: ignore[arg-type]
        granted_by="matrix@example.com",
        granted_at=datetime.now(UTC),
    )
    repo.table.put(grant_item(grant))


def _organisation(repo: Any, org: str, user_id: str, email: str) -> None:
    store = DynamoCompanyStore(repo.table)
    now = datetime.now(UTC)
    admin = OrgMember(org_number=org, user_id=user_id, email=email, role=OrgRole.ADMIN)
    organisation = Organisation(number=org, name=f"Matrise Forvaltning {org}", created_at=now, created_by=email)
    assert store.create_organisation(organisation, admin, OrgAuditEntry(org, now, email, "registered", org))


@pytest.fixture(scope="module")
def world(stack, repo, http) -> World:
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    pool = stack.resources.user_pool_id
    meter = _customer(repo, CUSTOMER)
    _customer(repo, OTHER)
    # A second facility (no meter) of the customer, for the partly granted company.
    second = Facility(
        id=f"G{CUSTOMER}",
        customer_number=CUSTOMER,
        name="Matrisevegen 1B",
        address=Address(street="Matrisevegen 1B", postcode="0155", city="Oslo", country="NO"),
    )
    repo.table.put(facility_item(second))
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
        "company": person("company", None, None),
        "company_other": person("company_other", None, None),
        "staff": person("staff", None, None, groups=("staff",)),
        # For the extra column below: a company granted the meter's facility only.
        "company_meter": person("company_meter", None, None),
    }
    org, org_other = _org_number(), _org_number()
    _organisation(repo, org, *users["company"])
    _organisation(repo, org_other, *users["company_other"])
    _grant(repo, CUSTOMER, org, frozenset({f"F{CUSTOMER}", second.id}), "active")
    _grant(repo, CUSTOMER, org_other, frozenset({second.id}), "active")
    org_meter = _org_number()
    _organisation(repo, org_meter, *users["company_meter"])
    _grant(repo, CUSTOMER, org_meter, frozenset({f"F{CUSTOMER}"}), "active")
    period = BillingPeriod(year=local_today().year, month=local_today().month).previous().previous()
    repo.put_spot_price("NO1", period.key, Decimal("0.7311"))
    # Final invoices on moving out cover last month and this one.
    repo.put_spot_price("NO1", period.next().key, Decimal("0.7311"))
    repo.put_spot_price("NO1", period.next().next().key, Decimal("0.7311"))
    invoice, _ = composition.bill_run().bill_account(CUSTOMER, period, issued_on=period.end + timedelta(days=1))
    return World(
        tokens=tokens, users=users, customer=CUSTOMER, meter=meter.number, invoice=invoice.number, repo=repo, org=org
    )


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


#             anonymous other read full admin company company_other staff
READ = (401, 403, 200, 200, 200, 200, 403, 200)  # a meter, or the whole customer
METER_LIST = (401, 403, 200, 200, 200, 200, 200, 200)  # filtered to the granted facilities
WRITE = (401, 403, 403, 201, 201, 201, 403, 201)  # a reading on the meter
OWN_WRITE = (401, 403, 403, 201, 201, 403, 403, 201)  # the customer's own people only
CHANGE = (401, 403, 403, 200, 200, 403, 403, 200)  # profile: never a company
ADMIN_READ = (401, 403, 403, 403, 200, 403, 403, 200)
ADMIN_ONLY = (401, 403, 403, 403, 200, 403, 403, 403)
INVITE = (401, 403, 403, 403, 202, 403, 403, 403)
STAFF_ONLY = (401, 403, 403, 403, 403, 403, 403, 200)
STAFF_CREATE = (401, 403, 403, 403, 403, 403, 403, 201)  # customer service creates something
COMPANY_ADMIN = (401, 403, 403, 403, 403, 200, 403, 403)  # the company's own administrator

MATRIX: dict[tuple[str, str], tuple[tuple[int, ...], Call]] = {
    ("GET", "/api/customers/{customer}/meters"): (METER_LIST, _params()),
    ("GET", "/api/customers/{customer}/meters/{meter}/readings"): (READ, _params(meter=meter)),
    ("POST", "/api/customers/{customer}/meters/{meter}/readings"): (
        WRITE,
        _with_body(_params(meter=meter), lambda w: {"value": "19500", "read_on": local_today().isoformat()}),
    ),
    # Only customer service corrects a stored reading (the oldest seeded one).
    ("PUT", "/api/customers/{customer}/meters/{meter}/readings/{read_on}"): (
        STAFF_ONLY,
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
    # Reminder agreements carry the customer's own people's addresses: no company.
    ("POST", "/api/customers/{customer}/meters/{meter}/reminders"): (
        OWN_WRITE,
        _with_body(_params(meter=meter), lambda w: {"channel": "email"}),
    ),
    ("GET", "/api/customers/{customer}/economy"): (READ, _params()),
    # Customer service's billing desk: corrections, held drafts, bills a late reading made stale.
    ("GET", "/api/customers/{customer}/corrections"): (STAFF_ONLY, _params()),
    ("POST", "/api/customers/{customer}/late-readings/corrections"): (STAFF_ONLY, _params()),
    ("GET", "/api/customers/{customer}/economy/pdf"): (READ, _params()),
    # The stack runs the Norwegian profile (monthly billing, no advances): past
    # the access check the answer is 404, before it 401/403 as everywhere.
    ("GET", "/api/customers/{customer}/advance-payment"): ((401, 403, 404, 404, 404, 404, 403, 404), _params()),
    ("PUT", "/api/customers/{customer}/advance-payment"): (
        (401, 403, 403, 404, 404, 403, 403, 404),
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
    ("GET", "/api/customers/{customer}/profile"): ((401, 403, 200, 200, 200, 403, 403, 200), _params()),
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
        (401, 403, 201, 201, 201, 201, 201, 201),
        # Five messages an hour per person and customer: each cell is another person.
        _with_body(_params(), lambda w: {"subject": "Faktura", "message": "Hei", "phone": "+4791234567"}),
    ),
    # Everyone may remove their own link; staff and strangers have none to remove.
    ("DELETE", "/api/me/links/{customer}"): ((401, 403, 200, 200, 200, 403, 403, 403), _own_link),
    # Only customer service sets a meter's register digits. A management
    # company, granted full access on the meter's facility or not, gets 403 (staff only).
    ("PUT", "/api/customers/{customer}/meters/{meter}"): (
        STAFF_ONLY,
        _with_body(_params(meter=meter), lambda w: {"register_digits": 9, "reason": "Typeskilt: 9 siffer"}),
    ),
    # Only customer service adds a meter (a fresh number per call) or replaces one
    # (a fresh meter of the customer per call, on the facility every persona may see).
    ("POST", "/api/customers/{customer}/meters"): (
        STAFF_CREATE,
        _with_body(
            _params(),
            lambda w: {
                "number": f"MN{secrets.token_hex(4).upper()}",
                "facility_id": f"F{w.customer}",
                "kind": "heat",
                "unit": "kWh",
                "decimals": 0,
                "installed_on": local_today().isoformat(),
                "start_value": "0",
            },
        ),
    ),
    ("POST", "/api/customers/{customer}/meters/{meter}/replacement"): (
        STAFF_CREATE,
        _with_body(
            _params(meter=World.fresh_meter),
            lambda w: {
                "on": local_today().isoformat(),
                "final_value": "150",
                "new_number": f"MR{secrets.token_hex(4).upper()}",
                "new_start_value": "0",
                "reason": "Defekt måler",
            },
        ),
    ),
    # Management companies: the customer's administrators manage them.
    ("GET", "/api/customers/{customer}/companies"): (ADMIN_READ, _params()),
    ("POST", "/api/customers/{customer}/companies"): (
        (401, 403, 403, 403, 201, 403, 403, 403),
        _with_body(
            _params(),
            lambda w: {"org_number": _org_number(), "facilities": None, "contact_email": "kontakt@example.com"},
        ),
    ),
    ("PUT", "/api/customers/{customer}/companies/{org}"): (
        ADMIN_ONLY,
        _with_body(_params(org=World.company_grant), lambda w: {"facilities": None, "role": "read"}),
    ),
    ("DELETE", "/api/customers/{customer}/companies/{org}"): (ADMIN_ONLY, _params(org=World.company_grant)),
    # A company that registered the customer itself waits for an administrator's approval.
    ("POST", "/api/customers/{customer}/companies/{org}/approve"): (ADMIN_ONLY, _params(org=World.company_request)),
    # The company's side: only its own administrator accepts or ends a customer.
    ("POST", "/api/organisations/{org}/customers/{customer}/accept"): (
        COMPANY_ADMIN,
        lambda w, _p: ({"org": w.org, "customer": w.company_customer("pending")}, None),
    ),
    ("DELETE", "/api/organisations/{org}/customers/{customer}"): (
        COMPANY_ADMIN,
        lambda w, _p: ({"org": w.org, "customer": w.company_customer("active")}, None),
    ),
    # Alerts: everyone who sees a facility sees its settings (the list is filtered); admin and full
    # set them, a company with full access on the facility too, the other company not on this one.
    ("GET", "/api/customers/{customer}/alerts"): (METER_LIST, _params()),
    ("PUT", "/api/customers/{customer}/alerts/{facility}"): (
        (401, 403, 403, 200, 200, 200, 403, 200),
        _with_body(
            _params(facility=lambda w: f"F{w.customer}"),
            lambda w: {
                "rules": [
                    {
                        "supply": "heating",
                        "measure": "return_temperature",
                        "summer": "45",
                        "winter": "40",
                        "channels": ["portal", "email"],
                    }
                ]
            },
        ),
    ),
    # Notifications of the facilities a person sees, and their own seen counters.
    ("GET", "/api/customers/{customer}/notifications"): (METER_LIST, _params()),
    ("POST", "/api/customers/{customer}/notifications/seen"): (METER_LIST, _params()),
    # Monthly information: the months, and a month's lines of the facilities a person sees.
    ("GET", "/api/customers/{customer}/consumption-info"): (METER_LIST, _params()),
    ("GET", "/api/customers/{customer}/consumption-info/{month}"): (METER_LIST, _params(month=World.informed_month)),
    # The customer's own bank details: a management company, granted full access on the
    # facility or not, gets 403 like every profile route. Removing no override is a 200.
    ("DELETE", "/api/customers/{customer}/profile/bank-account/{facility}"): (
        CHANGE,
        _params(facility=lambda w: f"F{w.customer}"),
    ),
    # The portfolio: customer service uploads a facility's operating protocol; an invoice across
    # customers is the whole invoice or the share of the granted facilities (company_other's facility
    # has no meter, so no share: as unknown as any other invoice). The rest of the portfolio's routes
    # are in test_portfolio.
    ("POST", "/api/customers/{customer}/facilities/{facility}/protocols"): (
        STAFF_CREATE,
        _with_body(
            _params(facility=lambda w: f"F{w.customer}"),
            lambda w: {"title": "Funksjonskontroll", "filename": "k.pdf", "content_base64": "JVBERi0xLjQKJSVFT0YK"},
        ),
    ),
    ("GET", "/api/portfolio/customers/{customer}/invoices/{number}"): (
        (401, 404, 200, 200, 200, 200, 404, 200),
        _params(number=invoice),
    ),
    # Sharing with an energy-service provider (FFVAV §5(4)): the customer's own
    # administrators decide; customer service sees the shares.
    ("GET", "/api/customers/{customer}/shares"): (ADMIN_READ, _params()),
    ("POST", "/api/customers/{customer}/shares"): (
        (401, 403, 403, 403, 201, 403, 403, 403),
        _with_body(
            _params(),
            lambda w: {
                "provider_name": "Matrise Energi",
                "provider_email": f"energi-{secrets.token_hex(4)}@example.com",
                "facilities": [f"F{w.customer}"],
                "kinds": ["consumption"],
                "valid_until": (local_today() + timedelta(days=30)).isoformat(),
            },
        ),
    ),
    ("DELETE", "/api/customers/{customer}/shares/{share}"): (ADMIN_ONLY, _params(share=World.share)),
    # Contracts (contracts function): reading a contract, its estimate and a
    # simulation stores nothing; the company granted only the second facility
    # sees the contract list (filtered), not the meter's facility's contract.
    ("GET", "/api/customers/{customer}/contracts"): (METER_LIST, _params()),
    ("GET", "/api/customers/{customer}/contracts/{facility}"): (READ, _params(facility=lambda w: f"F{w.customer}")),
    ("GET", "/api/customers/{customer}/contracts/{facility}/estimate/pdf"): (
        READ,
        _params(facility=lambda w: f"F{w.customer}"),
    ),
    ("POST", "/api/customers/{customer}/contracts/{facility}/simulation"): (
        READ,
        _with_body(_params(facility=lambda w: f"F{w.customer}"), lambda w: {"options": {"green_heat": "green"}}),
    ),
    # Signing: the customer's administrators only (never a company, never customer service).
    ("POST", "/api/customers/{customer}/contracts/{facility}/signing"): (
        (401, 403, 403, 403, 202, 403, 403, 403),
        _with_body(
            _params(facility=lambda w: f"F{w.customer}"),
            lambda w: {
                "options": {"price_agreement": "fixed_3y"},
                "valid_from": first_days_ahead(local_today())[secrets.randbelow(12)].isoformat(),
            },
        ),
    ),
    ("GET", "/api/customers/{customer}/contracts/{facility}/signing/{order}"): (
        (401, 403, 403, 403, 200, 403, 403, 403),
        _params(facility=lambda w: f"F{w.customer}", order=World.signing_order),
    ),
    ("DELETE", "/api/customers/{customer}/contracts/{facility}/signing/{order}"): (
        (401, 403, 403, 403, 200, 403, 403, 403),
        _params(facility=lambda w: f"F{w.customer}", order=World.signing_order),
    ),
    # A wrong code past the access check is the administrator's 422.
    ("POST", "/api/customers/{customer}/contracts/{facility}/signing/{order}/code"): (
        (401, 403, 403, 403, 422, 403, 403, 403),
        _with_body(
            _params(facility=lambda w: f"F{w.customer}", order=World.signing_order), lambda w: {"code": "000000"}
        ),
    ),
    # Moving: the customer's own people with full rights, and customer service.
    ("POST", "/api/customers/{customer}/move-out"): (
        (401, 403, 403, 201, 201, 403, 403, 201),
        lambda w, _p: _move_out(w),
    ),
    # No facility is vacant behind a made-up meter number: the request goes to customer service (202).
    ("POST", "/api/customers/{customer}/move-in"): (
        (401, 403, 403, 202, 202, 403, 403, 202),
        _with_body(
            _params(),
            lambda w: {"meter_number": f"MZ{secrets.token_hex(4).upper()}", "moving_on": local_today().isoformat()},
        ),
    ),
    ("POST", "/api/customers/{customer}/final-invoice"): (
        STAFF_CREATE,
        lambda w, _p: ({"customer": w.customer}, {"facility_id": w.moved_out_facility()}),
    ),
    # The documents store: a document to the whole customer is the company's that sees every facility.
    ("GET", "/api/customers/{customer}/documents"): (METER_LIST, _params()),
    ("GET", "/api/customers/{customer}/documents/{document}"): (READ, _params(document=World.document)),
    # Services: full rights, a company on the facility of the request too (not one granted another).
    ("POST", "/api/customers/{customer}/services/{service}/interest"): (
        (401, 403, 403, 201, 201, 201, 403, 201),
        _with_body(_params(service=lambda w: "function_control"), lambda w: {"facility_id": f"F{w.customer}"}),
    ),
    ("GET", "/api/customers/{customer}/footprint"): (METER_LIST, _params()),
    ("GET", "/api/customers/{customer}/subscription"): (METER_LIST, _params()),
}

# The data API (/api/v1/data) takes data tokens, not the portal's sign-in: its
# matrix, with kinds of token as columns, is test_open_data_matrix.
DATA_API = "/api/v1/data/"


def _move_out(w: World) -> tuple[dict[str, str], dict[str, Any]]:
    facility, meter = w.facility_with_meter()
    return {"customer": w.customer}, {
        "facility_id": facility,
        "moving_on": local_today().isoformat(),
        "readings": {meter: "150"},
        "forwarding_address": {"street": "Nyvegen 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
        "confirmed": True,
    }


def rows_missing(routes: list[ApiRoute]) -> set[tuple[str, str]]:
    """Customer-scoped routes (a ``{customer}`` in the path) without a matrix row."""
    return {(r.method, r.path) for r in routes if "{customer}" in r.path and not r.path.startswith(DATA_API)} - set(
        MATRIX
    )


def test_every_customer_scoped_route_has_a_row():
    routes = api_routes()
    assert rows_missing(routes) == set(), "add a row to MATRIX for each new customer-scoped route"
    scoped = {(r.method, r.path) for r in routes if "{customer}" in r.path}
    assert set(MATRIX) - scoped == set(), "MATRIX has rows for routes that no longer exist"
    assert not any(path.startswith(DATA_API) for _, path in MATRIX)


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


# What covers the whole customer (all its facilities): a company granted only
# some facilities never sees it, even the one with the meter.
WHOLE_CUSTOMER = {
    ("GET", "/api/customers/{customer}/invoices"),
    ("GET", "/api/customers/{customer}/invoice-overview"),
    ("GET", "/api/customers/{customer}/invoices/{number}"),
    ("GET", "/api/customers/{customer}/invoices/{number}/pdf"),
    ("GET", "/api/customers/{customer}/trial-settlement"),
    ("POST", "/api/customers/{customer}/trial-settlement"),
    ("GET", "/api/customers/{customer}/economy"),
    ("GET", "/api/customers/{customer}/economy/pdf"),
    ("GET", "/api/customers/{customer}/advance-payment"),
    ("GET", "/api/customers/{customer}/documents/{document}"),  # a document to the whole customer
}


# Calls on the ``company`` column's own organisation: another company's
# administrator is refused there.
ANOTHER_COMPANYS = {
    ("POST", "/api/organisations/{org}/customers/{customer}/accept"),
    ("DELETE", "/api/organisations/{org}/customers/{customer}"),
}


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_company_granted_only_the_meters_facility_gets_the_meter_not_the_whole_customer(route, world, http):
    """A third company column: full access on the meter's facility, not on the
    customer's other one. It answers as the company granted everything for the
    meter, and 403 for what covers the whole customer."""
    expected, build = MATRIX[route]
    granted_everything = dict(zip(PERSONAS, expected, strict=True))["company"]
    params, payload = build(world, "company_meter")
    path = route[1]
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    resp = http.open(path, method=route[0], json=payload, headers=world.tokens["company_meter"])
    assert resp.status_code == (403 if route in WHOLE_CUSTOMER | ANOTHER_COMPANYS else granted_everything)


def test_an_unknown_customer_is_forbidden_not_missing(world, http):
    # Existence is not revealed: an unknown number answers like somebody else's.
    resp = http.get("/api/customers/999998/meters", headers=world.tokens["admin"])
    assert resp.status_code == 403


# A reading that came by SMS (a phone's typo) the customer's own people with the
# full role replace themselves; every other stored reading stays customer
# service's (the STAFF_ONLY row above). A management company never replaces one.
SMS_REPLACEMENT = (401, 403, 403, 200, 200, 403, 403, 200)


def _sms_reading(w: World, _persona: str) -> tuple[dict[str, str], dict[str, Any] | None]:
    meter = w.fresh_meter()  # start value 100, no readings yet
    day = local_today() - timedelta(days=3)
    reading = Reading(
        meter_number=meter,
        read_on=day,
        value=Decimal(900),
        source=ReadingSource.SMS,
        recorded_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        recorded_by="sms:+4791234567",
    )
    w.repo.table.put(reading_item(reading))
    params = {"customer": w.customer, "meter": meter, "read_on": day.isoformat()}
    return params, {"value": "800", "reason": "Tastefeil på SMS"}


@pytest.mark.parametrize("persona", [*PERSONAS, "company_meter"])
def test_a_reading_that_came_by_sms_is_replaced_by_the_customers_full_role(persona, world, http):
    expected = dict(zip(PERSONAS, SMS_REPLACEMENT, strict=True)) | {"company_meter": 403}
    params, payload = _sms_reading(world, persona)
    path = "/api/customers/{customer}/meters/{meter}/readings/{read_on}"
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    resp = http.put(path, json=payload, headers=world.tokens[persona])
    assert resp.status_code == expected[persona], resp.get_data(as_text=True)[:300]


# Routes without a customer in the path (contracts function): the offer, the
# services, sustainability (any signed-in person), customer service's own
# (publishing, new customers, moves), and the incoming party's public
# confirmation (an unknown one is 404 for everybody, signed in or not).
SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 200)
PUBLIC_UNKNOWN = (404, 404, 404, 404, 404, 404, 404, 404)
STAFF_CALL = (401, 403, 403, 403, 403, 403, 403, 200)
UtilityCall = Callable[[World], tuple[dict[str, str], dict[str, Any] | None]]
UTILITY_MATRIX: dict[tuple[str, str], tuple[tuple[int, ...], UtilityCall]] = {
    ("GET", "/api/offer"): (SIGNED_IN, lambda w: ({}, None)),
    ("GET", "/api/services"): (SIGNED_IN, lambda w: ({}, None)),
    ("GET", "/api/sustainability"): (SIGNED_IN, lambda w: ({}, None)),
    ("GET", "/api/sustainability/reports/{year}/pdf"): (SIGNED_IN, lambda w: ({"year": "2024"}, None)),
    ("GET", "/api/staff/vacant-facilities"): (STAFF_CALL, lambda w: ({}, None)),
    ("POST", "/api/documents"): (
        STAFF_CREATE,
        lambda w: (
            {},
            {
                "audience": "customer",
                "customer_number": w.customer,
                "type": "letter",
                "title": "Matrisebrev",
                "filename": "brev.pdf",
                "content_base64": base64.b64encode(MATRIX_PDF).decode(),
            },
        ),
    ),
    ("POST", "/api/customers"): (
        STAFF_CREATE,
        lambda w: (
            {},
            {
                "name": "Ny Kunde",
                "email": f"ny-{secrets.token_hex(4)}@example.com",
                "language": "nb",
                "address": {"street": "Nyvegen 2", "postcode": "0155", "city": "Oslo", "country": "NO"},
            },
        ),
    ),
    ("POST", "/api/staff/move-ins"): (
        STAFF_CREATE,
        lambda w: (
            {},
            {
                "facility_id": w.moved_out_facility(),
                "moving_on": local_today().isoformat(),
                "customer": {"name": "Ny Beboer", "language": "nb"},
            },
        ),
    ),
    ("GET", "/api/move-in/{handshake}"): (PUBLIC_UNKNOWN, lambda w: ({"handshake": secrets.token_urlsafe(16)}, None)),
    ("POST", "/api/move-in/{handshake}/confirmation"): (
        PUBLIC_UNKNOWN,
        lambda w: ({"handshake": secrets.token_urlsafe(16)}, {"code": "123456"}),
    ),
}


def test_every_route_of_the_contracts_function_has_a_row():
    routes = {(r.method, r.path) for r in api_routes() if r.function == "ContractsFunction"}
    assert routes - set(MATRIX) - set(UTILITY_MATRIX) == set()
    assert set(UTILITY_MATRIX) <= {(r.method, r.path) for r in api_routes()}


@pytest.mark.parametrize("route", sorted(UTILITY_MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_utility_route_answers_each_person_as_the_matrix_says(route, world, http):
    expected, build = UTILITY_MATRIX[route]
    method, template_path = route
    got: dict[str, int] = {}
    for persona in PERSONAS:
        params, payload = build(world)
        path = template_path
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        resp = http.open(path, method=method, json=payload, headers=world.tokens[persona])
        got[persona] = resp.status_code
    assert got == dict(zip(PERSONAS, expected, strict=True))
