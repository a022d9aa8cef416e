"""The OpenAPI document of the whole JSON API and Swagger UI, served locally.

Each function's Powertools resolver produces the document of its routes; they
are merged here into one, so the document is generated from the code itself.
"""

from __future__ import annotations

import json
import mimetypes
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local import lambdas
from infra.local.openapi_truth import make_truthful
from infra.local.template import api_routes

API_FUNCTIONS = (
    "AuthFunction",
    "ReadingsFunction",
    "InvoicesFunction",
    "InterruptionsFunction",
    "AlertsFunction",
    "ContractsFunction",
)


def openapi_document() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    handlers: dict[tuple[str, str], Any] = {}
    for logical_id in API_FUNCTIONS:
        app = lambdas.load_function(logical_id).app
        for route in app._static_routes + app._dynamic_routes:  # the route functions, for what they answer
            handlers[(route.openapi_path, route.method.lower())] = route.func
        schema = json.loads(app.get_openapi_json_schema(title="heatportal API", version="1.0.0"))
        if not merged:
            merged = schema
            merged.setdefault("components", {}).setdefault("schemas", {})
            continue
        merged["paths"].update(schema.get("paths", {}))
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            if merged["components"]["schemas"].setdefault(name, component) != component:
                raise ValueError(f"two functions document different schemas named {name}: rename one model")
    public = {(r.method.lower(), r.path) for r in api_routes() if r.public}
    make_truthful(merged, handlers, {(path, method) for method, path in public})
    merged["components"]["securitySchemes"] = {
        "cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Cognito ID token"}
    }
    for path, operations in merged["paths"].items():
        template_path = path.replace("<", "{").replace(">", "}")
        for method, operation in operations.items():
            if (method, template_path) not in public:
                operation["security"] = [{"cognito": []}]
    return merged


_SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>heatportal API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/static/init.js"></script></body></html>"""

_INIT_JS = "window.ui = SwaggerUIBundle({url: '/api/openapi.json', dom_id: '#swagger-ui'});"


def docs_pages() -> dict[str, Any]:
    def openapi(_request: Request) -> Response:
        return Response(json.dumps(openapi_document(), ensure_ascii=False), content_type="application/json")

    def docs(request: Request) -> Response:
        if request.path in ("/api/docs", "/api/docs/"):
            return Response(_SWAGGER_HTML, content_type="text/html; charset=utf-8")
        name = request.path.rsplit("/", 1)[-1]
        if name == "init.js":
            return Response(_INIT_JS, content_type="text/javascript")
        from swagger_ui_bundle import swagger_ui_path

        if name not in {"swagger-ui.css", "swagger-ui-bundle.js"}:
            return Response("not found", 404)
        body = (swagger_ui_path / name).read_bytes()
        return Response(body, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")

    return {"/api/openapi.json": openapi, "/api/docs": docs}
