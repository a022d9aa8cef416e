"""Advance payments (seeds 002, 003) with the Dutch profile: the allowed range
is 0.7 to 1.5 times a twelfth of the expected yearly cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Customer, Role
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.services.access import AccessService, Principal
from heatportal.services.advance import AdvanceService
from tests.builders import a_customer, a_membership
from tests.fakes.clock import FixedClock
from tests.fakes.payments import FixedYearlyCost, InMemoryAdvanceRepository
from tests.fakes.world import World

TODAY = date(2026, 3, 10)
CUSTOMER = "12345678901"


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def render(
    customer: Customer, advance: AdvancePayment, previous: AdvancePayment | None, profile: UtilityProfile, url: str
) -> Mail:
    old = previous.amount if previous else "-"
    return Mail(f"Voorschot {advance.amount}", f"{old} -> {advance.amount} vanaf {advance.valid_from}", "<p></p>")


def setup(profile_id: str = "nl", role: Role = Role.FULL) -> tuple[AdvanceService, World, InMemoryAdvanceRepository]:
    world = World(clock=FixedClock(TODAY))
    world.customers.add_customer(a_customer(CUSTOMER, email="jan@example.nl", language="nl"))
    world.memberships.add(a_membership("u1", CUSTOMER, role))
    advances = InMemoryAdvanceRepository()
    advances.put_advance(AdvancePayment(CUSTOMER, date(2026, 1, 1), Decimal("95.00"), "EUR"))
    advances.writes = 0
    service = AdvanceService(
        profile=load_profile(profile_id),
        access=AccessService(world.memberships),
        customers=world.customers,
        advances=advances,
        # Expected 1200.00 a year: heat 1000.00, hot tap water 200.00 -> 100.00 a month.
        costs=FixedYearlyCost(Decimal("1200.00"), {"heat": Decimal("1000.00"), "hot_water": Decimal("200.00")}),
        mailer=world.mailer,
        clock=world.clock,
        render_email=render,
        portal_url="https://mijn.warmtenet.example",
    )
    return service, world, advances


PERSON = Principal(user_id="u1", email="jan@example.nl")


def test_the_overview_shows_amount_validity_split_per_supply_type_and_range():
    service, _, _ = setup()
    overview = service.overview(PERSON, CUSTOMER)
    assert overview.current is not None
    assert overview.current.amount == Decimal("95.00")
    assert overview.current.valid_from == date(2026, 1, 1)
    assert overview.valid_to is None
    # 95.00 x 1000/1200 = 79.1666 -> 79.17; hot tap water gets the rest: 15.83.
    assert overview.per_supply_type == {"heat": Decimal("79.17"), "hot_water": Decimal("15.83")}
    assert sum(overview.per_supply_type.values()) == overview.current.amount
    assert (overview.allowed.minimum, overview.allowed.maximum) == (Decimal("70.00"), Decimal("150.00"))
    assert overview.earliest_change == date(2026, 4, 1)


@pytest.mark.parametrize("amount", ["69.99", "150.01", "1000"])
def test_an_amount_outside_the_range_is_refused_with_the_range(amount):
    service, world, advances = setup()
    with pytest.raises(ValidationFailed) as refused:
        service.change(PERSON, CUSTOMER, Decimal(amount), date(2026, 4, 1), "")
    assert refused.value.code == "advance_out_of_range"
    assert refused.value.params == {"minimum": Decimal("70.00"), "maximum": Decimal("150.00"), "currency": "EUR"}
    assert advances.writes == 0
    assert world.mailer.sent == []


def test_a_change_applies_from_the_next_period_and_is_confirmed_by_email():
    service, world, advances = setup()
    advance, overview = service.change(PERSON, CUSTOMER, Decimal("120.00"), date(2026, 3, 12), " hogere prijzen ")
    assert advance.valid_from == date(2026, 4, 1)  # not this month: from the next period
    assert advance.comment == "hogere prijzen"
    assert advances.writes == 1
    assert overview.current is not None and overview.current.amount == Decimal("95.00")
    assert overview.upcoming == advance
    assert overview.valid_to == date(2026, 3, 31)
    [mail] = world.mailer.sent
    assert mail.recipient == "jan@example.nl"
    assert mail.text == "95.00 -> 120.00 vanaf 2026-04-01"


def test_a_desired_date_inside_a_later_month_starts_on_the_following_first():
    service, _, _ = setup()
    advance, _ = service.change(PERSON, CUSTOMER, Decimal("70.00"), date(2026, 6, 15), "")
    assert advance.valid_from == date(2026, 7, 1)
    edge, _ = service.change(PERSON, CUSTOMER, Decimal("150.00"), date(2026, 8, 1), "")
    assert edge.valid_from == date(2026, 8, 1)


def test_read_only_users_and_strangers_cannot_change_it():
    service, _, advances = setup(role=Role.READ)
    with pytest.raises(Forbidden):
        service.change(PERSON, CUSTOMER, Decimal("100.00"), date(2026, 4, 1), "")
    with pytest.raises(Forbidden):
        service.overview(Principal(user_id="someone", email="x@example.nl"), CUSTOMER)
    assert advances.writes == 0


def test_more_than_two_decimals_is_refused():
    service, _, _ = setup()
    with pytest.raises(ValidationFailed) as refused:
        service.change(PERSON, CUSTOMER, Decimal("100.005"), date(2026, 4, 1), "")
    assert refused.value.code == "advance_amount_invalid"


def test_a_utility_billing_in_arrears_has_no_advance():
    service, _, _ = setup(profile_id="no")
    with pytest.raises(NotFound) as missing:
        service.overview(PERSON, CUSTOMER)
    assert missing.value.code == "advance_not_used"
