"""The OpenAPI document tells the truth about what the API answers: every
status a route can answer, errors in the one error shape the API uses
(``{code, message, fields}``, also for 422), 201/202 where the handler
answers them, ``application/pdf`` where it returns a PDF, request bodies that
refuse unknown fields saying so, decimal text patterns that accept exactly
what the server reads, and dates as dates. (The standing fuzz gate in
tests/e2e/test_fuzz_gate.py checks the answers against this document.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra.local.docs import openapi_document
from infra.local.openapi_truth import DATA_ROUTES
from infra.local.template import api_routes

PUBLIC = {(r.path, r.method.lower()) for r in api_routes() if r.public}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_the_error_shape_is_one_schema(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message", "fields"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_error_answer_is_documented_in_the_error_shape(document):
    for path, method, op in operations(document):
        errors = {status: answer for status, answer in op["responses"].items() if status.startswith("4")}
        assert errors, (path, method)
        for status, answer in errors.items():
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_every_status_a_route_can_answer_is_documented(document):
    for path, method, op in operations(document):
        statuses = set(op["responses"])
        expected = {"429"}  # API Gateway's throttling, on every route
        if (path, method) not in PUBLIC:
            expected |= {"401", "403"}  # the authorizer, then the access check
        if "{" in path:
            expected |= {"404"}  # an id that is not there (or not the caller's to know of)
        if "requestBody" in op:
            expected |= {"413", "422"}
            if "application/json" in op["requestBody"]["content"]:
                expected |= {"400", "415"}  # read as JSON by the edge (a bank file is read as it is)
        if [p for p in op.get("parameters", []) if p["name"] != "If-None-Match"]:
            expected |= {"422"}
        if path.startswith(DATA_ROUTES):
            expected |= {"401", "403", "304"}  # the function checks the token; a conditional read
        assert expected <= statuses, (path, method, sorted(expected - statuses))


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api/auth/register", "post", "202"),
        ("/api/auth/register/confirm", "post", "201"),
        ("/api/auth/password/forgot", "post", "202"),
        ("/api/me/links", "post", "201"),
        ("/api/customers/{customer}/users", "post", "202"),
        ("/api/customers/{customer}/contact-requests", "post", "201"),
        ("/api/customers/{customer}/meters/{meter}/readings", "post", "201"),
        ("/api/organisations/signup", "post", "202"),
        ("/api/interruptions", "post", "201"),
    ],
)
def test_created_and_accepted_are_documented_where_the_handler_answers_them(document, path, method, status):
    responses = document["paths"][path][method]["responses"]
    assert status in responses
    assert "200" not in responses
    assert "$ref" in responses[status]["content"]["application/json"]["schema"]


def test_a_route_that_answers_200_or_201_documents_both(document):
    responses = document["paths"]["/api/customers/{customer}/meters"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)


def test_a_pdf_is_documented_as_a_pdf(document):
    ok = document["paths"]["/api/customers/{customer}/economy/pdf"]["get"]["responses"]["200"]
    assert ok["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


def test_every_request_body_refuses_unknown_fields_and_says_so(document):
    for path, method, op in operations(document):
        if "application/json" not in op.get("requestBody", {}).get("content", {}):
            continue
        schema = resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
        assert schema.get("additionalProperties") is False, (path, method)


def _strings_with_patterns(document: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            branches = node.get("anyOf") or []
            kinds = {b.get("type") for b in branches if isinstance(b, dict)}
            if {"number", "string"} <= kinds:
                found.extend(b["pattern"] for b in branches if b.get("type") == "string")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


def test_decimal_text_patterns_accept_plain_decimals_only(document):
    patterns = _strings_with_patterns(document)
    assert patterns, "no decimal fields found"
    for pattern in set(patterns):
        compiled = re.compile(pattern)
        assert compiled.search("12.5") and compiled.search("0"), pattern
        for refused in ("1e3", " 12", "12 ", "NaN", "Infinity", "1_000", "１２", "0x10", "1,5", "", "."):
            assert not compiled.search(refused), (pattern, refused)
