"""A local API Gateway: HTTP requests become REST API proxy events.

Routes come from template.yaml; routes behind the Cognito authorizer get their
Bearer token verified against the user pool's JWKS (served by moto) and the
claims passed in ``requestContext.authorizer.claims``, as API Gateway does.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from heatportal.adapters.identity import JwtVerifier
from heatportal.domain.errors import Unauthorized
from heatportal.web.api import API_HEADERS
from infra.local import lambdas
from infra.local.template import ApiRoute, api_routes

_PARAM = re.compile(r"\{([^}/+]+)(\+?)\}")
# API Gateway refuses a larger request body itself (REQUEST_TOO_LARGE), before the authorizer.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class CompiledRoute:
    route: ApiRoute
    pattern: re.Pattern[str]
    specificity: tuple[int, int]


def _compile(route: ApiRoute) -> CompiledRoute:
    regex = ""
    pos = 0
    for match in _PARAM.finditer(route.path):
        regex += re.escape(route.path[pos : match.start()])
        name, greedy = match.group(1), match.group(2)
        regex += f"(?P<{name}>.+)" if greedy else f"(?P<{name}>[^/]+)"
        pos = match.end()
    regex += re.escape(route.path[pos:])
    literal = len(_PARAM.sub("", route.path))
    greedy_count = route.path.count("+}")
    # API Gateway prefers literal segments over parameters, and parameters over greedy paths.
    return CompiledRoute(route, re.compile(f"^{regex}$"), (-greedy_count, literal))


class LocalGateway:
    def __init__(
        self,
        verifier: JwtVerifier,
        extra: dict[str, Any] | None = None,
        revoked: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.routes = sorted((_compile(r) for r in api_routes()), key=lambda c: c.specificity, reverse=True)
        self.verifier = verifier
        # Sessions ended everywhere (services.sessions): refused here as the functions refuse them on AWS.
        self.revoked = revoked
        # Local-only pages (outbox, docs, jobs): path -> callable(request) -> Response
        self.extra = extra or {}

    def match(self, method: str, path: str) -> tuple[ApiRoute, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method not in (method, "ANY"):
                continue
            found = compiled.pattern.match(path)
            if found:
                return compiled.route, found.groupdict()
        return None

    def methods_of(self, path: str) -> set[str]:
        """The methods of the resource API Gateway picks for ``path`` (the most
        specific one whose pattern matches, whatever its method)."""
        resource = next((c.route.path for c in self.routes if c.pattern.match(path)), None)
        return {c.route.method for c in self.routes if c.route.path == resource}

    def event_for(
        self, request: Request, route: ApiRoute, params: dict[str, str], claims: dict[str, Any] | None
    ) -> dict[str, Any]:
        body = request.get_data()
        text_types = ("application/json", "application/x-www-form-urlencoded", "text/")
        is_text = not body or any(t in (request.content_type or "") for t in text_types)
        query = parse_qs(request.query_string.decode(), keep_blank_values=True)
        headers = dict(request.headers.items())
        headers.setdefault("X-Forwarded-Proto", "http")
        request_id = str(uuid.uuid4())
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": {k: request.headers.getlist(k) for k in request.headers.keys()},  # noqa: SIM118 - werkzeug Headers iterates pairs,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": request.method,
                "path": request.path,
                "stage": "local",
                "requestId": request_id,
                "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.user_agent.string},
                "authorizer": {"claims": claims} if claims else None,
            },
            "body": (body.decode(errors="replace") if is_text else base64.b64encode(body).decode()) if body else None,
            "isBase64Encoded": bool(body) and not is_text,
        }

    def authorize(self, request: Request) -> dict[str, Any]:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if not token:
            raise Unauthorized("Unauthorized", code="unauthorized")
        claims = self.verifier.verify(token)
        if self.revoked is not None and self.revoked(claims):
            raise Unauthorized("Unauthorized", code="unauthorized")
        # API Gateway passes claims as strings; lists are flattened.
        return {k: (" ".join(v) if isinstance(v, list) else str(v)) for k, v in claims.items()}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        for prefix, page in self.extra.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return page(request)
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return _gateway_error(413, "body_too_large", "Request too large")
        methods = self.methods_of(request.path)
        if methods and "ANY" not in methods and request.method not in methods:
            # API Gateway's MISSING_AUTHENTICATION_TOKEN: the resource has no such
            # method. template.yaml's gateway response makes it this 405.
            return _gateway_error(
                405, "method_not_allowed", "Method not allowed", {"Allow": ", ".join(sorted(methods))}
            )
        matched = self.match(request.method, request.path)
        if matched is None:
            return _gateway_error(403, "missing_authentication_token", "Missing Authentication Token")
        route, params = matched
        claims = None
        if not route.public:
            try:
                claims = self.authorize(request)
            except Unauthorized:
                return _gateway_error(401, "unauthorized", "Unauthorized")
        event = self.event_for(request, route, params, claims)
        try:
            result = lambdas.invoke(route.function, event)
        except Exception:  # noqa: BLE001 - an unhandled Lambda error is API Gateway's 502
            return _gateway_error(502, "integration_failure", "Internal server error")
        return self.to_response(result)

    @staticmethod
    def to_response(result: dict[str, Any]) -> Response:
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response = Response(data, status=int(result.get("statusCode", 200)))
        response.headers.clear()
        for key, value in (result.get("headers") or {}).items():
            response.headers[key] = value
        for key, values in (result.get("multiValueHeaders") or {}).items():
            if key.lower() == "set-cookie" or key not in response.headers:
                if key in response.headers:
                    del response.headers[key]
                for value in values:
                    response.headers.add(key, value)
        return response


def _gateway_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error API Gateway answers itself, in the shape template.yaml's
    GatewayResponses give it (the same shape and headers as the functions' errors)."""
    return Response(
        json.dumps({"code": code, "message": message, "fields": []}),
        status,
        headers={**API_HEADERS, **(headers or {})},
        content_type="application/json",
    )
