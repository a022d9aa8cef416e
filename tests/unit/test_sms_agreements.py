"""SMS agreements set up by text only with the customer's confirmation, and
the customer's replacement of a reading that came by SMS (in-memory fakes)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from heatportal.domain.errors import Forbidden
from heatportal.domain.model import ReadingSource, Role
from heatportal.services.access import AccessService, Principal
from heatportal.services.sms_agreements import CODE_ATTEMPTS, CODES_PER_CUSTOMER_PER_DAY
from tests.builders import a_customer, a_membership, a_reading
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryMembershipRepository
from tests.unit.test_reading_corrections import CUSTOMER, Setup
from tests.unit.test_sms import World

STRANGER = "98765432"


@pytest.fixture
def world() -> World:
    return World()


def test_a_start_sends_a_code_to_the_email_on_record_and_sets_nothing_up(world: World) -> None:
    assert world.text("KLEM START 100001 M-1", phone=STRANGER) == "start_code_sent"
    [(customer, phone, meter, code)] = world.codes
    assert (customer, phone, meter) == ("100001", "+4798765432", "M-1")
    assert code not in world.sms.sent[-1][1]  # not in the reply to the phone that asked
    assert world.store.agreements_for_phone("+4798765432") == []


def test_an_unconfirmed_phone_stores_nothing_not_even_an_unusual_value_with_ok(world: World) -> None:
    world.text("KLEM START 100001 M-1", phone=STRANGER)
    before = dict(world.readings.readings)
    for body in ("KLEM 99999 OK", "KLEM M-1 99999 OK", "KLEM 3100"):
        assert world.text(body, phone=STRANGER) == "unknown_sender"
    assert world.readings.readings == before


def test_the_code_from_the_same_phone_sets_the_agreement_up_once(world: World) -> None:
    world.text("KLEM START 100001 M-1", phone=STRANGER)
    code = world.codes[-1][3]
    assert world.text(f"KLEM START {code}", phone="91111111") == "start_malformed"  # another phone: nothing pending
    assert world.text(f"KLEM START {code}", phone=STRANGER) == "start_confirmed"
    assert [a.meter_number for a in world.store.agreements_for_phone("+4798765432")] == ["M-1"]
    assert world.text(f"KLEM START {code}", phone=STRANGER) == "start_malformed"  # used up
    assert world.text("KLEM 3100", phone=STRANGER) == "reading_confirmed"


def test_wrong_codes_use_up_the_tries_and_an_old_code_expires(world: World) -> None:
    world.text("KLEM START 100001 M-1", phone=STRANGER)
    code = world.codes[-1][3]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(CODE_ATTEMPTS):
        assert world.text(f"KLEM START {wrong}", phone=STRANGER) == "start_code_invalid"
    assert world.text(f"KLEM START {code}", phone=STRANGER) == "start_code_invalid"

    world.text("KLEM START 100001 M-1", phone="97777777")
    later = world.codes[-1][3]
    world.clock.set_today(world.clock.today() + timedelta(days=1))
    assert world.text(f"KLEM START {later}", phone="97777777") == "start_code_invalid"
    assert world.store.agreements_for_phone("+4797777777") == []


def test_the_phone_on_record_gets_its_code_in_the_reply(world: World) -> None:
    world.customers.add_customer(a_customer("100001").model_copy(update={"phone": "+47 912 34 567"}))
    assert world.text("KLEM START 100001 M-1", phone="91234567") == "start_code_here"
    assert world.codes == []
    code = world.sms.sent[-1][1].split("KLEM START ")[1][:6]
    assert world.text(f"KLEM START {code}", phone="91234567") == "start_confirmed"


def test_only_a_phone_on_record_gets_the_code_by_sms(world: World) -> None:
    world.customers.add_customer(a_customer("100001", email=None).model_copy(update={"phone": "+4791234567"}))
    assert world.text("KLEM START 100001 M-1", phone=STRANGER) == "start_code_sent"
    to_record = [text for phone, text in world.sms.sent if phone == "+4791234567"]
    assert len(to_record) == 1 and "+4798765432" in to_record[0] and "KLEM START" in to_record[0]


def test_without_contact_data_the_agreement_is_for_the_portal(world: World) -> None:
    world.customers.add_customer(a_customer("100001", email=None))
    assert world.text("KLEM START 100001 M-1", phone=STRANGER) == "start_no_contact"
    assert world.pending.pending == {}


def test_codes_per_customer_are_limited(world: World) -> None:
    outcomes = [
        world.text("KLEM START 100001 M-1", phone=f"9{n}000000") for n in range(1, CODES_PER_CUSTOMER_PER_DAY + 3)
    ]
    assert outcomes == ["start_code_sent"] * CODES_PER_CUSTOMER_PER_DAY + ["start_too_many"] * 2
    assert len(world.codes) == CODES_PER_CUSTOMER_PER_DAY


def test_a_phone_already_agreed_needs_no_new_code(world: World) -> None:
    world.start("100001", "M-1", phone=STRANGER)
    assert world.text("KLEM START 100001 M-1", phone=STRANGER) == "start_confirmed"
    assert len(world.codes) == 1


# --- the customer replaces a reading that came by SMS --------------------------------


def _sms_reading(setup: Setup, day: date, value: str) -> None:
    reading = a_reading("M-1", day, value).model_copy(update={"source": ReadingSource.SMS})
    setup.readings.add_reading(reading)


@pytest.fixture
def setup() -> Setup:
    s = Setup()
    for month, value in ((1, "2000"), (2, "3000"), (3, "4000")):
        s.add(date(2025, month, 1), value)
    _sms_reading(s, date(2025, 4, 1), "50000")
    return s


def test_the_customer_with_the_full_role_replaces_a_wrong_sms_reading(setup: Setup) -> None:
    owner = Principal(user_id="owner", email="owner@example.no")
    entry = setup.corrections.correct(setup.scope(owner), "M-1", date(2025, 4, 1), Decimal(5000), "Tastefeil")
    assert (entry.reading.value, entry.reading.source) == (Decimal(5000), ReadingSource.PORTAL)
    [correction] = entry.corrections
    assert (correction.previous_source, correction.by_customer) == (ReadingSource.SMS, True)
    assert setup.corrections.replaceable(setup.scope(owner), [entry.reading]) == set()  # replaced: from the portal now


def test_only_readings_that_came_by_sms_and_only_for_the_full_role(setup: Setup) -> None:
    owner = Principal(user_id="owner", email="owner@example.no")
    with pytest.raises(Forbidden) as portal_reading:
        setup.corrections.correct(setup.scope(owner), "M-1", date(2025, 2, 1), Decimal(2900), "Feil")
    assert portal_reading.value.code == "correction_staff_only"
    members = InMemoryMembershipRepository(a_membership("reader", CUSTOMER, Role.READ))
    setup.access = AccessService(InMemoryCustomerRecords(members, setup.customers))
    reader = setup.scope(Principal(user_id="reader", email="reader@example.no"))
    with pytest.raises(Forbidden):
        setup.corrections.correct(reader, "M-1", date(2025, 4, 1), Decimal(5000), "Feil")
    readings = setup.readings.list_readings("M-1", date(2025, 1, 1), date(2025, 12, 31))
    assert setup.corrections.replaceable(reader, readings) == set()
    assert setup.history.history == []
