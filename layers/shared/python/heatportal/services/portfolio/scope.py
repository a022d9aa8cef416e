"""Who may see which facilities, across every customer: the portfolio scope,
decided once per request.

A person's portfolio is every facility of the customers they are linked to
(own memberships) and the facilities their management companies were granted
(all of a customer's, or some). It is resolved from the person's links (one
Query of their memberships and organisations, one per organisation for its
grants: what ``AccessService.links_of`` reads, passed in when the edge has it)
and the customers' directories (one BatchGetItem per 100 customers). A
customer without a stored directory yet is read from its record (one Query
each) and listed without figures. Customer service sees the one customer it
opened.

Services narrow the portfolio (``Portfolio.facility``, ``require``) without
reading again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from heatportal.domain.errors import Forbidden, NotFound
from heatportal.domain.model import Role
from heatportal.domain.portfolio import CustomerDirectory, DirectoryFacility, directory_of
from heatportal.services.access import AccessService, CustomerRecords, Links, Principal
from heatportal.services.portfolio.ports import PortfolioStore

_RANK = {Role.READ: 1, Role.FULL: 2, Role.ADMIN: 3}


@dataclass(frozen=True)
class CustomerAccess:
    """A person's access to one customer of the portfolio."""

    number: str
    role: Role
    facilities: frozenset[str] | None = None  # None: every facility (also those added later)
    via_org: str | None = None
    staff: bool = False
    covers_all: bool = False  # a grant that names every facility the customer has

    @property
    def whole(self) -> bool:
        """Sees the whole customer: invoices, economy and what else covers every facility."""
        return self.facilities is None or self.covers_all

    def sees(self, facility_id: str) -> bool:
        return self.facilities is None or facility_id in self.facilities


@dataclass(frozen=True)
class PortfolioFacility:
    access: CustomerAccess
    customer_name: str
    facility: DirectoryFacility

    @property
    def id(self) -> str:
        return self.facility.id

    @property
    def customer_number(self) -> str:
        return self.access.number


@dataclass(frozen=True)
class Portfolio:
    principal: Principal
    customers: dict[str, CustomerAccess]
    directories: dict[str, CustomerDirectory]
    facilities: tuple[PortfolioFacility, ...]  # by name, then id

    def facility(self, facility_id: str) -> PortfolioFacility:
        """A facility of the portfolio. One the person may not see and one that
        does not exist get the same answer, so ids cannot be probed."""
        found = next((f for f in self.facilities if f.id == facility_id), None)
        if found is None:
            raise NotFound("This facility is not among yours.", code="facility_not_found")
        return found

    def chosen(self, facility_ids: Iterable[str]) -> list[PortfolioFacility]:
        """The facilities of the portfolio among ``facility_ids``, in portfolio order
        (ids the person may no longer see are left out)."""
        wanted = set(facility_ids)
        return [f for f in self.facilities if f.id in wanted]

    def require(self, facility: PortfolioFacility, needed: Role) -> None:
        """Forbidden unless the person's role on the facility's customer is at least ``needed``."""
        if _RANK[facility.access.role] < _RANK[needed]:
            raise Forbidden("You may only look at this facility.", code="forbidden")

    @property
    def many(self) -> bool:
        """More than one facility: the start page shows the status overview."""
        return len(self.facilities) > 1


class PortfolioAccess:
    def __init__(self, access: AccessService, records: CustomerRecords, store: PortfolioStore) -> None:
        self.access = access
        self.records = records
        self.store = store

    def portfolio(
        self, principal: Principal, *, links: Links | None = None, staff_customer: str | None = None
    ) -> Portfolio:
        """The person's portfolio (see the module docstring for what it reads)."""
        customers = self.customers_of(principal, links, staff_customer)
        directories = self.store.directories(list(customers)) if customers else {}
        for number, access in list(customers.items()):
            if number not in directories:
                record = self.records.customer_record(number)
                if record.customer is not None:
                    directories[number] = directory_of(record)
            directory = directories.get(number)
            if access.facilities is not None and directory is not None:
                every = {f.id for f in directory.facilities}
                customers[number] = replace(access, covers_all=bool(every) and every <= access.facilities)
        facilities = [
            PortfolioFacility(customers[number], directory.name, facility)
            for number, directory in directories.items()
            for facility in directory.facilities
            if customers[number].sees(facility.id)
        ]
        facilities.sort(key=lambda f: (f.facility.name.casefold(), f.id))
        return Portfolio(principal, customers, directories, tuple(facilities))

    def customers_of(
        self, principal: Principal, links: Links | None, staff_customer: str | None
    ) -> dict[str, CustomerAccess]:
        if principal.is_staff:
            if staff_customer is None:
                return {}
            return {staff_customer: CustomerAccess(staff_customer, Role.FULL, staff=True)}
        links = links or self.access.links_of(principal)
        result: dict[str, CustomerAccess] = {}
        for membership in links.customers:
            if membership.via_org is None:
                result[membership.customer_number] = CustomerAccess(membership.customer_number, membership.role)
                continue
            grant = links.grant(membership.customer_number)
            if grant is None or not grant.active:
                continue
            result[membership.customer_number] = CustomerAccess(
                membership.customer_number, grant.role, grant.facilities, via_org=grant.org_number
            )
        return result
