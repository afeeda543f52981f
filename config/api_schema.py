"""Additions to the OpenAPI schema that drf-spectacular cannot infer from the views."""

from __future__ import annotations

ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string", "example": "not_found"},
            "message": {"type": "string"},
            "fields": {"type": "object", "description": "Per field, what is wrong with it.",
                       "additionalProperties": {}},
        },
    }},
}
ERRORS = {
    "400": "The request's input is invalid: `fields` names each field and what is wrong.",
    "403": "Not signed in, or not allowed to do this.",
    "404": "No such object, or not one of yours (the two look the same).",
    "409": "The request conflicts with the current state (e.g. recording is off).",
}


def add_error_responses(result, generator, request, public):
    """Every operation documents the API's one error shape (config/api_errors.py)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(code, {"description": description, "content": body})
    return result
