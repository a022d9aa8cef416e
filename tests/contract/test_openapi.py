"""The OpenAPI document comes from the handlers' own routes; it must describe
exactly the API routes template.yaml deploys, and mark the public ones."""

from __future__ import annotations

from infra.local.docs import openapi_document
from infra.local.template import api_routes


def template_api_routes() -> set[tuple[str, str]]:
    return {(r.path, r.method.lower()) for r in api_routes() if r.path.startswith("/api/")}


def test_openapi_paths_match_the_routes_template_yaml_deploys():
    document = openapi_document()
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert documented == template_api_routes()


def test_only_the_public_routes_have_no_security_requirement():
    document = openapi_document()
    public = {(r.path, r.method.lower()) for r in api_routes() if r.public and r.path.startswith("/api/")}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (path, method) in public:
                assert "security" not in operation, (path, method)
            else:
                assert operation["security"] == [{"cognito": []}], (path, method)


def test_every_operation_documents_its_validation_error():
    document = openapi_document()
    with_input = [
        op for ops in document["paths"].values() for op in ops.values() if op.get("parameters") or op.get("requestBody")
    ]
    assert with_input
    assert all("422" in op["responses"] for op in with_input)
