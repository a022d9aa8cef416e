"""Contract tests for ``template.yaml`` and ``infra/billing.asl.json``.

Everything here runs offline: cfn-lint through its Python API, the SAM
translator with a managed-policy loader that never calls IAM, and sockets
blocked while the translator runs. The checkers are plain functions so that
the ``*_rejects_*`` tests can prove each one fails on a bad input.
"""

from __future__ import annotations

import copy
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ASL = ROOT / "infra" / "billing.asl.json"

# Regions the utilities deploy to (NO/SE: eu-north-1, NL: eu-west-1,
# DE: eu-central-1) plus cfn-lint's default region.
LINT_REGIONS = ["us-east-1", "eu-north-1", "eu-west-1", "eu-central-1"]
TRANSLATE_REGION = "eu-north-1"

FUNCTIONS = {
    "AuthFunction": "functions/auth/",
    "ReadingsFunction": "functions/readings/",
    "InvoicesFunction": "functions/invoices/",
    "BillingFunction": "functions/billing/",
    "NotificationsFunction": "functions/notifications/",
    "PortalFunction": "functions/portal/",
    "InterruptionsFunction": "functions/interruptions/",
    "PortfolioFunction": "functions/portfolio/",
    "DataFunction": "functions/data/",
    "DocsFunction": "functions/docs/",
    "ContractsFunction": "functions/contracts/",
    "AlertsFunction": "functions/alerts/",
    "RunsFunction": "functions/runs/",
}

# The data API: read with a personal access token or a provider share, which the
# function checks itself (Authorizer NONE on API Gateway, see template.yaml).
DATA_API_ROUTES = (
    "/api/v1/data/customers",
    "/api/v1/data/customers/{customer}/meters",
    "/api/v1/data/customers/{customer}/meters/{meter}/consumption",
    "/api/v1/data/customers/{customer}/meters/{meter}/readings",
    "/api/v1/data/customers/{customer}/meters/{meter}/home-assistant",
    "/api/v1/data/customers/{customer}/invoices",
)

