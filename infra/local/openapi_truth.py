"""What Powertools' generated OpenAPI document leaves out or gets wrong, put
right from the code itself, so the document tells the truth about every
answer (checked by tests/contract/test_openapi_truth.py, and against the
running stack by the fuzz gate in tests/e2e/test_fuzz_gate.py):

- errors have one shape, ``{code, message, fields}`` (heatportal.web.api),
  also for 422, where Powertools documents FastAPI's ``{detail: [...]}``;
- every error status a route can answer: 429 (API Gateway throttles every
  route), 401 and 403 (the authorizer and the access check) on signed-in
  routes and 401 on the public sign-in ones, 404 on routes with an id in the
  path, 409 on writes, 400/413/415/422 on routes with a body;
- the success status the handler really answers (``return ..., 201``, read
  from its source), in place of the 200 Powertools assumes;
- ``application/pdf`` where the handler returns a PDF, the media types of the
  files a route answers (an Excel workbook or CSV);
- the data API's reads (``DATA_ROUTES``): 401 and 403 (the function checks
  the token itself: API Gateway lets them through), an ``ETag`` on every
  answer and ``304`` for a request whose ``If-None-Match`` names it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any

ERROR = "#/components/schemas/Error"
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "description": "Stable error code, e.g. validation_failed, rate_limited"},
        "message": {"type": "string", "description": "For people, in the request's Accept-Language"},
        "fields": {
            "type": "array",
            "description": "The fields the error is about (validation errors)",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}},
            },
        },
    },
    "additionalProperties": False,
}
ERROR_STATUSES = {
    "400": "The body cannot be read (nested too deeply, a number too long)",
    "401": "Not signed in, or the session has ended",
    "403": "Signed in, but not allowed",
    "404": "Not found (or not the caller's to know of)",
    "409": "Changed by somebody else at the same time, or already taken",
    "413": "The body is too large",
    "415": "The body is not JSON",
    "422": "A field is missing or invalid",
    "429": "Too many requests or attempts; see Retry-After",
}
WRITES = {"post", "put", "patch", "delete"}
# Routes read with a data token (a personal access token or a provider share),
# which the function checks itself (template.yaml: Authorizer NONE).
DATA_ROUTES = "/api/v1/data/"
ETAG_HEADER = {
    "ETag": {"description": "The answer's version: send it back as If-None-Match", "schema": {"type": "string"}}
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of an answer you have: 304 Not Modified when it is still the answer",
    "schema": {"type": "string", "maxLength": 200},
}
# What a route answers that the rules below cannot see in the generated
# document; the fuzz gate (status_code_conformance) keeps this honest.
EXTRA_STATUSES: dict[tuple[str, str], set[str]] = {
    ("/api/payments", "post"): {"404"},  # no open invoice with that payment reference
}
# Routes that read their body themselves, not as a JSON model: (path, method) -> media type.
RAW_BODIES: dict[tuple[str, str], str] = {
    ("/api/payments/camt054", "post"): "application/xml",  # an ISO 20022 camt.054 bank file
}
# Routes that answer a file other than a PDF: (path, method) -> media types.
FILES: dict[tuple[str, str], tuple[str, ...]] = {
    ("/api/portfolio/analysis/export", "get"): (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
    ),
}
# A handler's success status: ``return Model(...), 201`` or ``..., 201 if created else 200``.
_STATUS = re.compile(r"\)\s*,\s*(20[0-9])(?:\s+if\b[^\n]*?\belse\s+(20[0-9]))?\s*$", re.M)


def success_statuses(handler: Callable[..., Any]) -> set[str]:
    source = inspect.getsource(inspect.unwrap(handler))
    found = {code for match in _STATUS.finditer(source) for code in match.groups() if code}
    return found or {"200"}


def returns_pdf(handler: Callable[..., Any]) -> bool:
    return '"application/pdf"' in inspect.getsource(inspect.unwrap(handler))


def error_statuses(path: str, method: str, operation: dict[str, Any], public: bool) -> set[str]:
    statuses = {"429"}
    token = path.startswith(DATA_ROUTES)
    if not public or token or path.startswith(("/api/auth/", "/api/organisations/")):
        statuses.add("401")
    if not public or token:
        statuses.add("403")
    if "{" in path:
        statuses.add("404")
    if method in WRITES and not public:
        statuses.add("409")
    if "requestBody" in operation:
        # A raw body is not read as JSON: no 400 or 415 from the edge.
        statuses |= {"413", "422"} if (path, method) in RAW_BODIES else {"400", "413", "415", "422"}
    if operation.get("parameters"):
        statuses.add("422")
    return statuses | EXTRA_STATUSES.get((path, method), set())


def make_truthful(
    document: dict[str, Any],
    handlers: dict[tuple[str, str], Callable[..., Any]],
    public: Iterable[tuple[str, str]],
) -> dict[str, Any]:
    """Rewrite ``document`` in place (and return it). ``handlers`` maps
    (path, method) of each operation to its route function."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    open_routes = set(public)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            handler = handlers[(path, method)]
            if (path, method) in RAW_BODIES:
                media = RAW_BODIES[(path, method)]
                operation["requestBody"] = {"required": True, "content": {media: {"schema": {"type": "string"}}}}
            responses = operation["responses"]
            responses.pop("422", None)  # FastAPI's shape, and on routes without any input too
            ok = responses.pop("200", {"description": "Successful Response"})
            for status in sorted(success_statuses(handler)):
                responses[status] = dict(ok)
            if returns_pdf(handler):
                responses["200"] = {
                    "description": "The document as a PDF",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                }
            if (path, method) in FILES:
                responses["200"] = {
                    "description": "The file (Excel or CSV, as asked)",
                    "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in FILES[(path, method)]},
                }
            for status in error_statuses(path, method, operation, (path, method) in open_routes):
                responses[status] = {
                    "description": ERROR_STATUSES[status],
                    "content": {"application/json": {"schema": {"$ref": ERROR}}},
                }
            if path.startswith(DATA_ROUTES) and method == "get":
                conditional(operation)
    return document


def conditional(operation: dict[str, Any]) -> None:
    """A data API read: its ETag, If-None-Match, and 304 (no body)."""
    operation.setdefault("parameters", []).append(dict(IF_NONE_MATCH))
    responses = operation["responses"]
    responses["200"] = {**responses["200"], "headers": ETAG_HEADER}
    responses["304"] = {"description": "Not modified: the answer still has the ETag sent", "headers": ETAG_HEADER}
