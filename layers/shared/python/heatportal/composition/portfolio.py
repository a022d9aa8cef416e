"""The property manager's portfolio: the portfolio scope, facilities and
groups, the start page's overview, analysis, invoices across customers,
operating protocols, and the projection that writes the figures."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import access, clock, documents, profile, repository

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_portfolio import DynamoPortfolioStore
    from heatportal.domain.model import Language
    from heatportal.domain.portfolio import Supply
    from heatportal.services.portfolio.analysis import Analysis, AnalysisService
    from heatportal.services.portfolio.facilities import FacilityService
    from heatportal.services.portfolio.invoices import PortfolioInvoiceService
    from heatportal.services.portfolio.overview import OverviewService
    from heatportal.services.portfolio.projection import PortfolioProjector
    from heatportal.services.portfolio.protocols import ProtocolService
    from heatportal.services.portfolio.scope import Portfolio, PortfolioAccess


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


def facility_report(portfolio: Portfolio, facility_id: str, supply: Supply, lang: Language) -> tuple[str, bytes]:
    """A facility's district heating or district cooling report as PDF (file name, bytes)."""
    from heatportal.documents.facility_report import render_facility_report

    report = facility_service().report(portfolio, facility_id, supply)
    body = render_facility_report(
        report.facility, report.figures, report.months, report.signature, profile(), lang, report.today
    )
    return f"{supply}-report-{report.facility.id}.pdf", body


def analysis_export(analysis: Analysis, file_format: str, section: str, lang: Language) -> tuple[str, str, bytes]:
    """An analysis as an Excel workbook (every section, the power signature's
    days and the bonus/fee table, a sheet each) or one section as CSV:
    (file name, media type, bytes)."""
    from heatportal.documents.portfolio_export import CSV, XLSX, Sheet, csv_bytes, table_csv, workbook
    from heatportal.i18n import translate
    from heatportal.services.portfolio.analysis import SECTIONS

    slug = analysis.target.id or "portfolio"
    stem = f"{analysis.supply}-{slug}-{analysis.year}"
    if file_format == "csv":
        chosen = next(s for s in SECTIONS if s == section)
        return f"{stem}-{chosen}.csv", CSV, csv_bytes(table_csv(analysis.table(chosen), lang))
    returns = analysis_service().return_table(analysis.target, analysis.supply, analysis.aggregates)
    sheets = [Sheet(translate(f"analysis.section.{s}", lang), analysis.table(s)) for s in SECTIONS]
    sheets.append(Sheet(translate("analysis.signature.title", lang), analysis.signature_table()))
    sheets.append(Sheet(translate("analysis.returns.sheet", lang), returns.as_table()))
    return f"{stem}.xlsx", XLSX, workbook(sheets, lang)


DOWNLOAD_SECONDS = 300


def download_link(body: bytes, filename: str, media_type: str) -> str:
    """A file for the browser: stored under downloads/ (gone after a day) and
    handed out as a short-lived link, because API Gateway returns binary only
    to a request whose Accept header names its type, which a link does not."""
    import uuid

    key = f"downloads/{uuid.uuid4().hex}/{filename}"
    documents().put(key, body, media_type)
    return documents().presigned_url(key, filename, DOWNLOAD_SECONDS, media_type=media_type, download=True)
