"""The API's OpenAPI document and Swagger UI, served by the deployed API:
``/api/openapi.json`` and ``/api/docs``.

The document is generated from the handlers' own routes when this function
is built (``make -C functions/docs build-DocsFunction``, which ``sam build``
runs; infra.local.docs): it and Swagger UI's files are written next to this
handler. The local stack writes them to a folder of its own at start and
names it in ``DOCS_DIR``. Links are relative, so the pages work under a stage
prefix (``/prod/api/docs``) as well as under a custom domain.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

DOCUMENT = "openapi.json"
ASSETS = {"swagger-ui.css": "text/css; charset=utf-8", "swagger-ui-bundle.js": "text/javascript; charset=utf-8"}
# Swagger UI sets inline styles; it runs no inline script (init.js is a file).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>heatportal API</title><link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script></body></html>"""
INIT = "window.ui = SwaggerUIBundle({url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true});"


def _folder() -> Path:
    return Path(os.environ.get("DOCS_DIR") or Path(__file__).parent)


@cache
def _file(name: str) -> str:
    return (_folder() / name).read_text(encoding="utf-8")


def _answer(status: int, body: str, content_type: str, **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {**PAGE_HEADERS, "Content-Type": content_type, **headers},
        "body": body,
        "isBase64Encoded": False,
    }


def _not_found() -> dict[str, Any]:
    body = '{"code": "not_found", "message": "Not found.", "fields": []}'
    return _answer(404, body, "application/json", **{"Cache-Control": "no-store"})


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    resource = event.get("resource")
    if resource == "/api/openapi.json":
        document = _file(DOCUMENT)
        etag = '"' + hashlib.sha256(document.encode()).hexdigest()[:32] + '"'
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        if headers.get("if-none-match") == etag:
            return _answer(304, "", "application/json", ETag=etag)
        return _answer(200, document, "application/json", ETag=etag, **{"Cache-Control": "no-cache"})
    if resource == "/api/docs":
        return _answer(200, PAGE, "text/html; charset=utf-8", **{"Cache-Control": "no-cache"})
    if resource == "/api/docs/{asset}":
        asset = ((event.get("pathParameters") or {}).get("asset")) or ""
        if asset == "init.js":
            return _answer(200, INIT, "text/javascript; charset=utf-8", **{"Cache-Control": "no-cache"})
        if asset in ASSETS:
            return _answer(200, _file(f"swagger-ui/{asset}"), ASSETS[asset], **{"Cache-Control": "max-age=86400"})
    return _not_found()
