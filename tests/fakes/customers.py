"""Customers, facilities, meters and memberships in memory, with the order
and semantics of ``adapters.dynamo.DynamoRepository`` (held to it by
tests/contract/ports)."""

from __future__ import annotations

from heatportal.domain.model import Customer, Facility, Membership, Meter
from heatportal.ports import CustomerRepository, MembershipRepository


class InMemoryCustomerRepository(CustomerRepository):
    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.facilities: dict[str, list[Facility]] = {}
        self.meters: dict[str, Meter] = {}
        # Errors to raise when a customer is read (a throttled table, say).
        self.failures: dict[str, Exception] = {}

    def add_customer(self, customer: Customer) -> Customer:
        self.customers[customer.number] = customer
        return customer

    def add_facility(self, facility: Facility) -> Facility:
        self.facilities.setdefault(facility.customer_number, []).append(facility)
        return facility

    def add_meter(self, meter: Meter) -> Meter:
        self.meters[meter.number] = meter
        return meter

    def get_customer(self, number: str) -> Customer | None:
        if number in self.failures:
            raise self.failures[number]
        return self.customers.get(number)

    def list_facilities(self, customer_number: str) -> list[Facility]:
        return sorted(self.facilities.get(customer_number, []), key=lambda f: f.id)

    def list_meters(self, customer_number: str) -> list[Meter]:
        return sorted((m for m in self.meters.values() if m.customer_number == customer_number), key=lambda m: m.number)

    def find_meter(self, meter_number: str) -> Meter | None:
        return self.meters.get(meter_number)

    def list_account_numbers(self) -> list[str]:
        return sorted(self.customers)


class InMemoryMembershipRepository(MembershipRepository):
    def __init__(self, *memberships: Membership) -> None:
        self.items: dict[tuple[str, str], Membership] = {}
        for membership in memberships:
            self.add(membership)

    def add(self, membership: Membership) -> Membership:
        self.items[(membership.user_id, membership.customer_number)] = membership
        return membership

    def get_membership(self, user_id: str, customer_number: str) -> Membership | None:
        return self.items.get((user_id, customer_number))

    def list_memberships(self, user_id: str) -> list[Membership]:
        return sorted((m for (u, _), m in self.items.items() if u == user_id), key=lambda m: m.customer_number)