# (path, method as it appears in the generated OpenAPI) -> function
ROUTES = {
    ("/api/auth/login", "post"): "AuthFunction",
    ("/api/auth/refresh", "post"): "AuthFunction",
    ("/api/auth/logout", "post"): "AuthFunction",
    ("/api/me", "get"): "AuthFunction",
    ("/api/auth/register", "post"): "AuthFunction",
    ("/api/auth/register/confirm", "post"): "AuthFunction",
    ("/api/auth/password/forgot", "post"): "AuthFunction",
    ("/api/auth/password/reset", "post"): "AuthFunction",
    ("/api/auth/customer-number/forgot", "post"): "AuthFunction",
    ("/api/auth/invitations/accept", "post"): "AuthFunction",
    ("/api/auth/password/change", "post"): "AuthFunction",
    ("/api/customers/{customer}/users", "get"): "AuthFunction",
    ("/api/customers/{customer}/users", "post"): "AuthFunction",
    ("/api/customers/{customer}/users/{user}", "put"): "AuthFunction",
    ("/api/customers/{customer}/users/{user}", "delete"): "AuthFunction",
    ("/api/customers/{customer}/invitations/{invitation}", "delete"): "AuthFunction",
    ("/api/customers/{customer}/audit", "get"): "AuthFunction",
    ("/api/customers/{customer}/companies", "get"): "AuthFunction",
    ("/api/customers/{customer}/companies", "post"): "AuthFunction",
    ("/api/customers/{customer}/companies/{org}", "put"): "AuthFunction",
    ("/api/customers/{customer}/companies/{org}", "delete"): "AuthFunction",
    ("/api/customers/{customer}/companies/{org}/approve", "post"): "AuthFunction",
    ("/api/organisations", "get"): "AuthFunction",
    ("/api/organisations", "post"): "AuthFunction",
    ("/api/organisations/{org}", "get"): "AuthFunction",
    ("/api/organisations/{org}/verification", "put"): "AuthFunction",
    ("/api/organisations/{org}/members", "post"): "AuthFunction",
    ("/api/organisations/{org}/members/{user}", "put"): "AuthFunction",
    ("/api/organisations/{org}/members/{user}", "delete"): "AuthFunction",
    ("/api/organisations/invitations/accept", "post"): "AuthFunction",
    ("/api/organisations/signup", "post"): "AuthFunction",
    ("/api/organisations/{org}/customers", "post"): "AuthFunction",
    ("/api/organisations/{org}/customers/{customer}/accept", "post"): "AuthFunction",
    ("/api/organisations/{org}/customers/{customer}", "delete"): "AuthFunction",
    ("/api/me/links", "post"): "AuthFunction",
    ("/api/me/links/{customer}", "delete"): "AuthFunction",
    ("/api/staff/customers", "get"): "AuthFunction",
    ("/api/staff/contact-requests", "get"): "AuthFunction",
    ("/api/staff/contact-requests/{request}/handled", "post"): "AuthFunction",
    ("/api/auth/email/change", "post"): "AuthFunction",
    ("/api/auth/email/confirm", "post"): "AuthFunction",
    ("/api/customers/{customer}/profile", "get"): "AuthFunction",
    ("/api/customers/{customer}/profile/contact", "put"): "AuthFunction",
    ("/api/customers/{customer}/profile/billing-address", "put"): "AuthFunction",
    ("/api/customers/{customer}/profile/bank-account", "put"): "AuthFunction",
    ("/api/customers/{customer}/profile/bank-account/{facility}", "delete"): "AuthFunction",
    ("/api/customers/{customer}/contact-requests", "post"): "AuthFunction",
    ("/api/customers/{customer}/meters", "get"): "ReadingsFunction",
    ("/api/customers/{customer}/meters/{meter}/readings", "get"): "ReadingsFunction",
    ("/api/customers/{customer}/meters/{meter}/readings", "post"): "ReadingsFunction",
    ("/api/customers/{customer}/meters/{meter}/readings/{read_on}", "put"): "ReadingsFunction",
    ("/api/customers/{customer}/meters/{meter}", "put"): "ReadingsFunction",
    ("/api/customers/{customer}/meters", "post"): "ReadingsFunction",
    ("/api/customers/{customer}/meters/{meter}/replacement", "post"): "ReadingsFunction",
    ("/api/customers/{customer}/meters/{meter}/consumption", "get"): "ReadingsFunction",
    ("/api/customers/{customer}/meters/{meter}/reminders", "post"): "ReadingsFunction",
    ("/api/reading-links/{token}", "get"): "ReadingsFunction",
    ("/api/reading-links/{token}", "post"): "ReadingsFunction",
    ("/api/customers/{customer}/invoices", "get"): "InvoicesFunction",
    ("/api/customers/{customer}/invoices/{number}", "get"): "InvoicesFunction",
    ("/api/customers/{customer}/invoices/{number}/pdf", "get"): "InvoicesFunction",
    ("/api/customers/{customer}/invoice-overview", "get"): "InvoicesFunction",
    ("/api/payments", "post"): "InvoicesFunction",
    ("/api/payments/camt054", "post"): "InvoicesFunction",
    ("/api/customers/{customer}/trial-settlement", "get"): "InvoicesFunction",
    ("/api/customers/{customer}/trial-settlement", "post"): "InvoicesFunction",
    ("/api/customers/{customer}/advance-payment", "get"): "InvoicesFunction",
    ("/api/customers/{customer}/advance-payment", "put"): "InvoicesFunction",
    ("/api/customers/{customer}/economy", "get"): "InvoicesFunction",
    ("/api/customers/{customer}/economy/pdf", "get"): "InvoicesFunction",
    ("/api/invoices/{number}/credit-note", "post"): "InvoicesFunction",
    ("/api/invoices/{number}/correction/preview", "post"): "InvoicesFunction",
    ("/api/invoices/{number}/correction", "post"): "InvoicesFunction",
    ("/api/customers/{customer}/corrections", "get"): "InvoicesFunction",
    ("/api/customers/{customer}/late-readings/corrections", "post"): "InvoicesFunction",
    ("/api/spot-prices/{zone}/{month}", "put"): "InvoicesFunction",
    ("/api/spot-prices/{zone}", "get"): "InvoicesFunction",
    ("/api/portfolio/facilities", "get"): "PortfolioFunction",
    ("/api/portfolio/facilities/{facility}", "get"): "PortfolioFunction",
    ("/api/portfolio/facilities/{facility}/report", "get"): "PortfolioFunction",
    ("/api/portfolio/facilities/{facility}/protocols/{protocol}", "get"): "PortfolioFunction",
    ("/api/customers/{customer}/facilities/{facility}/protocols", "post"): "PortfolioFunction",
    ("/api/portfolio/groups", "get"): "PortfolioFunction",
    ("/api/portfolio/groups", "post"): "PortfolioFunction",
    ("/api/portfolio/groups/{group}", "put"): "PortfolioFunction",
    ("/api/portfolio/groups/{group}", "delete"): "PortfolioFunction",
    ("/api/portfolio/overview", "get"): "PortfolioFunction",
    ("/api/portfolio/start-tiles", "get"): "PortfolioFunction",
    ("/api/portfolio/start-tiles", "put"): "PortfolioFunction",
    ("/api/portfolio/analysis", "get"): "PortfolioFunction",
    ("/api/portfolio/analysis/export", "get"): "PortfolioFunction",
    ("/api/portfolio/return-temperature", "get"): "PortfolioFunction",
    ("/api/portfolio/invoices", "get"): "PortfolioFunction",
    ("/api/portfolio/customers/{customer}/invoices/{number}", "get"): "PortfolioFunction",
    ("/api/customers/{customer}/alerts", "get"): "AlertsFunction",
    ("/api/customers/{customer}/alerts/{facility}", "put"): "AlertsFunction",
    ("/api/portfolio/groups/{group}/alerts", "put"): "AlertsFunction",
    ("/api/customers/{customer}/notifications", "get"): "AlertsFunction",
    ("/api/customers/{customer}/notifications/seen", "post"): "AlertsFunction",
    ("/api/organisations/{org}/notifications", "get"): "AlertsFunction",
    ("/api/customers/{customer}/consumption-info", "get"): "AlertsFunction",
    ("/api/customers/{customer}/consumption-info/{month}", "get"): "AlertsFunction",
    ("/api/interruptions", "get"): "InterruptionsFunction",
    ("/api/interruptions", "post"): "InterruptionsFunction",
    ("/api/me/tokens", "get"): "DataFunction",
    ("/api/me/tokens", "post"): "DataFunction",
    ("/api/me/tokens", "delete"): "DataFunction",
    ("/api/me/tokens/{token}", "delete"): "DataFunction",
    ("/api/customers/{customer}/shares", "get"): "DataFunction",
    ("/api/customers/{customer}/shares", "post"): "DataFunction",
    ("/api/customers/{customer}/shares/{share}", "delete"): "DataFunction",
    ("/api/openapi.json", "get"): "DocsFunction",
    ("/api/docs", "get"): "DocsFunction",
    ("/api/docs/{asset}", "get"): "DocsFunction",
    **{(path, "get"): "DataFunction" for path in DATA_API_ROUTES},
    ("/api/customers/{customer}/contracts", "get"): "ContractsFunction",
    ("/api/customers/{customer}/contracts/{facility}", "get"): "ContractsFunction",
    ("/api/customers/{customer}/contracts/{facility}/estimate/pdf", "get"): "ContractsFunction",
    ("/api/customers/{customer}/contracts/{facility}/simulation", "post"): "ContractsFunction",
    ("/api/customers/{customer}/contracts/{facility}/signing", "post"): "ContractsFunction",
    ("/api/customers/{customer}/contracts/{facility}/signing/{order}", "get"): "ContractsFunction",
    ("/api/customers/{customer}/contracts/{facility}/signing/{order}", "delete"): "ContractsFunction",
    ("/api/customers/{customer}/contracts/{facility}/signing/{order}/code", "post"): "ContractsFunction",
    ("/api/offer", "get"): "ContractsFunction",
    ("/api/customers/{customer}/move-out", "post"): "ContractsFunction",
    ("/api/customers/{customer}/move-in", "post"): "ContractsFunction",
    ("/api/move-in/{handshake}", "get"): "ContractsFunction",
    ("/api/move-in/{handshake}/confirmation", "post"): "ContractsFunction",
    ("/api/staff/move-ins", "post"): "ContractsFunction",
    ("/api/staff/vacant-facilities", "get"): "ContractsFunction",
    ("/api/customers", "post"): "ContractsFunction",
    ("/api/customers/{customer}/final-invoice", "post"): "ContractsFunction",
    ("/api/customers/{customer}/documents", "get"): "ContractsFunction",
    ("/api/customers/{customer}/documents/{document}", "get"): "ContractsFunction",
    ("/api/documents", "post"): "ContractsFunction",
    ("/api/services", "get"): "ContractsFunction",
    ("/api/customers/{customer}/services/{service}/interest", "post"): "ContractsFunction",
    ("/api/sustainability", "get"): "ContractsFunction",
    ("/api/sustainability/reports/{year}/pdf", "get"): "ContractsFunction",
    ("/api/customers/{customer}/footprint", "get"): "ContractsFunction",
    ("/api/customers/{customer}/subscription", "get"): "ContractsFunction",
    ("/api/billing-runs", "get"): "RunsFunction",
    ("/api/billing-runs/{run}", "get"): "RunsFunction",
    ("/api/billing-runs/{run}/redrive", "post"): "RunsFunction",
    ("/", "x-amazon-apigateway-any-method"): "PortalFunction",
    ("/{proxy+}", "x-amazon-apigateway-any-method"): "PortalFunction",
}
PUBLIC_ROUTES = {
    ("/api/reading-links/{token}", "get"),
    ("/api/reading-links/{token}", "post"),
    ("/api/auth/login", "post"),
    ("/api/auth/refresh", "post"),
    ("/api/auth/register", "post"),
    ("/api/auth/register/confirm", "post"),
    ("/api/auth/password/forgot", "post"),
    ("/api/auth/password/reset", "post"),
    ("/api/auth/customer-number/forgot", "post"),
    ("/api/auth/invitations/accept", "post"),
    ("/api/organisations/invitations/accept", "post"),
    ("/api/organisations/signup", "post"),
    ("/api/move-in/{handshake}", "get"),
    ("/api/move-in/{handshake}/confirmation", "post"),
    ("/", "x-amazon-apigateway-any-method"),
    ("/{proxy+}", "x-amazon-apigateway-any-method"),
    *((path, "get") for path in DATA_API_ROUTES),
    ("/api/openapi.json", "get"),
    ("/api/docs", "get"),
    ("/api/docs/{asset}", "get"),
}

