"""The OpenAPI schema tells the truth about errors (drf-spectacular postprocessing hook).

Every operation can answer the portal's JSON error body (apps.core.api_errors): 400 (bad
input: `{"field": ["message"]}`, `{"detail": ...}`, or one entry per bad row of a list
body), 401 (no or bad credentials), 403 (the role may not), 404 (no such object or page),
409 (a stale `version`), 413 (a body or batch over the limit), 415 (a media type the view
does not read). The hook adds the ones an operation does not already document, so a client
generated from the schema knows each of them, and schemathesis can hold the API to it."""

from __future__ import annotations

ERROR_COMPONENT = "PortalError"

ERROR_SCHEMA = {
    "description": (
        "The portal's error body: a JSON object with `detail` (a sentence) or one list of "
        "messages per field, or (for a list body) one such object per item."
    ),
    "oneOf": [
        {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": True,
        },
        {"type": "array", "items": {}},
    ],
}

ERROR_DESCRIPTIONS = {
    "400": "Bad input (every bad field or row is named).",
    "401": "No credentials, or credentials that are not valid.",
    "403": "Signed in, but the role may not do this (DESIGN §6).",
    "404": "No such object, or no such page of a list.",
    "405": "This method is not allowed here.",
    "411": "A chunked body reached a server that does not decode it: send a Content-Length.",
    "409": "The object was changed since it was read: the `version` sent is stale.",
    "413": "The body or the batch is larger than the limit.",
    "415": "The body's media type is not one this operation reads.",
}
# Statuses every operation may answer; writes add the rest.
READ_STATUSES = ("400", "401", "403", "404", "405")
WRITE_STATUSES = ("400", "401", "403", "404", "405", "409", "411", "413", "415")
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _error_response(status: str) -> dict:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }


def _require_version(operation: dict, components: dict) -> None:
    """An update (PUT, PATCH) of an object under optimistic locking must send the `version`
    it read (apps.core.api.ServiceViewSet answers 400 naming it otherwise), while a create
    may leave it out: the update's body gets a component of its own, `<Name>Update`, that
    lists `version` as required."""
    versioned = False
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        body = components.get(name)
        if not body or "version" not in body.get("properties", {}):
            continue
        update = f"{name}Update"
        if update not in components:
            components[update] = {
                **body,
                "required": sorted({*body.get("required", []), "version"}),
                "description": (
                    body.get("description", "") + " An update sends the `version` it read."
                ).strip(),
            }
        media["schema"] = {"$ref": f"#/components/schemas/{update}"}
        versioned = True
    if versioned:  # a body without `version`, an empty one included, is a 400
        operation["requestBody"]["required"] = True


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if method in ("put", "patch"):
                _require_version(operation, components)
            statuses = WRITE_STATUSES if method in WRITE_METHODS else READ_STATUSES
            responses = operation["responses"]
            for status in statuses:
                responses.setdefault(status, _error_response(status))
    return result
