"""The OpenAPI document of the REST API (/api/v1/_openapi) as the API really behaves.

FAB's document says its APIs take a JWT bearer token, which the portal does not issue (the API
uses the browser session), and lists only some of the answers an operation gives. Here the
document names the session cookie as the way to sign in, and every operation lists the answers
the portal's rules add: 400 (input it refuses: NUL bytes, a body that is not a JSON object of
plain values, an unknown sort column), 401/403 (not signed in; not allowed, or the record is
only seen, not owned), 404, 413 (too large), and for writes of a versioned record 409 (changed
since read) and 428 (no ``If-Match``). ``tests/test_api_fuzz.py`` holds the API to it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi

MESSAGE = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {}}}}}}
ANSWERS = {
    "400": "The request was refused as it came (its message says why)",
    "401": "Not signed in",
    "403": "Not allowed: the role lacks the action, or the record is only seen, not owned",
    "404": "No such record in the user's scope",
    "405": "The id is not a number",
    "409": "Someone saved the record since it was read",
    "413": "Too much was sent",
    "422": "The data did not pass the record's checks",
    "428": "The write does not say which version it changes (If-Match)",
}


def portal_document(spec: dict[str, Any]) -> dict[str, Any]:
    """FAB's document, with the session cookie and the answers the portal adds."""
    components = spec.setdefault("components", {})
    components["securitySchemes"] = {"session": {
        "type": "apiKey", "in": "cookie", "name": current_app.config.get("SESSION_COOKIE_NAME", "session"),
        "description": "the browser session of a signed-in user; writes also need X-CSRFToken"}}
    responses = components.setdefault("responses", {})
    for code, text in ANSWERS.items():
        responses.setdefault(code, {"description": text, **MESSAGE})
    spec["security"] = [{"session": []}]
    _fix_schemas(spec)
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation.pop("security", None)
            answers = operation["responses"]
            codes = ["400", "401", "403"] + (["413"] if method in ("post", "put", "delete") else [])
            if "{pk}" in path:  # 405: an id that is not a number reaches the PUT/DELETE route
                codes += ["404", "405"]
            if method in ("put", "post"):
                codes.append("422")
            if method == "put":
                codes += ["409", "428"]
            for code in codes:
                answers.setdefault(code, {"$ref": f"#/components/responses/{code}"})
    return spec


COUNTED = ("How many records match, counted up to 1,000 past the start of the page asked for: "
           "exact when lower; when it is exactly that far (page × page_size + 1,000), there are "
           "at least that many (a list never counts a whole large table on every page)")
NUMBER_OR_TEXT = {"oneOf": [{"type": "integer"}, {"type": "string"}]}


def _fix_schemas(node: Any) -> None:
    """FAB documents the ids of a list (and some records' id) as text — they are numbers — and
    the add and edit columns of ``_info`` as an object (they are a list of column descriptions)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            ids = properties.get("ids")
            if isinstance(ids, dict) and ids.get("type") == "array":
                ids["items"] = NUMBER_OR_TEXT
            if isinstance(properties.get("id"), dict) and properties["id"].get("type") == "string":
                properties["id"] = NUMBER_OR_TEXT  # FAB: text for a model whose id it cannot see
            if isinstance(properties.get("count"), dict) and "ids" in properties:  # a list's answer
                properties["count"] = {"type": "integer", "description": COUNTED}
            for key in ("add_columns", "edit_columns"):
                if isinstance(properties.get(key), dict) and properties[key].get("type") == "object":
                    properties[key] = {"type": "array", "items": {"type": "object"}}
        for value in node.values():
            _fix_schemas(value)
    elif isinstance(node, list):
        for value in node:
            _fix_schemas(value)


class PortalOpenApi(OpenApi):
    class_permission_name = "OpenApi"  # FAB's permission, granted to every signed-in role
    openapi_spec_tag = "OpenApi"

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version: str) -> Any:
        """The OpenAPI document of one API version (see the module).
        ---
        get:
          description: The OpenAPI document of one version of the API
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI document
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        api_spec = self._create_api_spec(version)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                base_api.add_api_spec(api_spec)
                found = True
        if not found:
            return self.response_404()
        return self.response(200, **portal_document(api_spec.to_dict()))
