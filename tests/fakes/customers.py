"""Customers, facilities, meters and memberships in memory, with the order
and semantics of ``adapters.dynamo.DynamoRepository`` (held to it by
tests/contract/ports)."""

from __future__ import annotations

from heatportal.domain.contracts import current_meter
from heatportal.domain.model import Customer, Facility, Membership, Meter
from heatportal.ports import CustomerRepository, MembershipRepository


class InMemoryCustomerRepository(CustomerRepository):
    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.facilities: dict[str, list[Facility]] = {}
        self.meters: dict[str, Meter] = {}
        # Meters of a number that served an earlier customer (before a move).
        self.earlier: list[Meter] = []
        # Errors to raise when a customer is read (a throttled table, say).
        self.failures: dict[str, Exception] = {}

    def add_customer(self, customer: Customer) -> Customer:
        self.customers[customer.number] = customer
        return customer

    def add_facility(self, facility: Facility) -> Facility:
        self.facilities.setdefault(facility.customer_number, []).append(facility)
        return facility

    def add_meter(self, meter: Meter) -> Meter:
        """Store (or replace) the customer's meter; a number another customer
        had before keeps that customer's item (as the table does after a move)."""
        held = self.meters.get(meter.number)
        if held is not None and held.customer_number != meter.customer_number:
            self.earlier = [
                m for m in self.earlier if (m.customer_number, m.number) != (held.customer_number, held.number)
            ]
            self.earlier.append(held)
        elif held is None:
            mine = next(
                (m for m in self.earlier if (m.customer_number, m.number) == (meter.customer_number, meter.number)),
                None,
            )
            if mine is not None:
                self.earlier.remove(mine)
        self.meters[meter.number] = meter
        return meter

    def update_meter(self, meter: Meter) -> Meter:
        """Replace a customer's own item of the meter, current or earlier."""
        if self.meters.get(meter.number, meter).customer_number == meter.customer_number:
            self.meters[meter.number] = meter
        else:
            self.earlier = [
                m if (m.customer_number, m.number) != (meter.customer_number, meter.number) else meter
                for m in self.earlier
            ]
        return meter

    def all_meters(self) -> list[Meter]:
        return [*self.meters.values(), *self.earlier]

    def get_customer(self, number: str) -> Customer | None:
        if number in self.failures:
            raise self.failures[number]
        return self.customers.get(number)

    def list_facilities(self, customer_number: str) -> list[Facility]:
        return sorted(self.facilities.get(customer_number, []), key=lambda f: f.id)

    def list_meters(self, customer_number: str) -> list[Meter]:
        return sorted((m for m in self.all_meters() if m.customer_number == customer_number), key=lambda m: m.number)

    def find_meter(self, meter_number: str) -> Meter | None:
        return current_meter([m for m in self.all_meters() if m.number == meter_number])

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

    def list_members(self, customer_number: str) -> list[Membership]:
        """The customer's members, in the order of the partition (by user id)."""
        return sorted((m for (_, c), m in self.items.items() if c == customer_number), key=lambda m: m.user_id)
