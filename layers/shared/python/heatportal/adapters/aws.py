"""boto3 clients, created once per container and lazily (cold start matters).

The endpoint comes from boto3's own ``AWS_ENDPOINT_URL`` setting, so the same
code talks to AWS in production and to the embedded moto server locally.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]  # service name is dynamic
