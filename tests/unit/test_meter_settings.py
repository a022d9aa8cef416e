"""Customer service sets a meter's register digits (and decimals, removal
date) with a reason kept in the history; the register must fit every stored
reading (services.meter_settings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.model import Role
from heatportal.services.access import AccessService, Principal
from heatportal.services.meter_settings import MeterSettingsService
from heatportal.services.readings import ReadingService
from tests.builders import a_customer, a_membership, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.meters import InMemoryMeterSettingsStore
from tests.fakes.readings import InMemoryReadingRepository

CUSTOMER = "100001"
STAFF = Principal(user_id="staff", email="kundesenter@example.no", groups=frozenset({"staff"}))
ADMIN = Principal(user_id="admin", email="admin@example.no")


class World:
    def __init__(self) -> None:
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer(CUSTOMER))
        self.meter = self.customers.add_meter(
            a_meter("M-1", CUSTOMER, installed_on=date(2023, 1, 1)).model_copy(update={"decimals": 1})
        )
        self.readings = InMemoryReadingRepository()
        for day, value in ((date(2024, 1, 1), "12000.5"), (date(2024, 2, 1), "13500")):
            self.readings.readings[("M-1", day)] = a_reading("M-1", day, value)
        access = AccessService(InMemoryMembershipRepository(a_membership("admin", CUSTOMER, Role.ADMIN)))
        clock = FixedClock(date(2024, 3, 15))
        self.store = InMemoryMeterSettingsStore(self.customers)
        self.service = MeterSettingsService(
            ReadingService(self.customers, self.readings, access, clock), self.readings, self.store, access, clock
        )

    def change(self, principal: Principal = STAFF, **settings: object) -> object:
        settings.setdefault("reason", "Typeskilt kontrollert")
        return self.service.change(principal, CUSTOMER, "M-1", **settings)  # type: ignore[arg-type]

    def refused(self, **settings: object) -> str:
        before = (self.customers.meters["M-1"], len(self.store.history))
        with pytest.raises(ValidationFailed) as error:
            self.change(STAFF, **settings)
        assert (self.customers.meters["M-1"], len(self.store.history)) == before  # nothing stored
        return error.value.code


@pytest.fixture
def world() -> World:
    return World()


def test_staff_set_the_register_digits_with_the_reason_kept(world: World) -> None:
    result = world.change(register_digits=5)
    assert world.customers.meters["M-1"].register_digits == 5
    [change] = result.history  # type: ignore[attr-defined]
    assert (change.previous_register_digits, change.register_digits, change.reason, change.changed_by) == (
        None,
        5,
        "Typeskilt kontrollert",
        "kundesenter@example.no",
    )


def test_the_same_settings_again_record_nothing(world: World) -> None:
    world.change(register_digits=5)
    world.change(register_digits=5)
    assert world.store.writes == 1


def test_fewer_digits_than_a_stored_reading_are_refused(world: World) -> None:
    # 13500 has five digits before the decimals
    assert world.refused(register_digits=4) == "meter_digits_below_readings"


def test_fewer_decimals_than_a_stored_reading_are_refused(world: World) -> None:
    # 12000.5 has one decimal
    assert world.refused(register_digits=6, decimals=0) == "meter_decimals_below_readings"
    world.change(register_digits=6, decimals=2)
    assert world.customers.meters["M-1"].decimals == 2


def test_a_reason_is_required(world: World) -> None:
    assert world.refused(register_digits=6, reason="   ") == "meter_settings_reason_required"


def test_digits_out_of_range_are_refused(world: World) -> None:
    assert world.refused(register_digits=13) == "meter_digits_invalid"
    assert world.refused(register_digits=6, decimals=4) == "meter_decimals_invalid"


def test_a_register_that_already_rolled_over_keeps_its_digits(world: World) -> None:
    world.change(register_digits=5)
    rolled = a_reading("M-1", date(2024, 3, 1), "200").model_copy(update={"rollover": True})
    world.readings.readings[("M-1", rolled.read_on)] = rolled
    assert world.refused(register_digits=6) == "meter_digits_rollover_recorded"


def test_the_removal_date_is_not_before_the_last_reading(world: World) -> None:
    assert world.refused(register_digits=6, removed_on=date(2024, 1, 15)) == "meter_removal_before_reading"
    world.change(register_digits=6, removed_on=date(2024, 2, 1))
    assert world.customers.meters["M-1"].removed_on == date(2024, 2, 1)
    # Sent as None the removal date is cleared; left out it stays
    world.change(register_digits=7)
    assert world.customers.meters["M-1"].removed_on == date(2024, 2, 1)
    world.change(register_digits=7, removed_on=None)
    assert world.customers.meters["M-1"].removed_on is None


def test_only_staff_change_settings(world: World) -> None:
    with pytest.raises(Forbidden) as error:
        world.change(ADMIN, register_digits=6)
    assert error.value.code == "meter_settings_staff_only"
    assert world.store.history == []


def test_a_value_exactly_at_the_register_top_fits(world: World) -> None:
    world.readings.readings[("M-1", date(2024, 3, 1))] = a_reading("M-1", date(2024, 3, 1), "99999.9")
    assert world.refused(register_digits=4) == "meter_digits_below_readings"
    world.change(register_digits=5)
    assert Decimal("99999.9") < Decimal(10) ** world.customers.meters["M-1"].register_digits  # type: ignore[operator]