GLOBAL_ENV = {
    "TABLE_NAME": {"Ref": "Table"},
    "IDEMPOTENCY_TABLE_NAME": {"Ref": "IdempotencyTable"},
    "BUCKET_NAME": {"Ref": "DocumentsBucket"},
    "USER_POOL_ID": {"Ref": "UserPool"},
    "USER_POOL_CLIENT_ID": {"Ref": "UserPoolClient"},
    "PROFILE_ID": {"Ref": "ProfileId"},
    "SENDER_EMAIL": {"Ref": "SenderEmail"},
    "ALERTS_TOPIC_ARN": {"Ref": "AlertsTopic"},
    "PORTAL_DOMAIN": {"Ref": "PortalDomain"},
    "POWERTOOLS_SERVICE_NAME": "heatportal",
    "POWERTOOLS_METRICS_NAMESPACE": "Heatportal",
    "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
    "POWERTOOLS_LOGGER_LOG_EVENT": "false",
}

# Services each function's role may use (from inline statements).
FUNCTION_SERVICES = {
    "AuthFunction": {"cognito-idp", "dynamodb", "ses", "sns"},
    "ReadingsFunction": {"dynamodb", "ses"},
    # sqs: a credit note's e-mail is queued in the delivery outbox.
    "InvoicesFunction": {"dynamodb", "s3", "ses", "sqs"},
    # No ses: a bill run queues e-mails (sqs), the notifications function sends them.
    "BillingFunction": {"dynamodb", "s3", "sqs"},
    # s3: smart-meter files from imports/*, spot-price files from spot-prices/*, reports to import-reports/*,
    # attachments of deliveries from invoices/*; sqs: the delivery queue's event source mapping, and the
    # alerts' and monthly information's e-mail and SMS queued in the outbox.
    "NotificationsFunction": {"dynamodb", "s3", "ses", "sns", "sqs"},
    # sns: the forgotten customer number / PIN page sends an SMS to the number on record;
    # states: the bill runs page's redrive; sqs: a final invoice billed at once queues its e-mail.
    "PortalFunction": {"cognito-idp", "dynamodb", "s3", "ses", "sns", "sqs", "states"},
    "InterruptionsFunction": {"dynamodb"},
    # s3: operating protocols (customer service uploads, the facility's people get a link).
    "PortfolioFunction": {"dynamodb", "s3"},
    # ses: a provider share's token goes to the provider's e-mail.
    "DataFunction": {"dynamodb", "ses"},
    # Serves files its build wrote beside it: no AWS service at all.
    "DocsFunction": set(),
    # sns: the incoming party of a move may have only a phone for its code.
    # sqs: the final invoice billed at once queues its e-mail in the delivery outbox.
    "ContractsFunction": {"dynamodb", "s3", "ses", "sns", "sqs"},
    "AlertsFunction": {"dynamodb"},
    "RunsFunction": {"dynamodb", "states"},
}
# Exact S3 actions per function (all on DocumentsBucket invoices/*).
FUNCTION_S3_ACTIONS = {
    "InvoicesFunction": {"s3:GetObject", "s3:PutObject"},  # the PDFs of a correction
    "PortalFunction": {"s3:GetObject", "s3:PutObject"},
    "BillingFunction": {"s3:GetObject", "s3:PutObject"},
    "NotificationsFunction": {"s3:GetObject", "s3:PutObject"},
    "PortfolioFunction": {"s3:GetObject", "s3:PutObject"},
    "ContractsFunction": {"s3:GetObject", "s3:PutObject"},  # published documents, final invoice PDFs
}
# Exceptions to "invoices/* only": the portal draws price sheets into their own prefix.
FUNCTION_S3_GRANTS = {
    "NotificationsFunction": {
        ("s3:GetObject", "imports/*"),
        ("s3:GetObject", "spot-prices/*"),
        ("s3:PutObject", "import-reports/*"),
        ("s3:GetObject", "invoices/*"),
    },
    # Invoice PDFs; the run's account manifest and the Distributed Map's result files.
    "BillingFunction": {
        ("s3:PutObject", "invoices/*"),
        ("s3:GetObject", "billing-runs/*"),
        ("s3:PutObject", "billing-runs/*"),
    },
    "PortalFunction": {
        ("s3:GetObject", "invoices/*"),
        ("s3:PutObject", "invoices/*"),  # a correction's PDFs; a final invoice issued at once on moving out
        ("s3:GetObject", "price-sheets/*"),
        ("s3:PutObject", "price-sheets/*"),
        ("s3:GetObject", "protocols/*"),
        ("s3:PutObject", "protocols/*"),
        ("s3:GetObject", "downloads/*"),
        ("s3:PutObject", "downloads/*"),
        ("s3:GetObject", "documents/*"),
        ("s3:PutObject", "documents/*"),  # customer service publishes, signing stores the signed contract
    },
    "ContractsFunction": {
        ("s3:GetObject", "documents/*"),
        ("s3:PutObject", "documents/*"),
        ("s3:GetObject", "invoices/*"),
        ("s3:PutObject", "invoices/*"),
    },
    "PortfolioFunction": {("s3:GetObject", "protocols/*"), ("s3:PutObject", "protocols/*")},
}
DYNAMODB_READ = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
IDEMPOTENCY_USERS = {"ReadingsFunction", "BillingFunction"}

