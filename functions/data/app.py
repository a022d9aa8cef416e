"""Open data API: the data API itself (``/api/v1/data``, read with a personal
access token or a provider share; the function checks the token, see
heatportal.web.open_data), a person's personal access tokens (``/api/me/tokens``)
and a customer's provider shares (``/api/customers/{customer}/shares``), both
behind the Cognito authorizer. This module is the Lambda entry point that
includes the routers."""

import data_api
import data_shares
import data_tokens
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from heatportal.web.api import build_resolver
from heatportal.web.open_data import DataResolver

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger, DataResolver)
for module in (data_api, data_tokens, data_shares):
    app.include_router(module.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
