"""The life of a personal access token and of a provider share, with the
in-memory fakes: created and shown once, used, refused outside its scope,
revoked and expired (refused at once), rate-limited per token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from heatportal.domain.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthorized, ValidationFailed
from heatportal.domain.model import Facility, Role
from heatportal.domain.open_data import PersonalToken, TokenGrant, secret_hash, well_formed
from heatportal.services.access import AccessService, Principal
from heatportal.services.open_data.credentials import DATA_TOKEN_RATE, DataCredentials
from heatportal.services.open_data.scopes import DataScopes
from heatportal.services.open_data.shares import ProviderShares, ShareNotice
from heatportal.services.open_data.tokens import PersonalTokens
from heatportal.services.ratelimit import RateLimiter
from tests.builders import ADDRESS, a_customer, a_membership, a_meter
from tests.fakes.clock import FixedClock
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.open_data import InMemoryOpenDataStore
from tests.fakes.ratelimit import InMemoryRateLimitStore

KARI = Principal(user_id="kari", email="kari@example.no")
OLA = Principal(user_id="ola", email="ola@example.no")
STAFF = Principal(user_id="staff", email="kundeservice@example.no", groups=frozenset({"staff"}))


@dataclass
class OpenData:
    clock: FixedClock = field(default_factory=lambda: FixedClock(date(2026, 5, 10)))
    customers: InMemoryCustomerRepository = field(default_factory=InMemoryCustomerRepository)
    memberships: InMemoryMembershipRepository = field(default_factory=InMemoryMembershipRepository)
    store: InMemoryOpenDataStore = field(default_factory=InMemoryOpenDataStore)
    notices: list[ShareNotice] = field(default_factory=list)

    def __post_init__(self) -> None:
        for number in ("100001", "100002"):
            self.customers.add_customer(a_customer(number))
            for facility in (f"F-{number}", f"G-{number}"):
                self.customers.add_facility(
                    Facility(id=facility, customer_number=number, name=facility, address=ADDRESS)
                )
            self.customers.add_meter(a_meter(f"M-{number}", number))
            self.customers.add_meter(a_meter(f"N-{number}", number).model_copy(update={"facility_id": f"G-{number}"}))
        self.memberships.add(a_membership("kari", "100001", Role.ADMIN))
        self.memberships.add(a_membership("ola", "100002", Role.READ))
        self.records = InMemoryCustomerRecords(self.memberships, self.customers)
        self.access = AccessService(self.records)
        self.limits = InMemoryRateLimitStore()
        self.tokens = PersonalTokens(self.store, self.access, self.clock)
        self.credentials = DataCredentials(self.store, RateLimiter(self.limits), self.clock)
        self.scopes = DataScopes(self.access, self.records, self.store, self.clock)
        self.shares = ProviderShares(self.store, self.notices.append, self.clock)

    def later(self, **delta: float) -> None:
        self.clock._now += timedelta(**delta)

    def token(
        self, kinds: tuple[str, ...] = ("consumption", "readings"), facilities: list[str] | None = None
    ) -> tuple[PersonalToken, str]:
        grants = [TokenGrant("100001", frozenset(facilities) if facilities else None)]
        return self.tokens.create(KARI, "Home Assistant", grants, list(kinds), 90)


@pytest.fixture
def world() -> OpenData:
    return OpenData()


def bearer(secret: str) -> str:
    return f"Bearer {secret}"


# --- create --------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_stored_only_as_its_hash(world: OpenData) -> None:
    token, secret = world.token()

    assert secret.startswith("hp_pat_") and well_formed(secret) and len(secret) == 7 + 43
    assert world.store.find(secret_hash(secret)) == token
    assert secret not in repr(world.store.credentials)
    assert token.hint == secret[-4:] and token.expires_at == world.clock.now() + timedelta(days=90)
    assert [(e.customer_number, e.action, e.subject) for e in world.store.audit] == [
        ("100001", "token_created", "Home Assistant")
    ]


def test_two_tokens_never_share_a_secret(world: OpenData) -> None:
    assert world.token()[1] != world.token()[1]


def test_a_token_covers_only_customers_and_facilities_the_person_may_see(world: OpenData) -> None:
    with pytest.raises(Forbidden):
        world.tokens.create(KARI, "x", [TokenGrant("100002")], ["readings"], 30)
    with pytest.raises(ValidationFailed) as refused:
        world.tokens.create(KARI, "x", [TokenGrant("100001", frozenset({"F-100002"}))], ["readings"], 30)
    assert refused.value.code == "token_facilities_invalid"
    assert world.store.credentials == {}


@pytest.mark.parametrize(
    ("kinds", "days", "code"),
    [
        ([], 30, "data_kinds_invalid"),
        (["weather"], 30, "data_kinds_invalid"),
        (["readings"], 0, "token_expiry_invalid"),
        (["readings"], 367, "token_expiry_invalid"),
    ],
)
def test_a_token_needs_known_kinds_and_an_expiry_within_a_year(
    world: OpenData, kinds: list[str], days: int, code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.tokens.create(KARI, "x", [TokenGrant("100001")], kinds, days)
    assert refused.value.code == code


def test_customer_service_makes_no_token(world: OpenData) -> None:
    with pytest.raises(Forbidden) as refused:
        world.tokens.create(STAFF, "x", [TokenGrant("100001")], ["readings"], 30)
    assert refused.value.code == "token_staff"


def test_a_person_has_at_most_twenty_working_tokens(world: OpenData) -> None:
    for _ in range(20):
        world.token()
    with pytest.raises(Conflict) as refused:
        world.token()
    assert refused.value.code == "token_limit"
    world.tokens.revoke(KARI, world.tokens.of(KARI)[0].id)
    world.token()


# --- use -----------------------------------------------------------------------------------


def test_a_token_reads_its_customer_and_notes_when_it_was_used(world: OpenData) -> None:
    token, secret = world.token()
    credential = world.credentials.authenticate(bearer(secret))
    scope = world.scopes.scope(credential, "100001", "consumption", "consumption M-100001")

    assert credential.id == token.id and scope.whole
    assert {m.number for m in scope.visible_meters()} == {"M-100001", "N-100001"}
    assert world.store.find(token.token_hash).last_used_at == world.clock.now()  # type: ignore[union-attr]


def test_last_used_is_written_at_most_once_a_minute(world: OpenData) -> None:
    _, secret = world.token()
    for _ in range(5):
        world.credentials.authenticate(bearer(secret))
    world.later(seconds=61)
    world.credentials.authenticate(bearer(secret))
    assert world.store.touched == 2


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Basic abc", "Bearer hp_pat_short", "Bearer hp_pat_" + "x" * 43]
)
def test_no_token_or_an_unknown_one_is_refused(world: OpenData, header: str | None) -> None:
    world.token()
    with pytest.raises(Unauthorized) as refused:
        world.credentials.authenticate(header)
    assert refused.value.code in {"token_missing", "token_invalid"}


# --- scope refused -------------------------------------------------------------------------


def test_a_token_is_refused_for_another_customer_another_kind_and_other_facilities(world: OpenData) -> None:
    _, secret = world.token(kinds=("readings",), facilities=["F-100001"])
    credential = world.credentials.authenticate(bearer(secret))

    with pytest.raises(Forbidden) as refused:
        world.scopes.scope(credential, "100002", "readings", "readings")
    assert refused.value.code == "token_customer"
    with pytest.raises(Forbidden) as refused:
        world.scopes.scope(credential, "100001", "consumption", "consumption")
    assert refused.value.code == "token_kind"

    scope = world.scopes.scope(credential, "100001", "readings", "readings")
    assert [m.number for m in scope.visible_meters()] == ["M-100001"] and not scope.whole
    with pytest.raises(Forbidden):
        scope.meter("N-100001")
    with pytest.raises(NotFound):
        scope.meter("M-404")


def test_invoices_need_a_token_that_covers_every_facility(world: OpenData) -> None:
    _, partial = world.token(kinds=("invoices",), facilities=["F-100001"])
    _, whole = world.token(kinds=("invoices",))
    with pytest.raises(Forbidden) as refused:
        world.scopes.scope(world.credentials.authenticate(bearer(partial)), "100001", "invoices", "invoices")
    assert refused.value.code == "token_whole_customer"
    assert world.scopes.scope(world.credentials.authenticate(bearer(whole)), "100001", "invoices", "invoices").whole


def test_a_person_who_loses_access_loses_it_for_their_tokens(world: OpenData) -> None:
    _, secret = world.token()
    credential = world.credentials.authenticate(bearer(secret))
    del world.memberships.items[("kari", "100001")]

    with pytest.raises(Forbidden):
        world.scopes.scope(credential, "100001", "readings", "readings")
    assert world.scopes.customers(credential) == []


# --- revoke and expire ---------------------------------------------------------------------


def test_a_revoked_token_is_refused_at_once(world: OpenData) -> None:
    token, secret = world.token()
    world.credentials.authenticate(bearer(secret))
    world.tokens.revoke(KARI, token.id)

    with pytest.raises(Unauthorized) as refused:
        world.credentials.authenticate(bearer(secret))
    assert refused.value.code == "token_revoked"
    assert world.store.audit[-1].action == "token_revoked"


def test_nobody_revokes_another_persons_token(world: OpenData) -> None:
    token, secret = world.token()
    with pytest.raises(NotFound):
        world.tokens.revoke(OLA, token.id)
    with pytest.raises(NotFound):
        world.tokens.revoke(STAFF, token.id)
    assert world.credentials.authenticate(bearer(secret)).id == token.id


def test_revoke_all_revokes_every_working_token_of_the_person(world: OpenData) -> None:
    secrets_ = [world.token()[1] for _ in range(3)]
    assert world.tokens.revoke_all(KARI) == 3
    for secret in secrets_:
        with pytest.raises(Unauthorized):
            world.credentials.authenticate(bearer(secret))
    assert world.tokens.revoke_all(KARI) == 0


def test_an_expired_token_is_refused_at_once(world: OpenData) -> None:
    token, secret = world.token()
    world.clock._now = token.expires_at - timedelta(seconds=1)
    world.credentials.authenticate(bearer(secret))
    world.clock._now = token.expires_at

    with pytest.raises(Unauthorized) as refused:
        world.credentials.authenticate(bearer(secret))
    assert refused.value.code == "token_expired"
    assert world.tokens.of(KARI)[0].status(world.clock.now()) == "expired"


# --- rate limit ----------------------------------------------------------------------------


def test_each_token_has_its_own_rate_and_says_when_to_retry(world: OpenData) -> None:
    _, busy = world.token()
    _, quiet = world.token()
    for _ in range(DATA_TOKEN_RATE.limit):
        world.credentials.authenticate(bearer(busy))

    with pytest.raises(RateLimited) as refused:
        world.credentials.authenticate(bearer(busy))
    assert 1 <= refused.value.params["retry_after"] <= DATA_TOKEN_RATE.window_seconds
    world.credentials.authenticate(bearer(quiet))

    world.later(seconds=DATA_TOKEN_RATE.window_seconds)
    world.credentials.authenticate(bearer(busy))


# --- provider shares -----------------------------------------------------------------------


def share(world: OpenData, who: Principal = KARI, **changes: object) -> tuple[str, object]:
    scope = world.access.scope(who, "100001")
    args: dict[str, object] = {
        "provider_name": "Energieberatung Müller",
        "provider_email": "Daten@Mueller.example",
        "facilities": ["F-100001"],
        "kinds": ["consumption"],
        "valid_from": None,
        "valid_until": date(2026, 12, 31),
        "language": "de",
    }
    args.update(changes)
    shared = world.shares.grant(scope, **args)  # type: ignore[arg-type]
    return world.notices[-1].secret, shared


def test_a_share_goes_to_the_provider_and_every_read_is_in_the_customers_audit_trail(world: OpenData) -> None:
    secret, _ = share(world)
    notice = world.notices[-1]
    assert secret.startswith("hp_shr_") and notice.share.provider_email == "daten@mueller.example"
    assert [f.id for f in notice.facilities] == ["F-100001"]

    credential = world.credentials.authenticate(bearer(secret))
    scope = world.scopes.scope(credential, "100001", "consumption", "consumption M-100001")
    world.scopes.scope(credential, "100001", None, "meters")

    assert [m.number for m in scope.visible_meters()] == ["M-100001"]
    actions = [(e.action, e.actor, e.subject) for e in [*world.store.audit, *world.store.reads]]
    assert actions == [
        ("share_granted", "kari@example.no", "Energieberatung Müller"),
        ("share_used", "Energieberatung Müller <daten@mueller.example>", "consumption M-100001"),
        ("share_used", "Energieberatung Müller <daten@mueller.example>", "meters"),
    ]
    with pytest.raises(Forbidden):
        world.scopes.scope(credential, "100001", "readings", "readings")


def test_a_revoked_share_is_refused_at_once_and_a_share_works_only_in_its_period(world: OpenData) -> None:
    secret, shared = share(world, valid_from=date(2026, 6, 1))
    with pytest.raises(Unauthorized) as refused:
        world.credentials.authenticate(bearer(secret))
    assert refused.value.code == "token_not_yet_valid"

    world.clock.set_today(date(2026, 6, 1))
    world.credentials.authenticate(bearer(secret))
    world.shares.revoke(world.access.scope(KARI, "100001"), shared.id)  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized) as refused:
        world.credentials.authenticate(bearer(secret))
    assert refused.value.code == "token_revoked"

    secret, _ = share(world, valid_until=date(2026, 6, 30))
    world.clock.set_today(date(2026, 7, 1))
    with pytest.raises(Unauthorized) as refused:
        world.credentials.authenticate(bearer(secret))
    assert refused.value.code == "token_expired"


def test_only_the_customers_administrators_share_and_customer_service_only_looks(world: OpenData) -> None:
    world.memberships.add(a_membership("read", "100001", Role.READ))
    with pytest.raises(Forbidden):
        share(world, Principal(user_id="read", email="read@example.no"))
    with pytest.raises(Forbidden) as refused:
        share(world, STAFF)
    assert refused.value.code == "share_customer_only"
    share(world)
    assert len(world.shares.of(world.access.scope(STAFF, "100001"))) == 1
    assert world.notices[-1].share.created_by == "kari@example.no"


def test_a_share_of_invoices_covers_every_facility_and_its_period_is_checked(world: OpenData) -> None:
    with pytest.raises(ValidationFailed) as refused:
        share(world, kinds=["invoices"])
    assert refused.value.code == "share_invoices_whole"
    with pytest.raises(ValidationFailed) as refused:
        share(world, valid_until=date(2026, 5, 9))
    assert refused.value.code == "share_period_invalid"
    with pytest.raises(ValidationFailed):
        share(world, facilities=["F-100002"])
    assert world.notices == [] and world.store.credentials == {}
    share(world, kinds=["invoices"], facilities=["F-100001", "G-100001"])