# Actions AWS only authorizes on Resource "*".
ALLOWED_ON_STAR = {
    "sns:Publish",  # SMS to a phone number has no resource ARN; must carry a Condition
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "cloudwatch:PutMetricData",
    # CloudWatch Logs vended delivery (Step Functions logging) has no resource-level permissions.
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
STAR_NEEDS_CONDITION = {"sns:Publish"}
ALLOWED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}

RETRY_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientFailure",
]
ASL_ACTIONS = {"list_accounts", "bill_batch", "record_batch_failure", "summarize"}


# --------------------------------------------------------------------- helpers


def load_template() -> dict[str, Any]:
    return cast(dict[str, Any], yaml_parse(TEMPLATE.read_text(encoding="utf-8")))


def load_asl() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(ASL.read_text(encoding="utf-8")))


class OfflinePolicyLoader(ManagedPolicyLoader):
    """Never talks to IAM. The template uses inline statements and SAM policy
    templates only, so the translator must never need the managed-policy map;
    ``calls`` lets the test prove it."""

    def __init__(self) -> None:
        super().__init__(iam_client=None)
        self.calls = 0

    def load(self) -> dict[str, str]:
        self.calls += 1
        return {}


def package(template: dict[str, Any]) -> dict[str, Any]:
    """Do what ``sam package`` does to local paths: code to S3 URIs, and the
    ASL file inlined (so DefinitionSubstitutions are checked too)."""
    template = copy.deepcopy(template)
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = f"s3://heatportal-artifacts/{logical_id}.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = f"s3://heatportal-artifacts/{logical_id}.zip"
        elif resource["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            props["Definition"] = json.loads((ROOT / props.pop("DefinitionUri")).read_text())
    return template


def sam_translate(template: dict[str, Any]) -> tuple[dict[str, Any], OfflinePolicyLoader]:
    loader = OfflinePolicyLoader()

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access during SAM translation")

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", TRANSLATE_REGION)
        mp.setenv("AWS_REGION", TRANSLATE_REGION)
        mp.setattr(socket.socket, "connect", no_network)
        mp.setattr(socket, "create_connection", no_network)
        out = transform(package(template), {}, loader)
    return out, loader


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in resource.get("Properties", {}).get("Policies", []) or []:
        yield from as_list(policy["PolicyDocument"]["Statement"])


def all_identity_statements(cfn: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in cfn["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            for statement in role_statements(resource):
                yield logical_id, statement
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in as_list(resource["Properties"]["PolicyDocument"]["Statement"]):
                yield logical_id, statement


def policy_violations(cfn: dict[str, Any]) -> list[str]:
    """Least-privilege rules for every identity policy in a CloudFormation template."""
    problems = []
    for owner, st in all_identity_statements(cfn):
        where = f"{owner}/{st.get('Sid', '?')}"
        if "NotAction" in st or "NotResource" in st:
            if st.get("Effect") == "Allow":
                problems.append(f"{where}: Allow with NotAction/NotResource")
            continue
        actions = as_list(st.get("Action", []))
        resources = as_list(st.get("Resource", []))
        for action in actions:
            if not isinstance(action, str) or "*" in action:
                problems.append(f"{where}: wildcard action {action!r}")
        if st.get("Effect") != "Allow":
            continue
        if "*" in resources:
            extra = set(actions) - ALLOWED_ON_STAR
            if extra:
                problems.append(f"{where}: Resource '*' for {sorted(extra)}")
            if set(actions) & STAR_NEEDS_CONDITION and not st.get("Condition"):
                problems.append(f"{where}: {sorted(set(actions) & STAR_NEEDS_CONDITION)} on '*' without Condition")
        for resource in resources:
            if isinstance(resource, str) and resource != "*" and re.search(r":\*?:\*?:|^arn:aws:[^:]+:\*", resource):
                problems.append(f"{where}: resource not scoped to region/account {resource!r}")
            if isinstance(resource, dict) and "Fn::Sub" in resource:
                text = as_list(resource["Fn::Sub"])[0]
                if "${AWS::AccountId}" not in text and not re.search(r"\$\{[A-Za-z0-9]+\.Arn\}", text):
                    problems.append(f"{where}: resource not scoped to this account/stack {text!r}")
    for logical_id, resource in cfn["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            managed = set(resource["Properties"].get("ManagedPolicyArns", []) or [])
            if not all(isinstance(arn, str) for arn in managed):
                problems.append(f"{logical_id}: non-literal managed policy {managed}")
            elif managed - ALLOWED_MANAGED_POLICIES:
                problems.append(f"{logical_id}: managed policies {sorted(managed - ALLOWED_MANAGED_POLICIES)}")
    return problems


def role_of(cfn: dict[str, Any], function_id: str) -> dict[str, Any]:
    role_ref = cfn["Resources"][function_id]["Properties"]["Role"]
    return cast(dict[str, Any], cfn["Resources"][role_ref["Fn::GetAtt"][0]])


def function_actions(cfn: dict[str, Any], function_id: str) -> list[tuple[str, Any]]:
    """(action, resource) pairs granted by the inline policies of a function's role."""
    pairs = []
    for st in role_statements(role_of(cfn, function_id)):
        assert st["Effect"] == "Allow"
        for action in as_list(st["Action"]):
            for resource in as_list(st["Resource"]):
                pairs.append((action, resource))
    return pairs


def openapi_operations(cfn: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    body = cfn["Resources"]["Api"]["Properties"]["Body"]
    return {(path, method): op for path, item in body["paths"].items() for method, op in item.items()}


def route_problems(cfn: dict[str, Any]) -> list[str]:
    """Every route is declared, wired to the right function, and authorized by
    Cognito unless it is one of the explicitly public routes."""
    problems = []
    operations = openapi_operations(cfn)
    if set(operations) != set(ROUTES):
        problems.append(
            f"routes differ: extra {set(operations) - set(ROUTES)}, missing {set(ROUTES) - set(operations)}"
        )
    for key, op in operations.items():
        expected: list[dict[str, list[str]]] = [{"NONE": []}] if key in PUBLIC_ROUTES else [{"CognitoAuthorizer": []}]
        if op.get("security") != expected:
            problems.append(f"{key}: security {op.get('security')} != {expected}")
        uri = op["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        if key in ROUTES and f"${{{ROUTES[key]}.Arn}}" not in uri:
            problems.append(f"{key}: integrated with {uri}")
    return problems


def asl_states(states: dict[str, Any], scope: str = "") -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(scope, name, state, sibling states), recursing into Map/Parallel."""
    for name, state in states.items():
        yield scope, name, state, states
        if state.get("Type") == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            yield from asl_states(processor.get("States", {}), f"{scope}{name}/")
        for i, branch in enumerate(state.get("Branches", [])):
            yield from asl_states(branch.get("States", {}), f"{scope}{name}[{i}]/")


def asl_problems(asl: dict[str, Any]) -> list[str]:
    problems = []
    if asl.get("QueryLanguage", "JSONPath") != "JSONPath":
        problems.append("top-level QueryLanguage is not JSONPath")

    def check_graph(machine: dict[str, Any], scope: str) -> None:
        states = machine.get("States", {})
        if machine.get("StartAt") not in states:
            problems.append(f"{scope}StartAt {machine.get('StartAt')!r} does not exist")
        reachable, todo = set(), [machine.get("StartAt")]
        while todo:
            name = todo.pop()
            if name in reachable or name not in states:
                continue
            reachable.add(name)
            state = states[name]
            todo += [state.get("Next"), state.get("Default")]
            todo += [c.get("Next") for c in state.get("Catch", []) + state.get("Choices", [])]
        if set(states) - reachable:
            problems.append(f"{scope}unreachable states {sorted(set(states) - reachable)}")
        for name, state in states.items():
            if state.get("Type") == "Map":
                check_graph(state.get("ItemProcessor") or state.get("Iterator") or {}, f"{scope}{name}/")

    check_graph(asl, "")
    for scope, name, state, siblings in asl_states(asl.get("States", {})):
        where = f"{scope}{name}"
        if state.get("QueryLanguage", "JSONPath") != "JSONPath":
            problems.append(f"{where}: QueryLanguage {state['QueryLanguage']}")
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Catch", []) + state.get("Choices", [])]
        for target in filter(None, targets):
            if target not in siblings:
                problems.append(f"{where}: Next {target!r} does not exist")
        if state.get("Type") not in ("Choice", "Succeed", "Fail") and not state.get("Next") and not state.get("End"):
            problems.append(f"{where}: neither Next nor End")
        if state.get("Type") == "Task":
            params = state.get("Parameters", {})
            if state.get("Resource") != "arn:aws:states:::lambda:invoke":
                problems.append(f"{where}: Resource {state.get('Resource')!r}")
            if params.get("FunctionName") != "${BillingFunctionArn}":
                problems.append(f"{where}: FunctionName {params.get('FunctionName')!r}")
            action = params.get("Payload", {}).get("action")
            if action not in ASL_ACTIONS:
                problems.append(f"{where}: Payload.action {action!r}")
            retried = {e for r in state.get("Retry", []) for e in r.get("ErrorEquals", [])}
            if not set(RETRY_ERRORS) <= retried:
                problems.append(f"{where}: does not retry {sorted(set(RETRY_ERRORS) - retried)}")
    return problems


def lint_text(text: str) -> list[str]:
    config = ManualArgs(regions=LINT_REGIONS, include_checks=["I"], include_experimental=True)
    return [str(match) for match in lint(text, config=config)]


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def translated(sam: dict[str, Any]) -> tuple[dict[str, Any], OfflinePolicyLoader]:
    return sam_translate(sam)


@pytest.fixture(scope="module")
def cfn(translated: tuple[dict[str, Any], OfflinePolicyLoader]) -> dict[str, Any]:
    return translated[0]


@pytest.fixture(scope="module")
def asl() -> dict[str, Any]:
    return load_asl()


# --------------------------------------------------------------------- cfn-lint


def test_cfn_lint_is_clean() -> None:
    assert lint_text(TEMPLATE.read_text(encoding="utf-8")) == []


def test_cfn_lint_reports_a_broken_template() -> None:
    broken = TEMPLATE.read_text(encoding="utf-8").replace(
        "BillingMode: PAY_PER_REQUEST", "BillingModeX: PAY_PER_REQUEST", 1
    )
    assert any("E3002" in m and "BillingModeX" in m for m in lint_text(broken))


def test_asl_passes_cfn_lint_state_machine_schema(asl: dict[str, Any]) -> None:
    def wrap(definition: dict[str, Any]) -> str:
        return json.dumps(
            {
                "Resources": {
                    "Machine": {
                        "Type": "AWS::StepFunctions::StateMachine",
                        "Properties": {
                            "RoleArn": "arn:aws:iam::123456789012:role/billing",
                            "Definition": definition,
                            "DefinitionSubstitutions": {
                                "BillingFunctionArn": "arn:aws:lambda:eu-north-1:123456789012:function:billing",
                                "DocumentsBucketName": "heatportal-documents",
                            },
                        },
                    }
                }
            }
        )

    assert lint_text(wrap(asl)) == []
    broken = copy.deepcopy(asl)
    broken["States"]["Summarize"]["Retry"][0]["MaxAttempts"] = "three"
    assert any("E3601" in m for m in lint_text(wrap(broken)))


# --------------------------------------------------------------------- declared contract


def test_parameters(sam: dict[str, Any]) -> None:
    params = sam["Parameters"]
    assert set(params) == {
        "ProfileId",
        "SenderEmail",
        "PortalDomain",
        "LogLevel",
        "Stage",
        "SesSendRatePerSecond",
        "SigningApiUrl",
    }
    assert (params["SesSendRatePerSecond"]["Default"], params["SesSendRatePerSecond"]["MinValue"]) == (14, 1)
    assert params["SigningApiUrl"]["Default"] == "https://appapi2.bankid.com/rp/v6.0"
    assert params["ProfileId"]["AllowedValues"] == ["no", "nl", "de", "se"]
    assert params["ProfileId"]["Default"] == "no"
    assert params["SenderEmail"]["Default"] == "minside@fjordvarme.example"
    assert params["PortalDomain"]["Default"] == ""
    assert params["LogLevel"]["Default"] == "INFO"
    assert params["Stage"]["Default"] == "prod"


def test_globals_and_functions(sam: dict[str, Any]) -> None:
    glob = sam["Globals"]["Function"]
    assert "Api" not in sam["Globals"]
    assert glob["Runtime"] == "python3.12"
    assert glob["Architectures"] == ["arm64"]
    assert (glob["Timeout"], glob["MemorySize"], glob["Tracing"]) == (29, 512, "Active")
    assert glob["Layers"] == [{"Ref": "SharedLayer"}]
    assert glob["Environment"]["Variables"] == GLOBAL_ENV
    resources = sam["Resources"]
    for logical_id, code_uri in FUNCTIONS.items():
        props = resources[logical_id]["Properties"]
        assert resources[logical_id]["Type"] == "AWS::Serverless::Function"
        assert (props["CodeUri"], props["Handler"]) == (code_uri, "app.handler")
        assert (ROOT / code_uri).is_dir(), code_uri
    billing = resources["BillingFunction"]["Properties"]
    assert (billing["Timeout"], billing["MemorySize"]) == (300, 1024)
    assert "Events" not in billing
    layer = resources["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    # SAM's python3.12 build puts the folder's content under python/, so the
    # folder must hold the heatportal package itself (-> /opt/python/heatportal).
    content = layer["Properties"]["ContentUri"]
    assert content == "layers/shared/python/"
    assert (ROOT / content / "heatportal" / "__init__.py").is_file()
    assert (ROOT / content / "requirements.txt").is_file()
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Metadata"]["BuildMethod"] == "python3.12"


def test_data_and_identity_resources(sam: dict[str, Any]) -> None:
    r = sam["Resources"]
    table = r["Table"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["Properties"]["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    gsis = {g["IndexName"]: g for g in table["Properties"]["GlobalSecondaryIndexes"]}
    assert set(gsis) == {"GSI1", "GSI2"}
    for name, gsi in gsis.items():
        assert [k["AttributeName"] for k in gsi["KeySchema"]] == [f"{name}PK", f"{name}SK"]
        assert gsi["Projection"] == {"ProjectionType": "ALL"}
    assert {a["AttributeType"] for a in table["Properties"]["AttributeDefinitions"]} == {"S"}
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    idem = r["IdempotencyTable"]["Properties"]
    assert idem["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert idem["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    for logical_id in ("Table", "IdempotencyTable"):
        props = r[logical_id]["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}
    for logical_id in ("Table", "IdempotencyTable", "DocumentsBucket", "UserPool"):
        assert r[logical_id]["DeletionPolicy"] == r[logical_id]["UpdateReplacePolicy"] == "Retain", logical_id
    bucket = r["DocumentsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    deny = r["DocumentsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    pool = r["UserPool"]["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert {"Name": "locale", "AttributeDataType": "String", "Mutable": True}.items() <= pool["Schema"][0].items()
    client = r["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    }
    assert r["StaffGroup"]["Properties"]["GroupName"] == "staff"
    for topic in ("AlertsTopic", "InboundSmsTopic"):
        assert r[topic]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
    assert r["SenderIdentity"]["Properties"]["EmailIdentity"] == {"Ref": "SenderEmail"}


def test_state_machine_and_schedules(sam: dict[str, Any]) -> None:
    r = sam["Resources"]
    machine = r["BillingStateMachine"]["Properties"]
    assert machine["DefinitionUri"] == "infra/billing.asl.json"
    assert machine["DefinitionSubstitutions"] == {
        "BillingFunctionArn": {"Fn::GetAtt": ["BillingFunction", "Arn"]},
        "DocumentsBucketName": {"Ref": "DocumentsBucket"},
    }
    assert (machine["Type"], machine["Tracing"]) == ("STANDARD", {"Enabled": True})
    destination = machine["Logging"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
    assert destination == {"Fn::GetAtt": ["BillingStateMachineLogs", "Arn"]}
    assert r["BillingStateMachineLogs"]["Properties"]["RetentionInDays"] == 365
    placeholders = set(re.findall(r"\$\{(\w+)\}", ASL.read_text()))
    assert placeholders == set(machine["DefinitionSubstitutions"])
    expected = {
        "MonthlyBillingSchedule": ("cron(0 6 2 * ? *)", {"Ref": "BillingStateMachine"}, {"period": "previous"}),
        "DailyReminderSchedule": (
            "cron(0 8 * * ? *)",
            {"Fn::GetAtt": ["NotificationsFunction", "Arn"]},
            {"job": "reminders"},
        ),
        "NightlyPortfolioSchedule": (
            "cron(30 4 * * ? *)",
            {"Fn::GetAtt": ["NotificationsFunction", "Arn"]},
            {"job": "portfolio"},
        ),
        "DailyAlertSchedule": (
            "cron(0 7 * * ? *)",
            {"Fn::GetAtt": ["NotificationsFunction", "Arn"]},
            {"job": "alerts"},
        ),
        "MonthlyConsumptionInfoSchedule": (
            "cron(0 9 3 * ? *)",
            {"Fn::GetAtt": ["NotificationsFunction", "Arn"]},
            {"job": "monthly-info"},
        ),
    }
    for logical_id, (cron, target, payload) in expected.items():
        props = r[logical_id]["Properties"]
        assert r[logical_id]["Type"] == "AWS::Scheduler::Schedule"
        assert props["ScheduleExpression"] == cron
        assert props["ScheduleExpressionTimezone"] == "Europe/Oslo"
        assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert props["Target"]["Arn"] == target
        assert props["Target"]["RoleArn"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
        assert json.loads(props["Target"]["Input"]) == payload
    assert set(sam["Outputs"]) == {
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "TableName",
        "BucketName",
        "BillingStateMachineArn",
    }


# --------------------------------------------------------------------- SAM translation


def test_sam_translates_offline(cfn: dict[str, Any], translated: tuple[dict[str, Any], OfflinePolicyLoader]) -> None:
    types = {logical_id: res["Type"] for logical_id, res in cfn["Resources"].items()}
    for logical_id in FUNCTIONS:
        assert types[logical_id] == "AWS::Lambda::Function"
        props = cfn["Resources"][logical_id]["Properties"]
        assert (props["Runtime"], props["Architectures"]) == ("python3.12", ["arm64"])
        assert props["TracingConfig"] == {"Mode": "Active"}
    assert types["Api"] == "AWS::ApiGateway::RestApi"
    assert types["BillingStateMachine"] == "AWS::StepFunctions::StateMachine"
    assert not any(t.startswith("AWS::Serverless::") for t in types.values())
    assert translated[1].calls == 0, "a managed policy by name needs IAM; use inline statements"
    rest = cfn["Resources"]["Api"]["Properties"]
    assert rest["BinaryMediaTypes"] == [
        "application/pdf",
        "image/png",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        # multipart/form-data: customer service uploads a document's PDF through a portal form.
        "multipart/form-data",
    ]


def test_every_non_public_route_uses_cognito(cfn: dict[str, Any]) -> None:
    assert route_problems(cfn) == []
    schemes = cfn["Resources"]["Api"]["Properties"]["Body"]["components"]["securitySchemes"]
    cognito = schemes["CognitoAuthorizer"]
    assert cognito["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert cognito["x-amazon-apigateway-authorizer"]["providerARNs"] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]


def test_route_checker_rejects_an_unauthenticated_route(cfn: dict[str, Any]) -> None:
    bad = copy.deepcopy(cfn)
    paths = bad["Resources"]["Api"]["Properties"]["Body"]["paths"]
    paths["/api/customers/{customer}/invoices"]["get"]["security"] = [{"NONE": []}]
    problems = route_problems(bad)
    assert len(problems) == 1
    assert "/api/customers/{customer}/invoices" in problems[0]


# --------------------------------------------------------------------- least privilege


def test_no_wildcard_actions_or_resources(cfn: dict[str, Any]) -> None:
    assert policy_violations(cfn) == []


def test_policy_checker_rejects_wildcards(cfn: dict[str, Any]) -> None:
    bad = copy.deepcopy(cfn)
    policies = role_of(bad, "InvoicesFunction")["Properties"]["Policies"]
    policies.append(
        {
            "PolicyName": "bad",
            "PolicyDocument": {
                "Statement": [
                    {"Sid": "A", "Effect": "Allow", "Action": "*", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}},
                    {"Sid": "B", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                    {"Sid": "C", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
                    {"Sid": "D", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
                    {"Sid": "E", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"},
                ]
            },
        }
    )
    role_of(bad, "BillingFunction")["Properties"]["ManagedPolicyArns"].append(
        "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
    )
    problems = " | ".join(policy_violations(bad))
    for expected in (
        "/A: wildcard",
        "/B: wildcard",
        "/C: Resource '*'",
        "/D: ['sns:Publish'] on '*' without Condition",
        "/E: resource not scoped",
        "AmazonDynamoDBFullAccess",
    ):
        assert expected in problems


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_function_role_grants_only_its_services(cfn: dict[str, Any], function_id: str) -> None:
    pairs = function_actions(cfn, function_id)
    actions = {a for a, _ in pairs}
    assert {a.split(":")[0] for a in actions} == FUNCTION_SERVICES[function_id]
    assert "dynamodb:Scan" not in actions
    s3 = {(a, json.dumps(r)) for a, r in pairs if a.startswith("s3:")}
    assert {a for a, _ in s3} == FUNCTION_S3_ACTIONS.get(function_id, set())
    if function_id in FUNCTION_S3_GRANTS:
        expected = {
            (a, json.dumps({"Fn::Sub": f"${{DocumentsBucket.Arn}}/{p}"})) for a, p in FUNCTION_S3_GRANTS[function_id]
        }
        assert s3 == expected
    else:
        for _, resource in s3:
            assert resource == json.dumps({"Fn::Sub": "${DocumentsBucket.Arn}/invoices/*"})
    idempotency = {a for a, r in pairs if r == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}}
    if function_id in IDEMPOTENCY_USERS:
        assert idempotency == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    else:
        assert not idempotency
    table_actions = {a for a, r in pairs if r == {"Fn::GetAtt": ["Table", "Arn"]}}
    index_actions = {a for a, r in pairs if r == {"Fn::Sub": "${Table.Arn}/index/*"}}
    if function_id == "RunsFunction":
        # Reads only: the runs, their failures and deliveries; a redrive starts an execution, it writes nothing.
        assert table_actions == index_actions == DYNAMODB_READ
        starts = [
            st for st in role_statements(role_of(cfn, function_id)) if "states:StartExecution" in as_list(st["Action"])
        ]
        assert [st["Resource"] for st in starts] == [{"Ref": "BillingStateMachine"}]
        return
    if function_id == "InterruptionsFunction":
        # One partition (PK=UTILITY): Query to read, PutItem to announce; no index, no delete.
        # GetItem: the caller's last sign-out everywhere, checked on every API request.
        assert table_actions == {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:GetItem"}
        assert not index_actions
        return
    if function_id == "AlertsFunction":
        # Reads, and PutItem of a facility's settings and a person's seen counters; never
        # Update or Delete. BatchGetItem: a group's portfolio directories. The index only for
        # a management company's organisations.
        assert table_actions == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:PutItem"}
        assert index_actions == {"dynamodb:Query"}
        return
    assert table_actions == index_actions
    if function_id == "DocsFunction":
        assert pairs == []  # nothing but its own files
        return
    if function_id == "DataFunction":
        # Tokens: GetItem by hash, transactions of Put and Update (never Delete: a revoked
        # token stays listed until TTL); rate counters and last use: UpdateItem; reads: Query.
        assert table_actions == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}
        return
    assert table_actions >= DYNAMODB_READ
    if function_id == "PortfolioFunction":
        # Reads in batches; writes only a person's groups and tiles and a protocol's item.
        assert table_actions == DYNAMODB_READ | {"dynamodb:PutItem"}
    elif function_id == "InvoicesFunction":
        # Payments: one transaction (Put the payment if absent, Update the invoice); never Delete.
        assert table_actions == DYNAMODB_READ | {
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:ConditionCheckItem",
        }
    else:
        assert table_actions >= DYNAMODB_READ
        assert {
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        } <= table_actions
    for st in role_statements(role_of(cfn, function_id)):
        if any(a.startswith("cognito-idp:") for a in as_list(st["Action"])):
            assert st["Resource"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
        if any(a.startswith("ses:") for a in as_list(st["Action"])):
            assert st["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}}


def test_state_machine_and_scheduler_roles(cfn: dict[str, Any]) -> None:
    machine_role = cfn["Resources"]["BillingStateMachineRole"]
    services = {a.split(":")[0] for st in role_statements(machine_role) for a in as_list(st["Action"])}
    assert services == {"lambda", "states", "events", "logs", "s3"}
    s3 = {
        (a, json.dumps(st["Resource"]))
        for st in role_statements(machine_role)
        for a in as_list(st["Action"])
        if a.startswith("s3:")
    }
    # The ItemReader reads the run's manifest; the ResultWriter writes under billing-runs/results/ only.
    assert s3 == {("s3:GetObject", json.dumps({"Fn::Sub": "${DocumentsBucket.Arn}/billing-runs/*"}))} | {
        (a, json.dumps({"Fn::Sub": "${DocumentsBucket.Arn}/billing-runs/results/*"}))
        for a in ("s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload")
    }
    invoke = [st for st in role_statements(machine_role) if "lambda:InvokeFunction" in as_list(st["Action"])]
    assert [st["Resource"]["Fn::Sub"][1] for st in invoke] == [{"functionName": {"Ref": "BillingFunction"}}]
    scheduler = cfn["Resources"]["SchedulerRole"]["Properties"]
    principals = [st["Principal"] for st in scheduler["AssumeRolePolicyDocument"]["Statement"]]
    assert principals == [{"Service": "scheduler.amazonaws.com"}]
    grants = {
        a: as_list(st["Resource"])
        for st in role_statements(cfn["Resources"]["SchedulerRole"])
        for a in as_list(st["Action"])
    }
    assert set(grants) == {"states:StartExecution", "lambda:InvokeFunction"}
    assert grants["states:StartExecution"] == [{"Ref": "BillingStateMachine"}]
    assert {json.dumps(r) for r in grants["lambda:InvokeFunction"]} == {
        json.dumps({"Fn::GetAtt": ["NotificationsFunction", "Arn"]}),
        json.dumps({"Fn::Sub": "${NotificationsFunction.Arn}:*"}),
    }


# --------------------------------------------------------------------- ASL


def test_asl_contract(asl: dict[str, Any]) -> None:
    assert asl_problems(asl) == []
    assert asl["StartAt"] == "ListAccounts"
    states = asl["States"]
    assert list(states) == ["ListAccounts", "BillBatches", "Summarize"]
    assert states["ListAccounts"]["ResultSelector"] == {"run.$": "$.Payload"}
    assert states["ListAccounts"]["ResultPath"] == "$.plan"
    assert states["ListAccounts"]["Parameters"]["Payload"]["run_id.$"] == "$$.Execution.Name"
    bill = states["BillBatches"]
    # The accounts come from the run's manifest in S3, never from a state.
    assert "ItemsPath" not in bill and "ItemSelector" not in bill
    assert bill["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert bill["ItemReader"]["Parameters"] == {"Bucket": "${DocumentsBucketName}", "Key.$": "$.plan.run.manifest_key"}
    assert bill["ItemBatcher"]["MaxItemsPerBatch"] == 25
    assert bill["ItemBatcher"]["BatchInput"] == {"period.$": "$.plan.run.period", "run_id.$": "$.plan.run.run_id"}
    assert bill["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    # Every child catches its own errors and reports; the results go to S3, not into the state.
    assert bill["ToleratedFailurePercentage"] == 100
    assert bill["ResultWriter"]["Parameters"] == {"Bucket": "${DocumentsBucketName}", "Prefix": "billing-runs/results"}
    assert bill["ResultPath"] == "$.results"
    assert states["Summarize"]["Parameters"]["Payload"]["result_writer.$"] == "$.results.ResultWriterDetails"
    inner = bill["ItemProcessor"]["States"]
    assert inner["BillBatch"]["Parameters"]["Payload"]["accounts.$"] == "$.Items"
    assert inner["BillBatch"]["Parameters"]["Payload"]["attempt.$"] == "$$.State.RetryCount"
    assert inner["BillBatch"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordBatchFailure"}
    ]
    # A Lambda timeout mid-batch is retried like the other transient errors.
    assert "Sandbox.Timedout" in inner["BillBatch"]["Retry"][0]["ErrorEquals"]
    used = {s["Parameters"]["Payload"]["action"] for _, _, s, _ in asl_states(states) if s["Type"] == "Task"}
    assert used == ASL_ACTIONS
    assert "JSONata" not in ASL.read_text()


def test_asl_checker_rejects_bad_definitions(asl: dict[str, Any]) -> None:
    bad = copy.deepcopy(asl)
    inner = bad["States"]["BillBatches"]["ItemProcessor"]["States"]
    inner["BillBatch"]["Catch"][0]["Next"] = "RecordFailure"
    bad["States"]["Summarize"]["Parameters"]["Payload"]["action"] = "sum"
    bad["States"]["ListAccounts"]["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"
    bad["States"]["Summarize"]["Retry"][0]["ErrorEquals"].remove("TransientFailure")
    problems = " | ".join(asl_problems(bad))
    for expected in (
        "BillBatches/BillBatch: Next 'RecordFailure' does not exist",
        "BillBatches/unreachable states ['RecordBatchFailure']",
        "Summarize: Payload.action 'sum'",
        "ListAccounts: Resource",
        "Summarize: does not retry ['TransientFailure']",
    ):
        assert expected in problems


def test_asl_parses_with_moto_interpreter(asl: dict[str, Any]) -> None:
    parser = pytest.importorskip("moto.stepfunctions.parser.asl.parse.asl_parser")
    from infra.local import moto_patches

    moto_patches.apply()  # the local stack's moto understands ItemBatcher
    definition = (
        ASL.read_text()
        .replace("${BillingFunctionArn}", "arn:aws:lambda:eu-north-1:123456789012:function:billing")
        .replace("${DocumentsBucketName}", "heatportal-documents")
    )
    program, _ = parser.AmazonStateLanguageParser.parse(definition)
    assert type(program).__name__ == "Program"
