"""The hosted web portal: server-rendered pages (Jinja2) on the same services
as the JSON API. Works without JavaScript; every form is CSRF-protected.

Pages live in ``portal_*.py`` modules, each a Powertools ``Router``; this
module is the Lambda entry point that includes them.
"""

import portal_account
import portal_billing
import portal_companies
import portal_consumption
import portal_documents
import portal_help
import portal_meter_settings
import portal_pages
import portal_staff
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from portal_core import Page

from heatportal.web.api import API_HEADERS, error_body, language_of, localized_message

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()
for module in (
    portal_pages,
    portal_help,
    portal_documents,
    portal_consumption,
    portal_account,
    portal_billing,
    portal_staff,
    portal_meter_settings,
    portal_companies,
):
    app.include_router(module.router)


@app.not_found
def not_found(_error: Exception) -> Response[str]:
    if app.current_event.path.startswith("/api/"):
        # An unknown API path (or method) reaches the portal's catch-all route:
        # the API's JSON error, not a page.
        lang = language_of(app.current_event.headers)
        message = localized_message("not_found", lang, "Not found.", {})
        return Response(404, "application/json", error_body("not_found", message), dict(API_HEADERS))
    view = Page(app.current_event)
    return view.render("error.html", 404, message=view.t("error.not_found"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
