"""The data API's edge (``/api/v1/data``): the token of the request, checked
by the function itself (its routes have no Cognito authorizer, see
services.open_data.credentials), paging cursors, and conditional reads.

Every successful read answers with an ``ETag`` (a hash of the answer); a
request whose ``If-None-Match`` names it gets ``304 Not Modified`` with no
body. Answers may be kept by the client (``Cache-Control: private,
no-cache``: only by it, and asked again each time) and depend on the token
(``Vary: Authorization``). A refused token's 401 says how to send one
(``WWW-Authenticate: Bearer``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.router import Router

from heatportal import composition
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.open_data import DataCredential
from heatportal.web.api import ApiResolver

DATA_PREFIX = "/api/v1/data/"
DATA_CACHE_CONTROL = "private, no-cache"
T = TypeVar("T")


def credential(app: APIGatewayRestResolver | Router) -> DataCredential:
    """The request's token, checked: known, working, within its rate (or 401/429)."""
    header = app.current_event.headers.get("Authorization")
    return composition.data_credentials().authenticate(header)


def encode_cursor(position: str) -> str:
    """An opaque cursor for a position (a start time, a date, an invoice number)."""
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, parse: Callable[[str], T]) -> T | None:
    """The position of a cursor this API gave out; ValidationFailed for any other text."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return parse(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(
            "This cursor is not one the API gave out.",
            code="cursor_invalid",
            fields=[{"field": "cursor", "code": "cursor_invalid"}],
        ) from None


def _etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _header(response: dict[str, Any], name: str, value: str) -> None:
    if "multiValueHeaders" in response:
        response["multiValueHeaders"][name] = [value]
    else:
        response.setdefault("headers", {})[name] = value


class DataResolver(ApiResolver):
    """The API resolver, and on the data API's reads: an ETag, 304 for a
    matching If-None-Match, private caching; a Bearer challenge on a 401."""

    def resolve(self, event: Any, context: Any) -> dict[str, Any]:
        response = super().resolve(event, context)
        if not str(event.get("path", "")).startswith(DATA_PREFIX):
            return response
        status = int(response.get("statusCode", 200))
        if status == 401:
            _header(response, "WWW-Authenticate", 'Bearer realm="heatportal", error="invalid_token"')
        if status != 200 or event.get("httpMethod") != "GET":
            return response
        etag = _etag(response.get("body") or "")
        _header(response, "ETag", etag)
        _header(response, "Cache-Control", DATA_CACHE_CONTROL)
        _header(response, "Vary", "Authorization")
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        if_none_match = headers.get("if-none-match")
        if if_none_match and _matches(if_none_match, etag):
            response["statusCode"] = 304
            response["body"] = ""
        return response
