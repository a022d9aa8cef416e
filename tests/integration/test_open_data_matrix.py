"""The data API's authorization matrix: every route under ``/api/v1/data``
called with each kind of credential, with the exact status expected in each
cell. The columns are kinds of token:

- ``none``: no Authorization header; ``id_token``: the administrator's Cognito
  ID token (the portal's sign-in, not a data token); ``unknown``: a
  well-formed token nobody made;
- ``personal``: the administrator's personal token, every kind, the whole
  customer; ``readings_only``: the same person's token for readings only;
  ``other_facility``: a token limited to the customer's second facility (not
  the meter's); ``other_customer``: a token of another customer's administrator;
- ``company``: a token of a management company's administrator whose company
  was granted every facility; ``company_other``: one whose company was granted
  the second facility only (the portal's rules, narrowed by the token);
- ``share``: a provider share on the meter's facility for consumption and
  readings; ``revoked``, ``expired``, ``share_revoked``: refused at once.

The routes come from template.yaml: a data route without a row fails
``test_every_data_route_has_a_row``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from heatportal.adapters.dynamo import facility_item, membership_item
from heatportal.adapters.dynamo_open_data import DynamoOpenDataStore
from heatportal.domain.model import Address, Facility, Membership, Role
from heatportal.domain.open_data import PERSONAL_PREFIX, PersonalToken, TokenGrant, new_secret, secret_hash
from infra.local.template import api_routes
from tests.integration.conftest import bearer, body, create_user
from tests.integration.test_authorization_matrix import _customer, _grant, _org_number, _organisation

COLUMNS = (
    "none",
    "id_token",
    "unknown",
    "personal",
    "readings_only",
    "other_facility",
    "other_customer",
    "company",
    "company_other",
    "share",
    "revoked",
    "expired",
    "share_revoked",
)
CUSTOMER, OTHER = "920001", "920002"
DATA = "/api/v1/data"


@dataclass
class TokenWorld:
    headers: dict[str, dict[str, str]]
    customer: str
    meter: str


def _person(stack: Any, http: Any, name: str, run: str) -> tuple[str, str, dict[str, str]]:
    email = f"datamatrix-{name}-{run}@example.com"
    return create_user(stack, email), email, bearer(http, email)


def _token(http: Any, signed_in: dict[str, str], customer: str, kinds: list[str], facilities: list[str] | None) -> str:
    resp = http.post(
        "/api/me/tokens",
        json={
            "name": "matrix",
            "customers": [{"customer": customer, "facilities": facilities}],
            "kinds": kinds,
            "expires_in_days": 30,
        },
        headers=signed_in,
    )
    assert resp.status_code == 201, resp.text
    return str(body(resp)["token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def token_world(stack: Any, repo: Any, http: Any) -> TokenWorld:
    meter = _customer(repo, CUSTOMER)
    _customer(repo, OTHER)
    second = Facility(
        id=f"G{CUSTOMER}",
        customer_number=CUSTOMER,
        name="Matrisevegen 1B",
        address=Address(street="Matrisevegen 1B", postcode="0155", city="Oslo", country="NO"),
    )
    repo.table.put(facility_item(second))
    run = secrets.token_hex(3)
    admin_id, admin_email, admin = _person(stack, http, "admin", run)
    repo.table.put(
        membership_item(Membership(user_id=admin_id, customer_number=CUSTOMER, role=Role.ADMIN, email=admin_email))
    )
    other_id, other_email, other = _person(stack, http, "other", run)
    repo.table.put(
        membership_item(Membership(user_id=other_id, customer_number=OTHER, role=Role.ADMIN, email=other_email))
    )
    company_id, company_email, company = _person(stack, http, "company", run)
    org = _org_number()
    _organisation(repo, org, company_id, company_email)
    _grant(repo, CUSTOMER, org, None, "active")
    company_other_id, company_other_email, company_other = _person(stack, http, "companyother", run)
    org_other = _org_number()
    _organisation(repo, org_other, company_other_id, company_other_email)
    _grant(repo, CUSTOMER, org_other, frozenset({second.id}), "active")

    every = ["consumption", "readings", "invoices"]
    revoked = _token(http, admin, CUSTOMER, every, None)
    revoked_id = next(t["id"] for t in body(http.get("/api/me/tokens", headers=admin)) if t["hint"] == revoked[-4:])
    assert http.delete(f"/api/me/tokens/{revoked_id}", headers=admin).status_code == 200

    store = DynamoOpenDataStore(repo.table)
    expired = new_secret(PERSONAL_PREFIX)
    long_ago = datetime.now(UTC) - timedelta(days=40)
    store.add_token(
        PersonalToken(
            id=secrets.token_hex(8),
            token_hash=secret_hash(expired),
            user_id=admin_id,
            email=admin_email,
            name="expired",
            grants=(TokenGrant(CUSTOMER),),
            kinds=frozenset(every),  # type: ignore[arg-type]
            created_at=long_ago,
            expires_at=long_ago + timedelta(days=30),
            hint=expired[-4:],
        ),
        [],
    )

    def share(kinds: list[str]) -> tuple[str, str]:
        resp = http.post(
            f"/api/customers/{CUSTOMER}/shares",
            json={
                "provider_name": f"Energitjenester {secrets.token_hex(2)}",
                "provider_email": f"provider-{secrets.token_hex(4)}@example.com",
                "facilities": [f"F{CUSTOMER}"],
                "kinds": kinds,
                "valid_until": (date.today() + timedelta(days=60)).isoformat(),
            },
            headers=admin,
        )
        assert resp.status_code == 201, resp.text
        shared = body(resp)
        token = _share_token_of(shared["provider_email"])
        return shared["id"], token

    _, share_token = share(["consumption", "readings"])
    revoked_share_id, revoked_share_token = share(["consumption", "readings"])
    assert http.delete(f"/api/customers/{CUSTOMER}/shares/{revoked_share_id}", headers=admin).status_code == 200

    headers = {
        "none": {},
        "id_token": admin,
        "unknown": _bearer(new_secret(PERSONAL_PREFIX)),
        "personal": _bearer(_token(http, admin, CUSTOMER, every, None)),
        "readings_only": _bearer(_token(http, admin, CUSTOMER, ["readings"], None)),
        "other_facility": _bearer(_token(http, admin, CUSTOMER, every, [second.id])),
        "other_customer": _bearer(_token(http, other, OTHER, every, None)),
        "company": _bearer(_token(http, company, CUSTOMER, every, None)),
        "company_other": _bearer(_token(http, company_other, CUSTOMER, every, None)),
        "share": _bearer(share_token),
        "revoked": _bearer(revoked),
        "expired": _bearer(expired),
        "share_revoked": _bearer(revoked_share_token),
    }
    return TokenWorld(headers=headers, customer=CUSTOMER, meter=meter.number)


def _share_token_of(email: str) -> str:
    """The token in the provider's e-mail (the only place it is shown)."""
    from tests.integration.test_open_data_api import token_in_mail

    return token_in_mail(email)


