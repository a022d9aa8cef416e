"""The OpenAPI document and Swagger UI come through the API's own routes
(template.yaml's DocsFunction), as on the deployed API, with relative links so
they work under a stage prefix too."""

from __future__ import annotations

import json

from infra.local.docs import openapi_document


def test_the_document_is_served_with_an_etag_and_answers_304_when_unchanged(http):
    resp = http.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    assert json.loads(resp.get_data(as_text=True)) == openapi_document()
    again = http.get("/api/openapi.json", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_swagger_ui_is_served_with_relative_links_and_its_own_files(http):
    page = http.get("/api/docs")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    text = page.get_data(as_text=True)
    assert 'href="docs/swagger-ui.css"' in text and 'src="docs/init.js"' in text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "url: 'openapi.json'" in http.get("/api/docs/init.js").get_data(as_text=True)
    css = http.get("/api/docs/swagger-ui.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert http.get("/api/docs/swagger-ui-bundle.js").status_code == 200
    assert http.get("/api/docs/secrets.txt").status_code == 404
