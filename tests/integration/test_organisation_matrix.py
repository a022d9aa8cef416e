"""Every route of a management company's own area (``/api/organisations``
without a ``{customer}``: those are in test_authorization_matrix) called as
each kind of person, with the exact status expected. A new such route without
a row fails ``test_every_organisation_route_has_a_row``. The public routes
(sign-up, accepting an invitation with its code) are covered in test_companies."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from heatportal.adapters.dynamo import customer_item
from heatportal.adapters.dynamo_companies import DynamoCompanyStore, org_member_item
from heatportal.domain.companies import Organisation, OrgAuditEntry, OrgMember, OrgRole
from infra.local.template import ApiRoute, api_routes
from tests.integration.conftest import bearer, create_user
from tests.integration.test_auth_accounts import unregistered_customer
from tests.integration.test_companies import org_number

PERSONAS = ("anonymous", "outsider", "manager", "admin", "other_admin", "staff")


@dataclass
class OrgWorld:
    tokens: dict[str, dict[str, str]]
    org: str
    repo: Any

    def member(self) -> str:
        """A fresh manager of the company, to change or remove."""
        user_id = str(uuid.uuid4())
        member = OrgMember(self.org, user_id, f"m-{user_id[:8]}@example.com", OrgRole.MANAGER)
        self.repo.table.put(org_member_item(member))
        return user_id

    def customer(self) -> dict[str, str]:
        """A fresh customer (no portal users) with an organisation number."""
        customer_org = org_number()
        customer = unregistered_customer(self.repo)
        self.repo.table.put(customer_item(customer.model_copy(update={"org_number": customer_org})))
        return {"customer_number": customer.number, "customer_org_number": customer_org}


@pytest.fixture(scope="module")
def org_world(stack, repo, http) -> OrgWorld:
    store = DynamoCompanyStore(repo.table)
    run = secrets.token_hex(3)

    def person(name: str, staff: bool = False) -> tuple[str, str]:
        email = f"orgmatrix-{name}-{run}@example.com"
        user_id = create_user(stack, email, staff=staff)
        return user_id, email

    def register(org: str, user_id: str, email: str) -> None:
        now = datetime.now(UTC)
        admin = OrgMember(org, user_id, email, OrgRole.ADMIN)
        assert store.create_organisation(
            Organisation(org, f"Matrise {org}", now, email), admin, OrgAuditEntry(org, now, email, "registered", org)
        )

    org, other = org_number(), org_number()
    users = {name: person(name, staff=name == "staff") for name in PERSONAS if name != "anonymous"}
    register(org, *users["admin"])
    register(other, *users["other_admin"])
    manager_id, manager_email = users["manager"]
    repo.table.put(org_member_item(OrgMember(org, manager_id, manager_email, OrgRole.MANAGER)))
    tokens = {"anonymous": {}, **{name: bearer(http, email) for name, (_id, email) in users.items()}}
    return OrgWorld(tokens=tokens, org=org, repo=repo)


Call = Callable[[OrgWorld], tuple[dict[str, str], dict[str, Any] | None]]

MATRIX: dict[tuple[str, str], tuple[tuple[int, ...], Call]] = {
    # Anyone signed in lists their own companies and may register one.
    ("GET", "/api/organisations"): ((401, 200, 200, 200, 200, 200), lambda w: ({}, None)),
    ("POST", "/api/organisations"): (
        (401, 201, 201, 201, 201, 201),
        lambda w: ({}, {"org_number": org_number(), "name": "Ny Forvaltning AS"}),
    ),
    # Its people see the company; customer service may look; nobody else.
    ("GET", "/api/organisations/{org}"): ((401, 403, 200, 200, 403, 200), lambda w: ({"org": w.org}, None)),
    # Only its administrators manage people and customers.
    ("POST", "/api/organisations/{org}/members"): (
        (401, 403, 403, 202, 403, 403),
        lambda w: ({"org": w.org}, {"email": f"ny-{secrets.token_hex(4)}@example.com", "role": "manager"}),
    ),
    ("PUT", "/api/organisations/{org}/members/{user}"): (
        (401, 403, 403, 200, 403, 403),
        lambda w: ({"org": w.org, "user": w.member()}, {"role": "admin"}),
    ),
    ("DELETE", "/api/organisations/{org}/members/{user}"): (
        (401, 403, 403, 200, 403, 403),
        lambda w: ({"org": w.org, "user": w.member()}, None),
    ),
    # Only customer service records that it checked the company against the business register.
    ("PUT", "/api/organisations/{org}/verification"): (
        (401, 403, 403, 403, 403, 200),
        lambda w: ({"org": w.org}, {"verified": True}),
    ),
    # The company's notifications across its customers: its people and customer service.
    ("GET", "/api/organisations/{org}/notifications"): (
        (401, 403, 200, 200, 403, 200),
        lambda w: ({"org": w.org}, None),
    ),
    ("POST", "/api/organisations/{org}/customers"): (
        (401, 403, 403, 201, 403, 403),
        lambda w: ({"org": w.org}, w.customer()),
    ),
}


def rows_missing(routes: list[ApiRoute]) -> set[tuple[str, str]]:
    own = {
        (r.method, r.path)
        for r in routes
        if r.path.startswith("/api/organisations") and "{customer}" not in r.path and not r.public
    }
    return own - set(MATRIX)


def test_every_organisation_route_has_a_row():
    assert rows_missing(api_routes()) == set()
    added = ApiRoute("AuthFunction", "functions/auth", "GET", "/api/organisations/{org}/secrets", public=False)
    assert rows_missing([*api_routes(), added]) == {("GET", "/api/organisations/{org}/secrets")}


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_each_person_as_the_matrix_says(route, org_world, http):
    expected, build = MATRIX[route]
    method, template_path = route
    got: dict[str, int] = {}
    for persona in PERSONAS:
        params, payload = build(org_world)
        path = template_path
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        resp = http.open(path, method=method, json=payload, headers=org_world.tokens[persona])
        got[persona] = resp.status_code
    assert got == dict(zip(PERSONAS, expected, strict=True))
