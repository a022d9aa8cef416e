"""Service interruptions: staff announce them; a customer sees the
current ones and those planned within 30 days that touch their facilities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.model import Address, Customer, Facility, Membership, Role
from heatportal.services.access import AccessService, Principal
from heatportal.services.interruptions import InterruptionService
from tests.fakes.clock import FixedClock
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.interruptions import InMemoryInterruptionRepository

STAFF = Principal(user_id="staff-1", email="staff@example.com", groups=frozenset({"staff"}))
KARI = Principal(user_id="kari", email="kari@example.com")
STRANGER = Principal(user_id="stranger", email="stranger@example.com")


@pytest.fixture
def world():
    clock = FixedClock(date(2026, 11, 22), hour=9)
    customers = InMemoryCustomerRepository()
    address = Address(street="Storgata 1", postcode="0155", city="Oslo", country="NO")
    customers.add_customer(Customer(number="100001", name="Kari Nordmann", language="nb", address=address))
    customers.add_facility(Facility(id="F1", customer_number="100001", name="Storgata 1", address=address))
    memberships = InMemoryMembershipRepository(
        Membership(user_id="kari", customer_number="100001", role=Role.READ, email="kari@example.com")
    )
    repo = InMemoryInterruptionRepository()
    service = InterruptionService(repo, clock)
    access = AccessService(InMemoryCustomerRecords(memberships, customers))
    return service, repo, clock, access


def announce(service, *, hours_from_now: float, hours: float | None = 4, title: str, postcodes=(), planned=True):
    now = datetime(2026, 11, 22, 9, tzinfo=UTC)
    starts = now + timedelta(hours=hours_from_now)
    return service.announce(
        STAFF,
        planned=planned,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours) if hours is not None else None,
        title=title,
        postcodes=postcodes,
    )


def test_the_customer_sees_current_and_planned_interruptions_in_their_area(world):
    service, _repo, _clock, access = world
    announce(service, hours_from_now=-1, hours=None, title="Pipe burst", planned=False, postcodes=("0155",))
    announce(service, hours_from_now=24 * 9, title="Valve work", postcodes=("0 155",))  # spaces ignored
    announce(service, hours_from_now=24 * 9, title="Whole network")
    announce(service, hours_from_now=24 * 9, title="Bergen", postcodes=("5003",))
    announce(service, hours_from_now=24 * 31, title="Next month")
    announce(service, hours_from_now=-10, hours=2, title="Over already", postcodes=("0155",))

    notice = service.for_customer(access.scope(KARI, "100001"))

    assert [i.title for i in notice.current] == ["Pipe burst"]
    assert sorted(i.title for i in notice.upcoming) == ["Valve work", "Whole network"]


def test_an_interruption_shows_until_it_ends(world):
    service, _repo, clock, access = world
    announce(service, hours_from_now=1, hours=4, title="Valve work")
    assert [i.title for i in service.for_customer(access.scope(KARI, "100001")).upcoming] == ["Valve work"]
    clock._now += timedelta(hours=2)
    assert [i.title for i in service.for_customer(access.scope(KARI, "100001")).current] == ["Valve work"]
    clock._now += timedelta(hours=3)
    notice = service.for_customer(access.scope(KARI, "100001"))
    assert notice.current == [] and notice.upcoming == []


def test_the_repository_is_asked_for_a_bounded_range_not_everything(world):
    service, repo, _clock, access = world
    service.for_customer(access.scope(KARI, "100001"))
    start, end = repo.queries[-1]
    assert end - start == timedelta(days=120, minutes=1)  # and the minute the read is kept for


def test_a_warm_container_reads_once_a_minute_and_at_once_after_an_announcement(world):
    service, repo, clock, access = world
    scope = access.scope(KARI, "100001")
    service.for_customer(scope)
    clock.advance(timedelta(seconds=59))
    service.for_customer(scope)
    assert len(repo.queries) == 1
    announce(service, hours_from_now=-1, hours=None, title="Pipe burst", planned=False)
    assert [i.title for i in service.for_customer(scope).current] == ["Pipe burst"]  # read again at once
    assert len(repo.queries) == 2
    clock.advance(timedelta(seconds=60))
    service.for_customer(scope)
    assert len(repo.queries) == 3
    clock.advance(timedelta(seconds=-5))  # a clock set back: read again rather than trust the old read
    service.for_customer(scope)
    assert len(repo.queries) == 4


def test_only_staff_announce_and_list_and_only_members_see_a_customer(world):
    service, repo, _clock, access = world
    with pytest.raises(Forbidden):
        service.announce(KARI, planned=True, starts_at=datetime(2026, 12, 1, tzinfo=UTC), ends_at=None, title="x y z")
    with pytest.raises(Forbidden):
        service.upcoming(KARI)
    with pytest.raises(Forbidden):
        service.for_customer(access.scope(STRANGER, "100001"))
    assert repo.items == {}


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "title"),
    [
        (datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "Backwards"),
        (datetime(2026, 12, 1), None, "No time zone"),
        (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC), "Half a year"),
        (datetime(2026, 12, 1, tzinfo=UTC), None, "  "),
    ],
)
def test_an_invalid_interruption_is_refused_with_a_stable_code_and_not_stored(world, starts_at, ends_at, title):
    service, repo, _clock, _access = world
    with pytest.raises(ValidationFailed) as refused:
        service.announce(STAFF, planned=True, starts_at=starts_at, ends_at=ends_at, title=title)
    assert refused.value.code == "interruption_invalid"
    assert repo.items == {}
