"""The API edge: typed errors map once to a status and a stable body; an
unexpected error is a 500 without internals; messages follow Accept-Language."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field

from heatportal.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    TransientFailure,
    Unauthorized,
    ValidationFailed,
)
from heatportal.web.api import build_resolver, customer_from_path, customer_to_path, language_of, status_of


def event(path: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"requestId": "req-1", "resourcePath": path, "httpMethod": method, "stage": "test"},
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


class Payload(BaseModel):
    value: int


class Filter(BaseModel):
    number: int | None = Field(default=None, ge=1)
    status: Literal["paid", "unpaid"] | None = None


@pytest.fixture
def app():
    resolver = build_resolver(Logger(service="test"))

    @resolver.get("/boom")
    def boom() -> dict[str, str]:
        raise RuntimeError("secret internals: table heatportal-Table at arn:aws:...")

    @resolver.get("/refused")
    def refused() -> dict[str, str]:
        raise ValidationFailed(
            "The reading cannot be in the future.", code="reading_in_future", fields=[{"field": "read_on"}]
        )

    @resolver.get("/limited")
    def limited() -> dict[str, str]:
        raise RateLimited("Too many attempts.", code="rate_limited", params={"retry_after": 120})

    @resolver.post("/typed")
    def typed(body: Payload) -> dict[str, int]:
        return {"value": body.value}

    @resolver.get("/filtered")
    def filtered(wanted: Annotated[Filter, Query()]) -> dict[str, Any]:
        return wanted.model_dump(mode="json")

    return resolver


def call(app, evt):
    response = app.resolve(evt, None)
    headers = dict(response.get("headers") or {})
    for key, values in (response.get("multiValueHeaders") or {}).items():
        headers[key] = values[-1]
    return response["statusCode"], json.loads(response["body"]), headers


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationFailed("x"), 422),
        (NotFound("x"), 404),
        (Unauthorized("x"), 401),
        (Forbidden("x"), 403),
        (Conflict("x"), 409),
        (RateLimited("x"), 429),
        (TransientFailure("x"), 503),
        (DomainError("x"), 400),
    ],
)
def test_each_error_type_has_one_status(error, status):
    assert status_of(error) == status


def test_an_unexpected_error_is_a_500_without_internals(app):
    status, body, _ = call(app, event("/boom"))
    assert status == 500
    assert body["code"] == "internal_error"
    assert "secret" not in json.dumps(body)
    assert "arn:aws" not in json.dumps(body)


def test_a_domain_error_keeps_its_code_and_fields_and_is_translated(app):
    status, body, _ = call(app, event("/refused", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert status == 422
    assert body["code"] == "reading_in_future"
    assert body["fields"] == [{"field": "read_on"}]
    english = call(app, event("/refused", headers={"Accept-Language": "en"}))[1]["message"]
    assert body["message"] != english


def test_rate_limited_answers_with_retry_after(app):
    status, body, headers = call(app, event("/limited"))
    assert status == 429
    assert body["code"] == "rate_limited"
    assert headers["Retry-After"] == "120"


def test_request_validation_errors_name_the_fields(app):
    status, body, _ = call(app, event("/typed", "POST", {"value": "not a number"}))
    assert status == 422
    assert body["code"] == "validation_failed"
    assert [f["field"] for f in body["fields"]] == ["value"]


def test_a_query_model_is_read_from_the_query_and_its_errors_name_the_query_parameter(app):
    evt = event("/filtered")
    evt["queryStringParameters"] = {"number": "3", "status": "paid"}
    evt["multiValueQueryStringParameters"] = {"number": ["3"], "status": ["paid"]}
    status, body, _ = call(app, evt)
    assert (status, body) == (200, {"number": 3, "status": "paid"})
    evt["queryStringParameters"] = {"number": "0", "status": "sometimes"}
    evt["multiValueQueryStringParameters"] = {"number": ["0"], "status": ["sometimes"]}
    status, body, _ = call(app, evt)
    assert status == 422
    assert sorted(f["field"] for f in body["fields"]) == ["number", "status"]


def test_malformed_json_is_a_4xx_not_a_500(app):
    evt = event("/typed", "POST")
    evt["body"] = "{not json"
    status, body, _ = call(app, evt)
    assert 400 <= status < 500
    assert body["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nb-NO,nb;q=0.9,en;q=0.8", "nb"),
        ("no", "nb"),
        ("sv-SE", "sv"),
        ("fr-FR, de;q=0.5", "de"),
        ("", "en"),
        ("xx", "en"),
    ],
)
def test_language_negotiation(header, expected):
    assert language_of({"Accept-Language": header}) == expected


def test_customer_numbers_with_a_slash_travel_with_a_hyphen():
    assert customer_to_path("0012345/1") == "0012345-1"
    assert customer_from_path("0012345-1") == "0012345/1"
    assert customer_from_path("100001") == "100001"
