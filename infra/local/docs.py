"""The OpenAPI document of the whole JSON API, generated from the handlers.

Each API function's Powertools resolver produces the document of its routes;
they are merged here into one, made truthful (infra.local.openapi_truth) and
given its two security schemes: the Cognito ID token of a signed-in person,
and the data API's tokens (``/api/v1/data``: a personal access token or a
provider share). The docs function (functions/docs, ``DocsFunction`` in
template.yaml) serves the document and Swagger UI on the deployed API: its
build (``make -C functions/docs build-DocsFunction``, which ``sam build``
runs) writes them next to its handler with ``write``; the local stack writes
them to a folder of its own at start, so both serve the same files.

    python -m infra.local.docs <folder>    # openapi.json and swagger-ui/ into <folder>
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from infra.local import lambdas
from infra.local.openapi_truth import DATA_ROUTES, make_truthful
from infra.local.template import api_routes

API_FUNCTIONS = (
    "AuthFunction",
    "ReadingsFunction",
    "InvoicesFunction",
    "InterruptionsFunction",
    "AlertsFunction",
    "ContractsFunction",
    "PortfolioFunction",
    "RunsFunction",
    "DataFunction",
)
DOCS_FUNCTION = "DocsFunction"
SWAGGER_UI_FILES = ("swagger-ui.css", "swagger-ui-bundle.js")

SECURITY_SCHEMES = {
    "cognito": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The Cognito ID token of a signed-in person (POST /api/auth/login answers it; it lives an hour).",
    },
    "dataToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "hp_pat_… or hp_shr_…",
        "description": (
            "The data API (/api/v1/data) is read with a token, not a sign-in: a personal access token "
            "(hp_pat_…, made under My account → Access tokens or POST /api/me/tokens; shown once; read only; "
            "limited to chosen customers, facilities and data kinds; it expires) or a provider share "
            "(hp_shr_…, granted by a customer's administrator, sent to the provider's e-mail). "
            "Send it as Authorization: Bearer <token>. A revoked or expired token is refused at once (401 "
            "with WWW-Authenticate); each token has its own rate (429 with Retry-After)."
        ),
    },
}


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
    merged["components"]["securitySchemes"] = SECURITY_SCHEMES
    # Relative to the document (…/api/openapi.json): the API's root, with or without a stage prefix.
    merged["servers"] = [{"url": "..", "description": "This API"}]
    for path, operations in merged["paths"].items():
        for method, operation in operations.items():
            if path.startswith(DATA_ROUTES):
                operation["security"] = [{"dataToken": []}]
            elif (method, path) not in public:
                operation["security"] = [{"cognito": []}]
    return merged


def write(folder: Path) -> None:
    """The document (openapi.json) and Swagger UI's files (swagger-ui/) into ``folder``."""
    from swagger_ui_bundle import swagger_ui_path

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.json").write_text(json.dumps(openapi_document(), ensure_ascii=False), encoding="utf-8")
    assets = folder / "swagger-ui"
    assets.mkdir(exist_ok=True)
    for name in SWAGGER_UI_FILES:
        shutil.copyfile(Path(swagger_ui_path) / name, assets / name)


if __name__ == "__main__":  # pragma: no cover - the docs function's build (functions/docs/Makefile)
    if len(sys.argv) != 2:
        sys.exit("usage: python -m infra.local.docs <folder>")
    write(Path(sys.argv[1]))
