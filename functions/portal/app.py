"""The hosted web portal: server-rendered pages (Jinja2) on the same services
as the JSON API. Works without JavaScript; every form is CSRF-protected.

Pages live in ``portal_<first segment of the URL>.py`` modules (``/meters``
and ``/meters/<n>`` in ``portal_meters``, ``/account/users`` in
``portal_account_users``), each a Powertools ``Router``; ``portal_core`` and
``portal_forms`` hold what they share. This module is the Lambda entry point
that includes them.
"""

import portal_account
import portal_account_companies
import portal_account_profile
import portal_account_sharing
import portal_account_tokens
import portal_account_users
import portal_accounts
import portal_advance
import portal_alerts
import portal_alerts_groups
import portal_analysis
import portal_consumption
import portal_consumption_info
import portal_contracts
import portal_customer_number
import portal_documents
import portal_economy
import portal_facilities
import portal_help
import portal_invitation
import portal_invoices
import portal_language
import portal_login
import portal_logout
import portal_meters
import portal_meters_staff
import portal_moving
import portal_notifications
import portal_organisation
import portal_password
import portal_r
import portal_register
import portal_reminders
import portal_services
import portal_staff
import portal_staff_documents
import portal_staff_moving
import portal_start
import portal_static
import portal_subscription
import portal_sustainability
import portal_trial_settlement
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
    portal_start,
    portal_static,
    portal_language,
    portal_login,
    portal_logout,
    portal_accounts,
    portal_facilities,
    portal_analysis,
    portal_meters,
    portal_meters_staff,
    portal_consumption,
    portal_consumption_info,
    portal_alerts,
    portal_alerts_groups,
    portal_notifications,
    portal_r,
    portal_reminders,
    portal_invoices,
    portal_trial_settlement,
    portal_economy,
    portal_advance,
    portal_documents,
    portal_help,
    portal_register,
    portal_password,
    portal_customer_number,
    portal_invitation,
    portal_account,
    portal_account_users,
    portal_account_profile,
    portal_account_companies,
    portal_account_tokens,
    portal_account_sharing,
    portal_organisation,
    portal_staff,
    portal_staff_moving,
    portal_staff_documents,
    portal_contracts,
    portal_moving,
    portal_services,
    portal_sustainability,
    portal_subscription,
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
