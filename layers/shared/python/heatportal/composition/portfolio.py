"""The property manager's portfolio: the portfolio scope, facilities and
groups, the start page's overview, analysis, invoices across customers,
operating protocols, and the projection that writes the figures."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import access, clock, documents, profile, repository

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_portfolio import DynamoPortfolioStore
    from heatportal.services.portfolio.analysis import AnalysisService
    from heatportal.services.portfolio.facilities import FacilityService
    from heatportal.services.portfolio.invoices import PortfolioInvoiceService
    from heatportal.services.portfolio.overview import OverviewService
    from heatportal.services.portfolio.projection import PortfolioProjector
    from heatportal.services.portfolio.protocols import ProtocolService
    from heatportal.services.portfolio.scope import PortfolioAccess


@cache
def portfolio_store() -> DynamoPortfolioStore:
    from heatportal.adapters.dynamo_portfolio import DynamoPortfolioStore

    return DynamoPortfolioStore(repository().table)


@cache
def portfolio_access() -> PortfolioAccess:
    from heatportal.adapters.dynamo_customer_record import DynamoCustomerRecords
    from heatportal.services.portfolio.scope import PortfolioAccess

    return PortfolioAccess(access(), DynamoCustomerRecords(repository().table), portfolio_store())


@cache
def facility_service() -> FacilityService:
    from heatportal.services.portfolio.facilities import FacilityService

    return FacilityService(portfolio_store(), portfolio_store(), clock())


@cache
def analysis_service() -> AnalysisService:
    from heatportal.services.portfolio.analysis import AnalysisService

    return AnalysisService(portfolio_store(), clock(), profile().currency)


@cache
def overview_service() -> OverviewService:
    from heatportal.services.portfolio.overview import OverviewService

    return OverviewService(portfolio_store(), clock(), profile().currency)


@cache
def portfolio_invoice_service() -> PortfolioInvoiceService:
    from heatportal.services.portfolio.invoices import PortfolioInvoiceService

    return PortfolioInvoiceService(repository(), documents(), profile(), clock())


@cache
def protocol_service() -> ProtocolService:
    from heatportal.services.portfolio.protocols import ProtocolService

    return ProtocolService(portfolio_store(), documents(), clock())


@cache
def portfolio_projector() -> PortfolioProjector:
    from heatportal.adapters.dynamo_billing import DynamoPaymentRepository
    from heatportal.adapters.dynamo_customer_record import DynamoCustomerRecords
    from heatportal.services.portfolio.projection import PortfolioProjector

    return PortfolioProjector(
        profile(),
        DynamoCustomerRecords(repository().table),
        repository(),
        repository(),
        portfolio_store(),
        clock(),
        paid=DynamoPaymentRepository(repository().table),
    )
