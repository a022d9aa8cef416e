"""Access decided once per request, at the edge: a route resolves the caller's
``Scope`` on the customer in its path with one helper and passes it to the
services, which narrow it (``Scope.require``, ``Scope.require_facility``)
without reading again."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.router import Router

from heatportal import composition
from heatportal.domain.companies import OrgMember
from heatportal.services.access import Principal, Scope
from heatportal.services.portfolio.scope import Portfolio
from heatportal.web.api import customer_from_path, principal


def scope_of(
    who: Principal,
    customer_number: str,
    *,
    invoices: bool = False,
    audit: bool = False,
    organisations: list[OrgMember] | None = None,
) -> Scope:
    """The person's scope on the customer: one read of the customer's record
    (with its invoices or audit trail when the page shows them); Forbidden
    when the person may see nothing of the customer."""
    return composition.access().scope(who, customer_number, invoices=invoices, audit=audit, organisations=organisations)


def customer_scope(
    app: APIGatewayRestResolver | Router, customer: str, *, invoices: bool = False, audit: bool = False
) -> Scope:
    """An API route's scope: the caller (verified claims) on the customer in
    the path (``customer`` as the URL writes it)."""
    return scope_of(principal(app), customer_from_path(customer), invoices=invoices, audit=audit)


def portfolio_of(app: APIGatewayRestResolver | Router, *, staff_customer: str | None = None) -> Portfolio:
    """An API route's portfolio: every facility the caller may see (customer
    service: the customer it names), decided once for the request."""
    return composition.portfolio_access().portfolio(
        principal(app), staff_customer=customer_from_path(staff_customer) if staff_customer else None
    )
