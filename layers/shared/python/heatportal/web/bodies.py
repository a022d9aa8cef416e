"""Reading a JSON request body without letting it hurt the function.

``json.loads`` recurses once per nesting level (a body of 50,000 ``[`` is a
RecursionError) and turns digits into ``int`` without bound (Python refuses
more than 4,300 digits with a ValueError); both surfaced as 500s. Here a body
is refused, with a 4xx in the API's error shape, when it is larger than
``MAX_BODY_BYTES``, nested deeper than ``MAX_DEPTH`` or holds a number longer
than ``MAX_NUMBER_CHARS``, before any model sees it. No request the API
serves comes near these limits.

No string in a body (key or value) may hold a control character other than a
line break or tab, or a bidi embedding, override or isolate: refused with a
422 naming the field (``heatportal.domain.contact``), so no route has to
remember it. Services check single-line fields and blanks themselves.
"""

from __future__ import annotations

import json
from typing import Any

from heatportal.domain.contact import hidden_character, text_invalid
from heatportal.domain.errors import BadRequest, PayloadTooLarge

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 64


def _invalid(message: str) -> BadRequest:
    return BadRequest(message, code="body_invalid")


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _invalid("A number in the request is too long.")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _invalid("A number in the request is too long.")
    return float(text)


def _constant(text: str) -> Any:
    raise _invalid(f"{text} is not a JSON number.")


def _check(document: Any) -> None:
    """Depth and strings, without recursion (the document may be deep)."""
    stack: list[tuple[Any, int, tuple[str, ...]]] = [(document, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if hidden_character(value, multiline=True) is not None:
                raise text_invalid(".".join(path))
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise _invalid("The request is nested too deeply.")
            if isinstance(value, dict):
                stack.extend((key, depth, path) for key in value)  # the names count as text too
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((child, depth + 1, (*path, str(key))) for key, child in items)


def parse_json(text: str | bytes | None) -> Any:
    """The JSON document of a request body; BadRequest (400) or
    PayloadTooLarge (413) for one the API will not read. A syntax error stays
    json.JSONDecodeError, which the resolver answers with a 422 naming it."""
    raw = text or ""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_BODY_BYTES:
        raise PayloadTooLarge("The request is too large.", code="body_too_large")
    try:
        document = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError as error:
        raise _invalid("The request is nested too deeply.") from error
    _check(document)
    return document
