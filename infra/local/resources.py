"""Create the template's resources on the embedded moto server.

Only properties the emulator understands are passed; the rest (PITR, alarms,
IAM) is production-only and checked by cfn-lint and the SAM translator in tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from infra.local.template import ROOT, resources_of_type, sns_subscriptions

REGION = "eu-north-1"
ACCOUNT = "123456789012"
PREFIX = "heatportal-local"


@dataclass(frozen=True)
class LocalResources:
    endpoint: str
    table_name: str
    idempotency_table_name: str
    bucket_name: str
    user_pool_id: str
    user_pool_client_id: str
    alerts_topic_arn: str
    inbound_sms_topic_arn: str
    state_machine_arn: str
    sender_email: str
    delivery_queue_url: str
    delivery_dead_letter_queue_url: str
    # No SES quota locally: deliveries drain fast (the template's default is an account's starting quota).
    ses_send_rate: int = 500

    def environment(self, profile_id: str, portal_url: str) -> dict[str, str]:
        """The variables template.yaml's Globals give every function."""
        return {
            "TABLE_NAME": self.table_name,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table_name,
            "BUCKET_NAME": self.bucket_name,
            "USER_POOL_ID": self.user_pool_id,
            "USER_POOL_CLIENT_ID": self.user_pool_client_id,
            "PROFILE_ID": profile_id,
            "SENDER_EMAIL": self.sender_email,
            "ALERTS_TOPIC_ARN": self.alerts_topic_arn,
            "DELIVERY_QUEUE_URL": self.delivery_queue_url,
            "DELIVERY_CONFIGURATION_SET": f"{PREFIX}-DeliveryConfigurationSet",
            "SES_SEND_RATE": str(self.ses_send_rate),
            "DELIVERY_POLLERS": "2",
            "BILLING_STATE_MACHINE_ARN": self.state_machine_arn,
            # Batches run as threads of this one process here: a few keep both cores busy.
            "BILLING_MAX_CONCURRENCY": "8",
            "COGNITO_JWKS_URL": f"{self.endpoint}/{self.user_pool_id}/.well-known/jwks.json",
            "PORTAL_BASE_URL": portal_url,
            "POWERTOOLS_SERVICE_NAME": "heatportal",
            "POWERTOOLS_METRICS_NAMESPACE": "Heatportal",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_DEV": "false",
            # No CloudWatch locally: metrics are exercised in tests, not flushed to stdout.
            "POWERTOOLS_METRICS_DISABLED": "true",
        }


SERVICES = ("dynamodb", "s3", "cognito-idp", "sns", "sesv2", "stepfunctions", "sqs")
_made: dict[tuple[str, str], Any] = {}
_making = threading.Lock()


class Clients(Mapping[str, Any]):
    """The stack's clients of one endpoint (``SERVICES``), each made when first
    asked for and then shared by everyone in the process who asks (boto3's
    clients are thread-safe; making one loads its service's model, about a
    tenth of a second, and a session of its own every time made the start
    load them all several times)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __getitem__(self, name: str) -> Any:
        if name not in SERVICES:
            raise KeyError(name)
        with _making:  # a session is not thread-safe
            made = _made.get((self.endpoint, name))
            if made is None:
                made = _made[(self.endpoint, name)] = _session().client(  # type: ignore[call-overload]  # name is dynamic
                    name, endpoint_url=self.endpoint
                )
            return made

    def __iter__(self) -> Iterator[str]:
        return iter(SERVICES)

    def __len__(self) -> int:
        return len(SERVICES)


def clients(endpoint: str) -> Clients:
    return Clients(endpoint)


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto accepts any key
        region_name=REGION,
    )


def _only(resource_type: str) -> tuple[str, dict[str, Any]]:
    found = resources_of_type(resource_type)
    if not found:
        raise LookupError(f"template.yaml declares no {resource_type}")
    return next(iter(found.items()))


def create_table(ddb: Any, logical_id: str = "Table", name: str | None = None) -> str:
    """Create one of the template's tables (keys, indexes, TTL as declared),
    under ``name`` (default ``heatportal-local-<logical id>``); returns its name.
    Tests use it for a table of their own."""
    props = resources_of_type("AWS::DynamoDB::Table")[logical_id]["Properties"]
    return _create_table(ddb, name or f"{PREFIX}-{logical_id}", props)


def _create_table(ddb: Any, name: str, props: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("SSESpecification"):
        kwargs["SSESpecification"] = {"Enabled": bool(props["SSESpecification"].get("SSEEnabled"))}
    ddb.create_table(**kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl["Enabled"])},
        )
    return name


def _state_machine_definition(props: dict[str, Any], function_arns: dict[str, str], names: dict[str, str]) -> str:
    """The definition with its substitutions: a function's ARN (``!GetAtt``)
    or a resource's name (``!Ref``, from ``names``)."""
    text = (ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            text = text.replace("${" + key + "}", function_arns[value["Fn::GetAtt"][0]])
        elif isinstance(value, dict) and "Ref" in value:
            text = text.replace("${" + key + "}", names[value["Ref"]])
        else:
            raise ValueError(f"the local stack cannot substitute {key}: {value}")
    return text


def create_queues(sqs: Any) -> dict[str, dict[str, str]]:
    """Every AWS::SQS::Queue of the template, dead-letter queues first (a
    queue's RedrivePolicy names its dead-letter queue by ``!GetAtt``);
    logical id -> {url, arn}."""
    created: dict[str, dict[str, str]] = {}
    pending = dict(resources_of_type("AWS::SQS::Queue"))
    while pending:
        progressed = False
        for logical_id, body in list(pending.items()):
            props = dict(body.get("Properties") or {})
            redrive = props.pop("RedrivePolicy", None)
            if redrive:
                target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
                if target not in created:
                    continue
                props["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": created[target]["arn"], "maxReceiveCount": int(redrive["maxReceiveCount"])}
                )
            attributes = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in props.items()}
            url = sqs.create_queue(QueueName=f"{PREFIX}-{logical_id}", Attributes=attributes)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            created[logical_id] = {"url": url, "arn": arn}
            del pending[logical_id]
            progressed = True
        if not progressed:
            raise ValueError(f"queues whose dead-letter queue is not in the template: {sorted(pending)}")
    return created


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-{logical_id}"


