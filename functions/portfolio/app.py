"""The portfolio API, one router per area: facilities, groups and operating
protocols; the start page's overview and tiles; analysis, its exports and the
return-temperature bonus/fee table; invoices across customers. This module is
the Lambda entry point that includes them."""

import portfolio_analysis
import portfolio_facilities
import portfolio_invoices
import portfolio_overview
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from heatportal.web.api import build_resolver

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)
for module in (portfolio_facilities, portfolio_overview, portfolio_analysis, portfolio_invoices):
    app.include_router(module.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
