"""Customer service adds meters and replaces them (services.meter_lifecycle):
staff only, one atomic write, retries answered with the same result, and
every rejection with its code and nothing stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from heatportal.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Facility, MeterKind, ReadingSource, Register, RegisterName, Role
from heatportal.domain.money import EnergyUnit
from heatportal.services.access import AccessService, Principal
from heatportal.services.meter_lifecycle import MeterLifecycleService
from tests.builders import ADDRESS, a_customer, a_membership, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.meters import InMemoryMeterLifecycleStore
from tests.fakes.readings import InMemoryReadingRepository

CUSTOMER, OTHER = "100001", "100002"
STAFF = Principal(user_id="staff", email="kundesenter@example.no", groups=frozenset({"staff"}))
ADMIN = Principal(user_id="admin", email="admin@example.no")
TODAY = date(2024, 3, 15)


class World:
    def __init__(self) -> None:
        self.customers = InMemoryCustomerRepository()
        for number in (CUSTOMER, OTHER):
            self.customers.add_customer(a_customer(number))
            self.customers.add_facility(Facility(id=f"F{number}", customer_number=number, name="Hus", address=ADDRESS))
        self.customers.add_meter(
            a_meter("M-1", CUSTOMER, installed_on=date(2023, 1, 1)).model_copy(
                update={"facility_id": f"F{CUSTOMER}", "register_digits": 5}
            )
        )
        self.customers.add_meter(a_meter("M-OTHER", OTHER).model_copy(update={"facility_id": f"F{OTHER}"}))
        self.readings = InMemoryReadingRepository()
        for day, value in ((date(2024, 1, 1), "12000"), (date(2024, 2, 1), "13500")):
            self.readings.readings[("M-1", day)] = a_reading("M-1", day, value)
        access = AccessService(InMemoryMembershipRepository(a_membership("admin", CUSTOMER, Role.ADMIN)))
        self.store = InMemoryMeterLifecycleStore(self.customers, self.readings)
        self.service = MeterLifecycleService(self.customers, self.readings, self.store, access, FixedClock(TODAY))

    def snapshot(self) -> tuple[Any, ...]:
        return (dict(self.customers.meters), dict(self.readings.readings), len(self.store.history))

    def add(self, principal: Principal = STAFF, **fields: Any) -> Any:
        body: dict[str, Any] = {
            "number": "N-100",
            "facility_id": f"F{CUSTOMER}",
            "kind": MeterKind.HOT_WATER,
            "unit": EnergyUnit.M3,
            "decimals": 2,
            "installed_on": date(2024, 3, 1),
            "start_value": Decimal("1.25"),
        }
        body.update(fields)
        return self.service.add(principal, CUSTOMER, **body)

    def replace(self, principal: Principal = STAFF, meter: str = "M-1", **fields: Any) -> Any:
        body: dict[str, Any] = {
            "on": date(2024, 3, 10),
            "final_value": Decimal(14000),
            "new_number": "N-200",
            "new_start_value": Decimal(5),
            "reason": "Defekt måler",
        }
        body.update(fields)
        return self.service.replace(principal, CUSTOMER, meter, **body)

    def refused(self, action: str, **fields: Any) -> str:
        before = self.snapshot()
        with pytest.raises(DomainError) as error:
            getattr(self, action)(**fields)
        assert self.snapshot() == before  # nothing stored
        return error.value.code


@pytest.fixture
def world() -> World:
    return World()


def test_staff_add_a_meter_that_starts_with_its_installation_reading(world: World) -> None:
    added = world.add()
    assert added.created
    stored = world.customers.meters["N-100"]
    assert (stored.kind, stored.unit, stored.decimals, stored.start_value) == (
        MeterKind.HOT_WATER,
        EnergyUnit.M3,
        2,
        Decimal("1.25"),
    )
    first = world.readings.readings[("N-100", date(2024, 3, 1))]
    assert (first.value, first.source, first.estimated) == (Decimal("1.25"), ReadingSource.STAFF, False)


def test_adding_the_same_meter_again_is_a_retry_that_writes_nothing(world: World) -> None:
    world.add()
    again = world.add(start_value=Decimal("1.250"))
    assert not again.created and again.meter == world.customers.meters["N-100"]
    assert world.store.transactions == 1


@pytest.mark.parametrize(
    ("fields", "code", "error_type"),
    [
        ({"start_value": Decimal(2)}, "meter_number_taken", Conflict),  # a different body, same number
        ({"number": "M-OTHER"}, "meter_number_taken", Conflict),  # another customer's meter
        ({"number": "målar 1"}, "meter_number_invalid", ValidationFailed),
        ({"facility_id": f"F{OTHER}"}, "facility_unknown", ValidationFailed),
        ({"unit": EnergyUnit.KWH}, "meter_unit_invalid", ValidationFailed),  # hot water counts m3
        ({"kind": MeterKind.ELECTRICITY, "unit": EnergyUnit.GJ}, "meter_unit_invalid", ValidationFailed),
        ({"installed_on": date(2024, 3, 16)}, "meter_installed_in_future", ValidationFailed),
        ({"start_value": Decimal("1.255")}, "meter_start_value_invalid", ValidationFailed),
        ({"register_digits": 2, "start_value": Decimal(100)}, "meter_start_value_invalid", ValidationFailed),
        (
            {
                "kind": MeterKind.HEAT,
                "unit": EnergyUnit.KWH,
                "decimals": 0,
                "start_value": Decimal(0),
                "registers": (Register(name=RegisterName.ENERGY, unit=EnergyUnit.MWH, decimals=3),),
            },
            "meter_registers_invalid",
            ValidationFailed,
        ),
    ],
)
def test_a_meter_that_cannot_be_added_is_refused_and_nothing_stored(
    world: World, fields: dict[str, Any], code: str, error_type: type[DomainError]
) -> None:
    if code == "meter_number_taken" and "number" not in fields:
        world.add()
    before = world.snapshot()
    with pytest.raises(error_type) as error:
        world.add(**fields)
    assert error.value.code == code
    assert world.snapshot() == before


def test_only_customer_service_adds_or_replaces_meters(world: World) -> None:
    with pytest.raises(Forbidden) as error:
        world.add(principal=ADMIN)
    assert error.value.code == "meter_lifecycle_staff_only"
    with pytest.raises(Forbidden):
        world.replace(principal=ADMIN)
    assert "N-100" not in world.customers.meters and "N-200" not in world.customers.meters


def test_a_replacement_removes_the_old_meter_with_its_final_reading_and_installs_the_new_one(world: World) -> None:
    result = world.replace()
    assert result.created
    old, new = world.customers.meters["M-1"], world.customers.meters["N-200"]
    assert old.removed_on == date(2024, 3, 10)
    assert (new.facility_id, new.kind, new.unit, new.installed_on, new.start_value, new.register_digits) == (
        old.facility_id,
        old.kind,
        old.unit,
        date(2024, 3, 10),
        Decimal(5),
        5,
    )
    final = world.readings.readings[("M-1", date(2024, 3, 10))]
    assert (final.value, final.source, final.rollover) == (Decimal(14000), ReadingSource.STAFF, False)
    assert world.readings.readings[("N-200", date(2024, 3, 10))].value == Decimal(5)
    [note] = world.store.history
    assert (note.meter_number, note.previous_removed_on, note.removed_on, note.changed_by) == (
        "M-1",
        None,
        date(2024, 3, 10),
        "kundesenter@example.no",
    )
    assert "N-200" in note.reason


def test_the_same_replacement_again_answers_the_same_and_writes_nothing(world: World) -> None:
    first = world.replace()
    again = world.replace()
    assert not again.created
    assert (again.old, again.new, again.final.value) == (first.old, first.new, first.final.value)
    assert world.store.transactions == 1


def test_another_replacement_of_a_removed_meter_is_a_conflict(world: World) -> None:
    world.replace()
    assert world.refused("replace", new_number="N-300") == "meter_already_removed"
    assert world.refused("replace", final_value=Decimal(14001)) == "meter_already_removed"


def test_a_final_value_below_the_previous_one_is_a_rollover_on_a_register_that_wraps(world: World) -> None:
    world.replace(final_value=Decimal(120))
    assert world.readings.readings[("M-1", date(2024, 3, 10))].rollover


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"on": date(2024, 3, 16)}, "reading_in_future"),
        ({"on": date(2022, 12, 31)}, "reading_outside_meter_life"),
        ({"on": date(2024, 1, 20)}, "reading_before_previous"),  # before the reading of 1 February
        ({"final_value": Decimal("14000.5")}, "reading_too_many_decimals"),
        ({"final_value": Decimal(100000)}, "reading_exceeds_register"),
        ({"new_number": "M-OTHER"}, "meter_number_taken"),
        ({"new_number": "M-1"}, "meter_number_taken"),
        ({"new_start_value": Decimal("0.5")}, "meter_start_value_invalid"),
        ({"new_number": ""}, "meter_number_invalid"),
        ({"reason": "  "}, "meter_settings_reason_required"),
    ],
)
def test_a_replacement_that_cannot_be_is_refused_and_nothing_stored(
    world: World, fields: dict[str, Any], code: str
) -> None:
    assert world.refused("replace", **fields) == code


def test_a_meter_of_unknown_size_cannot_end_below_its_previous_reading(world: World) -> None:
    world.customers.meters["M-1"] = world.customers.meters["M-1"].model_copy(update={"register_digits": None})
    assert world.refused("replace", final_value=Decimal(13000)) == "reading_below_previous"


def test_an_actual_reading_already_stored_that_day_is_the_final_one_when_equal(world: World) -> None:
    world.readings.readings[("M-1", date(2024, 3, 10))] = a_reading("M-1", date(2024, 3, 10), "14000")
    world.replace()
    assert world.customers.meters["M-1"].removed_on == date(2024, 3, 10)
    # The customer's own reading of that day is kept as the final one.
    assert world.readings.readings[("M-1", date(2024, 3, 10))].source == ReadingSource.PORTAL


def test_a_different_actual_reading_that_day_is_a_conflict(world: World) -> None:
    world.readings.readings[("M-1", date(2024, 3, 10))] = a_reading("M-1", date(2024, 3, 10), "13900")
    assert world.refused("replace") == "reading_duplicate"


def test_another_customers_meter_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.replace(meter="M-OTHER")
    assert world.customers.meters["M-OTHER"].removed_on is None


def test_a_concurrent_claim_of_the_number_is_a_conflict_not_a_half_write(world: World) -> None:
    # The number was free at the lookup but is taken at write time (another request).
    world.store.numbers.add("N-200")
    assert world.refused("replace") == "meter_number_taken"
    assert world.customers.meters["M-1"].removed_on is None
