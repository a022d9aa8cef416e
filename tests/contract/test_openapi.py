"""The OpenAPI document comes from the handlers' own routes; it must describe
exactly the API routes template.yaml deploys (but the docs function's own),
mark the public ones, and name the token scheme of the data API. The deployed
API serves it: the docs function's build writes it beside its handler."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from infra.local.docs import DOCS_FUNCTION, openapi_document
from infra.local.openapi_truth import DATA_ROUTES
from infra.local.template import ROOT, api_routes


def template_api_routes() -> set[tuple[str, str]]:
    return {
        (r.path, r.method.lower()) for r in api_routes() if r.path.startswith("/api/") and r.function != DOCS_FUNCTION
    }


def test_openapi_paths_match_the_routes_template_yaml_deploys():
    document = openapi_document()
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert documented == template_api_routes()


def test_the_docs_function_serves_the_document_and_swagger_ui_on_the_deployed_api():
    docs = {(r.path, r.method) for r in api_routes() if r.function == DOCS_FUNCTION}
    assert docs == {("/api/openapi.json", "GET"), ("/api/docs", "GET"), ("/api/docs/{asset}", "GET")}
    assert all(r.public for r in api_routes() if r.function == DOCS_FUNCTION)


def test_only_the_public_routes_have_no_security_requirement_and_data_routes_take_a_token():
    document = openapi_document()
    public = {(r.path, r.method.lower()) for r in api_routes() if r.public and r.path.startswith("/api/")}
    data_routes = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path.startswith(DATA_ROUTES):
                data_routes += 1
                assert operation["security"] == [{"dataToken": []}], (path, method)
            elif (path, method) in public:
                assert "security" not in operation, (path, method)
            else:
                assert operation["security"] == [{"cognito": []}], (path, method)
    assert data_routes == 6
    schemes = document["components"]["securitySchemes"]
    assert schemes["dataToken"]["scheme"] == "bearer" and "hp_pat_" in schemes["dataToken"]["bearerFormat"]
    assert schemes["cognito"]["bearerFormat"] == "JWT"


def validated_parameters(operation: dict) -> list[dict]:
    """The parameters the server validates (If-None-Match is compared, never refused)."""
    return [p for p in operation.get("parameters", []) if p["name"] != "If-None-Match"]


def test_every_operation_documents_its_validation_error():
    document = openapi_document()
    with_input = [
        op
        for ops in document["paths"].values()
        for op in ops.values()
        if validated_parameters(op) or op.get("requestBody")
    ]
    assert with_input
    assert all("422" in op["responses"] for op in with_input)


def test_the_docs_functions_build_writes_the_document_from_the_handlers_and_swagger_ui(tmp_path: Path):
    """What ``sam build`` runs for DocsFunction (template.yaml: BuildMethod makefile)."""
    out = tmp_path / "artifacts"
    done = subprocess.run(
        ["make", "-s", "-C", "functions/docs", "build-DocsFunction", f"ARTIFACTS_DIR={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "openapi.json").read_text()) == openapi_document()
    assert (out / "app.py").read_text() == (ROOT / "functions/docs/app.py").read_text()
    assert {p.name for p in (out / "swagger-ui").iterdir()} == {"swagger-ui.css", "swagger-ui-bundle.js"}
