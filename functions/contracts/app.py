"""Contracts API, one router per area: contracts with the annual cost
estimate, the options simulator and signing; moving out and in (with the
incoming party's confirmation and customer service's completion, new
customers and the final invoice at once); the documents store; the energy
services; sustainability; the subscription. This module is the Lambda entry
point that includes them."""

import contracts_contracts
import contracts_documents
import contracts_moving
import contracts_services
import contracts_subscription
import contracts_sustainability
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from heatportal.web.api import build_resolver

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)
for module in (
    contracts_contracts,
    contracts_moving,
    contracts_documents,
    contracts_services,
    contracts_sustainability,
    contracts_subscription,
):
    app.include_router(module.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
