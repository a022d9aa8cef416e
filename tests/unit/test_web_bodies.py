"""A JSON body is read within limits: nesting, number length, size. What is
refused is a typed error the edge maps to 400 or 413, never a RecursionError
or a ValueError that would be a 500."""

from __future__ import annotations

import json

import pytest

from heatportal.domain.errors import BadRequest, PayloadTooLarge
from heatportal.web.api import status_of
from heatportal.web.bodies import MAX_BODY_BYTES, MAX_DEPTH, MAX_NUMBER_CHARS, parse_json


def test_an_ordinary_body_reads_as_json() -> None:
    assert parse_json('{"value": "12.5", "n": 3, "f": 1.5, "list": [[1], {"a": null}]}') == {
        "value": "12.5",
        "n": 3,
        "f": 1.5,
        "list": [[1], {"a": None}],
    }


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
        "9" * 5000,
        '{"v": -' + "9" * (MAX_NUMBER_CHARS + 1) + "}",
        '{"v": 1.' + "5" * 5000 + "}",
        '{"v": NaN}',
        '{"v": -Infinity}',
    ],
    ids=["deep", "one-too-deep", "deep-objects", "digits", "long-int", "long-fraction", "nan", "infinity"],
)
def test_what_no_request_needs_is_a_400(text: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(text)
    assert refused.value.code == "body_invalid"
    assert status_of(refused.value) == 400


def test_the_deepest_allowed_body_still_reads() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert json.dumps(parse_json(text)) == text.replace("][", "], [")


def test_a_body_past_the_size_limit_is_a_413_before_it_is_parsed() -> None:
    with pytest.raises(PayloadTooLarge) as refused:
        parse_json("[" + " " * MAX_BODY_BYTES + "]")
    assert status_of(refused.value) == 413


def test_a_syntax_error_stays_a_json_error_for_the_422() -> None:
    with pytest.raises(json.JSONDecodeError):
        parse_json("{not json")


def test_a_string_with_a_hidden_character_is_a_422_naming_its_field() -> None:
    from heatportal.domain.errors import ValidationFailed

    for text, field in (
        ('{"subject": "Hei\\u202e"}', "subject"),
        ('{"readings": [{"meter": "M1\\u0007"}]}', "readings.0.meter"),
        ('{"na\\u0000me": "x"}', ""),
    ):
        with pytest.raises(ValidationFailed) as refused:
            parse_json(text)
        assert refused.value.code == "text_invalid"
        assert refused.value.fields == [{"field": field, "code": "text_invalid"}]
    assert parse_json('{"message": "Hei,\\nny linje\\tog tab"}') == {"message": "Hei,\nny linje\tog tab"}
