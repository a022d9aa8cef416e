"""boto3 clients, created once per container and lazily (cold start matters),
and which of their errors a retry may fix.

The endpoint comes from boto3's own ``AWS_ENDPOINT_URL`` setting, so the same
code talks to AWS in production and to the embedded moto server locally.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from heatportal.domain.errors import TransientFailure

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
# For calls that must not be repeated blindly: a send whose reply is lost may
# have been accepted, and SES's SendEmail is not idempotent.
_ONCE = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=3, read_timeout=10)

# Error codes of throttling and of the service's own failures, across DynamoDB, S3, SQS, SES and SNS.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "InternalServerError",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "KMS.ThrottlingException",
    }
)

T = TypeVar("T")


_making = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    """The container's one session: each new one loads botocore's endpoint
    data again (a cold start made one per client)."""
    return boto3.session.Session()


@cache
def client(service: str, *, retries: bool = True) -> Any:
    config = _CONFIG if retries else _ONCE
    with _making:  # a session is not thread-safe (its clients are)
        return _session().client(service, config=config)  # type: ignore[call-overload]  # service name is dynamic


def is_transient(error: Exception) -> bool:
    """Throttling, a service's 5xx, or the network: a retry may succeed."""
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return error.response.get("Error", {}).get("Code") in TRANSIENT_CODES or status >= 500
    return isinstance(error, ConnectionError | HTTPClientError)


def transient_as_failure(what: str, call: Callable[[], T]) -> T:
    """Run ``call``; an error a retry may fix becomes TransientFailure (the
    callers' one signal to retry), any other is raised as it is."""
    try:
        return call()
    except (ClientError, ConnectionError, HTTPClientError) as error:
        if is_transient(error):
            raise TransientFailure(f"{what}: {type(error).__name__}: {error}") from error
        raise