def create_all(endpoint: str, sender_email: str) -> LocalResources:
    c = clients(endpoint)
    tables = resources_of_type("AWS::DynamoDB::Table")
    names = {logical_id: create_table(c["dynamodb"], logical_id) for logical_id in tables}

    bucket_id, _bucket = _only("AWS::S3::Bucket")
    bucket = f"{PREFIX}-{bucket_id.lower()}"
    c["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    c["s3"].put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    c["s3"].put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )

    pool_id_logical, pool = _only("AWS::Cognito::UserPool")
    pool_props = pool["Properties"]
    pool_kwargs = {
        key: pool_props[key]
        for key in ("Policies", "UsernameAttributes", "AutoVerifiedAttributes", "Schema", "AccountRecoverySetting")
        if key in pool_props
    }
    user_pool_id = c["cognito-idp"].create_user_pool(PoolName=f"{PREFIX}-{pool_id_logical}", **pool_kwargs)["UserPool"][
        "Id"
    ]
    _client_id, client_body = _only("AWS::Cognito::UserPoolClient")
    client_props = client_body["Properties"]
    client_kwargs = {
        key: client_props[key]
        for key in (
            "ExplicitAuthFlows",
            "PreventUserExistenceErrors",
            "EnableTokenRevocation",
            "AccessTokenValidity",
            "IdTokenValidity",
            "RefreshTokenValidity",
            "TokenValidityUnits",
        )
        if key in client_props
    }
    client_id = c["cognito-idp"].create_user_pool_client(
        UserPoolId=user_pool_id, ClientName=f"{PREFIX}-portal", GenerateSecret=False, **client_kwargs
    )["UserPoolClient"]["ClientId"]
    for group in resources_of_type("AWS::Cognito::UserPoolGroup").values():
        c["cognito-idp"].create_group(UserPoolId=user_pool_id, GroupName=group["Properties"]["GroupName"])

    topics = {
        logical_id: c["sns"].create_topic(Name=f"{PREFIX}-{logical_id}")["TopicArn"]
        for logical_id in resources_of_type("AWS::SNS::Topic")
    }
    # The functions' SNS events (the alerts topic -> the notifications function),
    # delivered in-process by infra.local.lambdas.
    for topic_id, function_id in sns_subscriptions():
        c["sns"].subscribe(TopicArn=topics[topic_id], Protocol="lambda", Endpoint=function_arn(function_id))
    c["sesv2"].create_email_identity(EmailIdentity=sender_email)

    function_arns = {
        logical_id: function_arn(logical_id) for logical_id in resources_of_type("AWS::Serverless::Function")
    }
    queues = create_queues(c["sqs"])
    sm_id, sm = _only("AWS::Serverless::StateMachine")
    definition = _state_machine_definition(sm["Properties"], function_arns, {bucket_id: bucket})
    state_machine_arn = c["stepfunctions"].create_state_machine(
        name=f"{PREFIX}-{sm_id}",
        definition=definition,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-states",
        type=sm["Properties"].get("Type", "STANDARD"),
    )["stateMachineArn"]

    return LocalResources(
        endpoint=endpoint,
        table_name=names["Table"],
        idempotency_table_name=names["IdempotencyTable"],
        bucket_name=bucket,
        user_pool_id=user_pool_id,
        user_pool_client_id=client_id,
        alerts_topic_arn=topics["AlertsTopic"],
        inbound_sms_topic_arn=topics["InboundSmsTopic"],
        state_machine_arn=state_machine_arn,
        sender_email=sender_email,
        delivery_queue_url=queues["DeliveryQueue"]["url"],
        delivery_dead_letter_queue_url=queues["DeliveryDeadLetterQueue"]["url"],
    )


def definition_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
