"""Reminder agreements and reading by emailed link (services.reading_links)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from heatportal.domain.model import Role
from heatportal.services.access import AccessService, Principal
from heatportal.services.reading_links import SUBMITS_PER_TOKEN_PER_HOUR, ReadingLinkService, hash_token
from heatportal.services.readings import ReadingService
from tests.builders import a_customer, a_membership, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.readings import InMemoryReadingRepository
from tests.fakes.reminders import InMemoryReminderStore

OWNER = Principal(user_id="owner", email="kari@example.no")
READER = Principal(user_id="reader", email="reader@example.no")


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(date(2024, 3, 29))
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer("100001"))
        self.customers.add_meter(a_meter("M-1", installed_on=date(2023, 1, 1)))
        self.readings = InMemoryReadingRepository()
        r = a_reading("M-1", date(2024, 3, 1), "3000")
        self.readings.readings[("M-1", r.read_on)] = r
        access = AccessService(
            InMemoryMembershipRepository(
                a_membership("owner", "100001", Role.FULL), a_membership("reader", "100001", Role.READ)
            )
        )
        self.store = InMemoryReminderStore()
        self.service = ReadingLinkService(
            self.customers,
            ReadingService(self.customers, self.readings, access, self.clock),
            self.store,
            access,
            country="NO",
        )

    def token(self) -> str:
        agreement = self.service.set_up_agreement(OWNER, "100001", "M-1", "email", None)
        return self.service.issue(agreement, "2024-03", date(2024, 4, 1))


@pytest.fixture
def world() -> World:
    return World()


def test_only_the_hash_of_the_token_is_stored(world: World) -> None:
    token = world.token()
    assert len(token) >= 40
    assert list(world.store.links) == [hash_token(token)]
    assert token not in repr(world.store.links)


def test_a_link_takes_one_reading_and_then_is_used(world: World) -> None:
    token = world.token()
    assert world.service.form(token).meter.number == "M-1"
    result = world.service.submit(token, Decimal(3100), None, confirmed=False, client="10.0.0.1")
    assert (result.reading.value, result.reading.source.value) == (Decimal(3100), "link")
    with pytest.raises(NotFound) as used:
        world.service.submit(token, Decimal(3200), None, confirmed=False, client="10.0.0.1")
    assert used.value.code == "reading_link_used"


def test_a_refused_value_leaves_the_link_usable(world: World) -> None:
    token = world.token()
    with pytest.raises(ValidationFailed):
        world.service.submit(token, Decimal(10), None, confirmed=False, client="10.0.0.1")
    assert world.service.submit(token, Decimal(3100), None, confirmed=False, client="10.0.0.1").reading.value == 3100


def test_a_link_expires_ten_days_after_the_cutoff(world: World) -> None:
    token = world.token()
    world.clock.set_today(date(2024, 4, 11))
    with pytest.raises(NotFound) as expired:
        world.service.form(token)
    assert expired.value.code == "reading_link_invalid"
    with pytest.raises(NotFound):
        world.service.form("x" * 43)


def test_submissions_are_limited_per_token(world: World) -> None:
    token = world.token()
    for _ in range(SUBMITS_PER_TOKEN_PER_HOUR):
        with pytest.raises(ValidationFailed):
            world.service.submit(token, Decimal(1), None, confirmed=False, client="10.0.0.1")
    with pytest.raises(RateLimited):
        world.service.submit(token, Decimal(3100), None, confirmed=False, client="10.0.0.1")
    assert ("M-1", date(2024, 3, 29)) not in world.readings.readings


def test_agreements_are_checked(world: World) -> None:
    with pytest.raises(Forbidden):
        world.service.set_up_agreement(READER, "100001", "M-1", "email", None)
    with pytest.raises(ValidationFailed) as phone:
        world.service.set_up_agreement(OWNER, "100001", "M-1", "sms", "123")
    assert phone.value.code == "reminder_phone_invalid"
    with pytest.raises(ValidationFailed) as mail:
        world.service.set_up_agreement(OWNER, "100001", "M-1", "email", "not an address")
    assert mail.value.code == "reminder_email_invalid"
    sms = world.service.set_up_agreement(OWNER, "100001", "M-1", "sms", "91234567")
    assert sms.address == "+4791234567"


def test_a_customer_lists_and_ends_only_its_own_agreements(world: World) -> None:
    world.service.set_up_agreement(OWNER, "100001", "M-1", "sms", "91234567")
    assert [a.address for a in world.service.list_agreements(READER, "100001")] == ["+4791234567"]
    with pytest.raises(Forbidden):
        world.service.remove_agreement(READER, "100001", "M-1", "sms", "+4791234567")
    world.service.remove_agreement(OWNER, "100001", "M-1", "sms", "+4791234567")
    assert world.service.list_agreements(OWNER, "100001") == []
    with pytest.raises(NotFound) as gone:
        world.service.remove_agreement(OWNER, "100001", "M-1", "sms", "+4791234567")
    assert gone.value.code == "reminder_not_found"