#                none id  unkn pers  read  ofac  ocus  comp  cother share revk  expd  srevk
METERS = (401, 401, 401, 200, 200, 200, 403, 200, 200, 200, 401, 401, 401)
CONSUMPTION = (401, 401, 401, 200, 403, 403, 403, 200, 403, 200, 401, 401, 401)
READINGS = (401, 401, 401, 200, 200, 403, 403, 200, 403, 200, 401, 401, 401)
INVOICES = (401, 401, 401, 200, 403, 403, 403, 200, 403, 403, 401, 401, 401)
CUSTOMERS = (401, 401, 401, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401)

Path = Callable[[TokenWorld], str]
MATRIX: dict[str, tuple[tuple[int, ...], Path]] = {
    "/api/v1/data/customers": (CUSTOMERS, lambda w: f"{DATA}/customers"),
    "/api/v1/data/customers/{customer}/meters": (METERS, lambda w: f"{DATA}/customers/{w.customer}/meters"),
    "/api/v1/data/customers/{customer}/meters/{meter}/consumption": (
        CONSUMPTION,
        lambda w: f"{DATA}/customers/{w.customer}/meters/{w.meter}/consumption?resolution=month",
    ),
    "/api/v1/data/customers/{customer}/meters/{meter}/readings": (
        READINGS,
        lambda w: f"{DATA}/customers/{w.customer}/meters/{w.meter}/readings",
    ),
    # A register reading: the readings kind; the meter's facility.
    "/api/v1/data/customers/{customer}/meters/{meter}/home-assistant": (
        READINGS,
        lambda w: f"{DATA}/customers/{w.customer}/meters/{w.meter}/home-assistant",
    ),
    # Invoices cover every facility: a token or a share on some facilities reads none.
    "/api/v1/data/customers/{customer}/invoices": (INVOICES, lambda w: f"{DATA}/customers/{w.customer}/invoices"),
}


def test_every_data_route_has_a_row() -> None:
    data_routes = {r.path for r in api_routes() if r.path.startswith(f"{DATA}/")}
    assert data_routes == set(MATRIX)
    assert all(r.method == "GET" for r in api_routes() if r.path.startswith(f"{DATA}/"))


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_data_route_answers_each_kind_of_token_as_the_matrix_says(
    route: str, token_world: TokenWorld, http: Any
) -> None:
    expected, path = MATRIX[route]
    got = {column: http.get(path(token_world), headers=token_world.headers[column]).status_code for column in COLUMNS}
    assert got == dict(zip(COLUMNS, expected, strict=True))


def test_a_token_refused_says_why_and_how_to_send_one(token_world: TokenWorld, http: Any) -> None:
    url = f"{DATA}/customers/{token_world.customer}/meters"
    for column, code in (
        ("none", "token_missing"),
        ("id_token", "token_invalid"),
        ("revoked", "token_revoked"),
        ("expired", "token_expired"),
        ("share_revoked", "token_revoked"),
    ):
        resp = http.get(url, headers=token_world.headers[column])
        assert body(resp)["code"] == code, column
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_company_token_sees_the_meters_its_company_was_granted(token_world: TokenWorld, http: Any) -> None:
    url = f"{DATA}/customers/{token_world.customer}/meters"
    everything = body(http.get(url, headers=token_world.headers["company"]))
    second_only = body(http.get(url, headers=token_world.headers["company_other"]))
    assert [m["number"] for m in everything["meters"]] == [token_world.meter]
    assert second_only["meters"] == []
