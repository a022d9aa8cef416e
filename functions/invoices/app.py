"""Invoices API, one router per area: the customer's invoices (list, overview,
detail, PDF link), payments, the trial settlement, credit notes, the advance
payment, the economy overview, spot prices. This module is the Lambda entry
point that includes them."""

import invoices_advance
import invoices_corrections
import invoices_economy
import invoices_list
import invoices_payments
import invoices_spot_prices
import invoices_trial
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from heatportal.web.api import build_resolver

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)
for module in (
    invoices_list,
    invoices_payments,
    invoices_trial,
    invoices_corrections,
    invoices_advance,
    invoices_economy,
    invoices_spot_prices,
):
    app.include_router(module.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
