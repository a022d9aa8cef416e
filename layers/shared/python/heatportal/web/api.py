"""The JSON API's edge, shared by every function: one resolver factory, one
error mapping, the principal from verified claims.

Domain errors become a stable body ``{"code", "message", "fields"}``; the
message is translated by the request's Accept-Language when the catalog has it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from heatportal.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TransientFailure,
    Unauthorized,
    ValidationFailed,
)
from heatportal.domain.model import LANGUAGES, Language
from heatportal.i18n import translate
from heatportal.services.access import Principal
from heatportal.web.bodies import parse_json

STATUS: dict[type, int] = {
    BadRequest: 400,
    ValidationFailed: 422,
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    PayloadTooLarge: 413,
    RateLimited: 429,
    TransientFailure: 503,
}
# On every API answer: never cached (answers are personal), never content-sniffed.
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

# Customer numbers with a slash (``0012345/1``) travel in URLs as ``0012345-1``;
# no customer number contains a hyphen.
CustomerPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z-]{1,20}$", description="Customer number, '/' written as '-'")]
OrgPath = Annotated[str, Path(pattern=r"^[0-9A-Z]{8,12}$", description="Organisation number, compact")]
MeterPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z-]{1,20}$", description="Meter number")]


def customer_from_path(value: str) -> str:
    return value.replace("-", "/")


def customer_to_path(number: str) -> str:
    return number.replace("/", "-")


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def language_of(headers: dict[str, str] | None, default: Language = "en") -> Language:
    """Best language from Accept-Language among the five we speak."""
    raw = ""
    for key, value in (headers or {}).items():
        if key.lower() == "accept-language":
            raw = value
    for part in raw.split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in ("no", "nn"):
            base = "nb"
        for lang in LANGUAGES:
            if lang == base:
                return lang
    return default


def localized_message(code: str, lang: Language, fallback: str, params: dict[str, Any]) -> str:
    key = f"error.{code}"
    text = translate(key, lang, **params)
    return fallback if text == key else text


def error_body(code: str, message: str, fields: list[dict[str, Any]] | None = None) -> str:
    return json.dumps({"code": code, "message": message, "fields": fields or []}, ensure_ascii=False)


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """The field a validation error belongs to, as the request names it
    (``registers.volume``, ``status``): without the location, and a field of a
    query model (``Annotated[Model, Query()]``) by its own query name."""
    parts = list(loc)
    if len(parts) == 3 and parts[0] == "query":
        parts = parts[2:]
    return ".".join(str(p) for p in parts if p not in ("body", "query", "path"))


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _revoked_by_sign_out(claims: dict[str, Any]) -> bool:
    # Resolved per call, so the edge stays importable without AWS settings (unit tests).
    from heatportal import composition

    return composition.sessions().revoked(claims)


class _EdgeChecks(OpenAPIRequestValidationMiddleware):
    """Runs first on every matched route. A session ended everywhere (sign-out,
    password reset, e-mail change) is refused before anything else: API
    Gateway's Cognito authorizer checks only the token's signature and expiry.
    A route's body is JSON and nothing else: a form or a multipart body (which
    Powertools would otherwise parse, a multipart one without a boundary into
    a 500) is a 415 like any other media type."""

    def __init__(self, revoked: Callable[[dict[str, Any]], bool]) -> None:
        super().__init__()
        self.revoked = revoked

    def handler(self, app: Any, next_middleware: Any) -> Any:
        context = app.current_event.request_context
        claims = context.authorizer.claims if context.authorizer else None
        if claims and self.revoked(dict(claims)):
            raise Unauthorized("You have been signed out. Please log in again.", code="session_expired")
        return super().handler(app, next_middleware)

    def _get_body(self, app: Any) -> Any:
        media = _media_type(app.current_event.headers.get("content-type", ""))
        if media and media != "application/json" and not media.endswith("+json"):
            raise RequestUnsupportedContentType("Unsupported content type", errors=[])
        return self._parse_json_data(app)


class ApiResolver(APIGatewayRestResolver):
    """The API's resolver: sessions ended everywhere refused, JSON bodies read
    within limits (web.bodies), only JSON accepted, and API_HEADERS on every
    answer, errors included."""

    def __init__(self, revoked: Callable[[dict[str, Any]], bool] = _revoked_by_sign_out) -> None:
        super().__init__(enable_validation=True, json_body_deserializer=parse_json)
        # Powertools runs the middleware kept in this attribute first on every
        # matched route (before the body is parsed): the one hook for checks
        # that must come before anything else.
        self._request_validation_middleware = _EdgeChecks(revoked)

    def resolve(self, event: Any, context: Any) -> dict[str, Any]:
        response = super().resolve(event, context)
        if "multiValueHeaders" in response:
            response["multiValueHeaders"].update({name: [value] for name, value in API_HEADERS.items()})
        else:
            response.setdefault("headers", {}).update(API_HEADERS)
        return response


def build_resolver(logger: Logger, resolver: type[ApiResolver] = ApiResolver) -> APIGatewayRestResolver:
    app = resolver()

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response[str]:
        lang = language_of(app.current_event.headers)
        message = localized_message(error.code, lang, error.message, error.params)
        status = status_of(error)
        logger.info("request refused", extra={"code": error.code, "status": status})
        headers = {"Retry-After": str(error.params.get("retry_after", 60))} if status == 429 else None
        return Response(status, content_types.APPLICATION_JSON, error_body(error.code, message, error.fields), headers)

    @app.exception_handler(RequestValidationError)
    def _validation_error(error: RequestValidationError) -> Response[str]:
        lang = language_of(app.current_event.headers)
        fields = [
            {
                "field": field_path(e.get("loc", ())),
                "code": e.get("type", "invalid"),
                "message": e.get("msg", ""),
            }
            for e in error.errors()
        ]
        message = localized_message("validation_failed", lang, "Some fields are missing or invalid.", {})
        return Response(422, content_types.APPLICATION_JSON, error_body("validation_failed", message, fields))

    @app.not_found
    def _not_found(_error: Exception) -> Response[str]:
        # A path no route matches (also a path parameter no route pattern
        # accepts, such as one with a control character): 404, never a 500.
        lang = language_of(app.current_event.headers)
        message = localized_message("not_found", lang, "Not found.", {})
        return Response(404, content_types.APPLICATION_JSON, error_body("not_found", message))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_content_type(_error: Exception) -> Response[str]:
        lang = language_of(app.current_event.headers)
        message = localized_message("unsupported_media_type", lang, "Send the request as JSON.", {})
        return Response(415, content_types.APPLICATION_JSON, error_body("unsupported_media_type", message))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        # Logged with the correlation id; the caller gets no internals.
        logger.exception("unexpected error")
        lang = language_of(app.current_event.headers)
        message = localized_message("internal_error", lang, "Something went wrong on our side.", {})
        return Response(500, content_types.APPLICATION_JSON, error_body("internal_error", message))

    return app


def principal(app: APIGatewayRestResolver | Router) -> Principal:
    """The caller, from the claims API Gateway's Cognito authorizer verified."""
    event = app.current_event
    if not isinstance(event, APIGatewayProxyEvent):  # pragma: no cover - the API is a REST API
        raise Unauthorized("Please log in.", code="unauthorized")
    context = event.request_context
    claims = context.authorizer.claims if context.authorizer else None
    return Principal.from_claims(claims)
