"""CustomerRepository, MembershipRepository and NameIndex: the fake and the adapter agree."""

from __future__ import annotations

from heatportal.domain.model import Customer, Facility, Role
from tests.builders import ADDRESS, a_customer, a_membership, a_meter
from tests.contract.ports.conftest import Ports


def test_a_customer_is_read_by_number_and_an_unknown_number_is_none(ports: Ports) -> None:
    kari = a_customer("100001").model_copy(update={"phone": "+4791234567", "org_number": "923609016"})
    ports.given.customer(kari)
    assert ports.customers.get_customer("100001") == kari
    assert ports.customers.get_customer("100002") is None


def test_facilities_and_meters_are_listed_per_customer_in_key_order(ports: Ports) -> None:
    for number in ("100001", "100002"):
        ports.given.customer(a_customer(number))
    for facility_id in ("F-2", "F-1"):
        ports.given.facility(Facility(id=facility_id, customer_number="100001", name=facility_id, address=ADDRESS))
    ports.given.facility(Facility(id="F-9", customer_number="100002", name="other", address=ADDRESS))
    for meter in (a_meter("M-20", "100001"), a_meter("M-10", "100001"), a_meter("X-1", "100002")):
        ports.given.meter(meter)

    assert [f.id for f in ports.customers.list_facilities("100001")] == ["F-1", "F-2"]
    assert [m.number for m in ports.customers.list_meters("100001")] == ["M-10", "M-20"]
    assert ports.customers.list_meters("100003") == []


def test_a_meter_is_found_by_its_number_alone(ports: Ports) -> None:
    meter = a_meter("M-77", "100001")
    ports.given.meter(meter)
    assert ports.customers.find_meter("M-77") == meter
    assert ports.customers.find_meter("M-78") is None


def test_the_accounts_to_bill_are_every_customer_in_number_order(ports: Ports) -> None:
    for number in ("100003", "100001", "100002"):
        ports.given.customer(a_customer(number))
    assert ports.customers.list_account_numbers() == ["100001", "100002", "100003"]


def test_a_membership_is_read_by_user_and_customer_and_listed_by_user(ports: Ports) -> None:
    for membership in (
        a_membership("kari", "100002", Role.READ),
        a_membership("kari", "100001", Role.ADMIN),
        a_membership("ola", "100001", Role.FULL),
    ):
        ports.given.membership(membership)

    assert ports.memberships.get_membership("kari", "100001") == a_membership("kari", "100001", Role.ADMIN)
    assert ports.memberships.get_membership("kari", "100003") is None
    assert [(m.customer_number, m.role) for m in ports.memberships.list_memberships("kari")] == [
        ("100001", Role.ADMIN),
        ("100002", Role.READ),
    ]
    assert ports.memberships.list_memberships("nobody") == []


def named(number: str, name: str) -> Customer:
    return a_customer(number).model_copy(update={"name": name})


def test_names_are_found_by_the_start_of_any_word_and_read_back_in_the_order_asked(ports: Ports) -> None:
    for customer in (named("100001", "Kari Nordmann"), named("100002", "Knut Nordby"), named("100003", "Åse Lie")):
        ports.given.customer(customer)

    assert sorted(ports.names.name_matches("nord", 10)) == [("100001", "Kari Nordmann"), ("100002", "Knut Nordby")]
    assert ports.names.name_matches("kn", 10) == [("100002", "Knut Nordby")]
    assert ports.names.name_matches("ase", 10) == [("100003", "Åse Lie")]  # accents folded
    assert len(ports.names.name_matches("nord", 1)) == 1
    assert ports.names.name_matches("zz", 10) == []
    assert [c.number for c in ports.names.get_customers(["100003", "100009", "100001"])] == ["100003", "100001"]
