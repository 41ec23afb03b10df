"""The OpenAPI schema tells the truth where a generated client trips first: nullable fields
are nullable, an update's `version` is required (and its absence a 400 naming it), a person
is an e-mail address (a 400 saying which, otherwise), an empty or chunked PATCH is read like
any other body (never a 411 under runserver), and the feedback writes answer 201 or 200 as
documented."""

from __future__ import annotations

import io
import json

import pytest
from django.core.handlers.wsgi import LimitedStream
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from apps.actions import services as plan_services
from config.api_router import router
from config.request_body import RequestBodyFraming

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _nullable_model_fields_not_allowing_null():
    """Every serializer field (nested ones included) whose source is a nullable model field,
    or goes through a nullable relation, but that does not allow null."""
    offenders, seen = [], set()

    def walk(serializer_class):
        if serializer_class in seen:
            return
        seen.add(serializer_class)
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        for name, field in serializer_class().fields.items():
            if isinstance(field, serializers.ListSerializer):
                walk(type(field.child))
                continue
            if isinstance(field, serializers.Serializer):
                walk(type(field))
                continue
            if model is None or isinstance(
                field, serializers.SerializerMethodField | serializers.ManyRelatedField
            ):
                continue
            current, nullable = model, False
            for part in (field.source or name).split("."):
                try:
                    model_field = current._meta.get_field(part)
                except Exception:  # a property or method: typed elsewhere
                    break
                nullable = nullable or bool(getattr(model_field, "null", False))
                current = model_field.related_model or current
            if nullable and not field.allow_null:
                offenders.append(f"{serializer_class.__name__}.{name}")

    for _prefix, viewset, _basename in router.registry:
        walk(viewset.serializer_class)
    return offenders


def test_every_field_that_can_be_null_allows_null():
    assert _nullable_model_fields_not_allowing_null() == []


def test_nullable_response_fields_say_so_in_the_schema(schema):
    components = schema["components"]["schemas"]
    assert components["Milestone"]["properties"]["owner"]["nullable"] is True
    assert components["Decision"]["properties"]["owner_department"]["nullable"] is True
    assert components["Committee"]["properties"]["secretary"]["nullable"] is True
    assert components["Feedback"]["properties"]["channel"]["nullable"] is True
    assert components["IncentivePlan"]["properties"]["approved_by"]["nullable"] is True


def test_updates_require_the_version_in_the_schema_and_creates_do_not(schema):
    components = schema["components"]["schemas"]
    updates = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media["schema"].get("$ref")  # the bulk bodies are inline, with no version
                body = components[ref.rsplit("/", 1)[-1]] if ref else media["schema"]
                if "version" not in body.get("properties", {}) or path.endswith(
                    ("/submit/", "/approve/", "/close/", "/send-back/")
                ):
                    continue
                if method == "post":
                    assert "version" not in body.get("required", []), path
                else:
                    assert "version" in body["required"], (method, path)
                    assert operation["requestBody"]["required"] is True
                    updates += 1
    # PUT and PATCH of departments, channels, metrics, links, targets, plans and bonus plans,
    # PATCH of milestones and decisions, each in JSON, form and multipart
    assert updates == (2 * 7 + 2) * 3


def test_a_patch_without_version_is_a_400_naming_it(p, api):
    plan = plan_services.plan_create(by=p.alice, title="Lock", owner_department=p.service)
    client = api(p.alice_token)
    for body in ({"title": "No version"}, {}):
        response = client.patch(f"/api/v1/plans/{plan.pk}/", body, format="json")
        assert response.status_code == 400
        assert response.json() == {"version": ["This field is required to update."]}
    empty = client.generic("PATCH", f"/api/v1/plans/{plan.pk}/")
    assert empty.status_code == 400 and "version" in empty.json()


def test_a_plan_owner_is_an_email_address_of_an_active_person(p, api, schema):
    owner = schema["components"]["schemas"]["Plan"]["properties"]["owner"]
    assert owner["format"] == "email" and owner["nullable"] is True
    plan = plan_services.plan_create(by=p.alice, title="Owner", owner_department=p.service)
    client = api(p.alice_token)
    url = f"/api/v1/plans/{plan.pk}/"
    answers = {
        "not an email": "'not an email' is not an e-mail address.",
        "nobody@example.com": "No active person has the e-mail address 'nobody@example.com'.",
        12: "An e-mail address (text) is required.",
    }
    for value, message in answers.items():
        response = client.patch(url, {"owner": value, "version": 1}, format="json")
        assert response.status_code == 400 and response.json() == {"owner": [message]}, value
    ok = client.patch(url, {"owner": "hugo@example.com", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["owner"] == "hugo@example.com"


def _through_framing(body: bytes, headers: dict):
    """Call RequestBodyFraming as runserver does: the body behind a LimitedStream of
    CONTENT_LENGTH bytes (0 when chunked). Returns (status, body the app read)."""
    seen = {}

    def app(environ, start_response):
        seen["body"] = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [b""]

    statuses = []
    environ = {
        "PATH_INFO": "/api/v1/plans/1/",
        "REQUEST_METHOD": "PATCH",
        "wsgi.input": LimitedStream(
            io.BufferedReader(io.BytesIO(body)), int(headers.get("CONTENT_LENGTH", 0))
        ),
        **headers,
    }
    RequestBodyFraming(app)(environ, lambda status, _headers: statuses.append(status))
    return statuses[0], seen.get("body")


def test_a_chunked_body_under_runserver_is_decoded_not_refused_with_411():
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked"}
    assert _through_framing(b"0\r\n\r\n", chunked) == ("200 OK", b"")
    body = b'5\r\n{"ver\r\n9;ext=1\r\nsion": 3}\r\n0\r\nX-Trailer: 1\r\n\r\n'
    assert _through_framing(body, chunked) == ("200 OK", b'{"version": 3}')
    for bad in (b"zz\r\n", b"5\r\nabc", b"3\r\nabcXY0\r\n\r\n"):
        assert _through_framing(bad, chunked)[0] == "400 Bad Request", bad
    assert _through_framing(b"{}", {"CONTENT_LENGTH": "2"}) == ("200 OK", b"{}")


def test_feedback_writes_answer_201_or_200_as_documented(p, api, schema):
    for path in ("/api/v1/feedback/", "/api/v1/feedback/bulk/"):
        responses = schema["paths"][path]["post"]["responses"]
        assert {"200", "201", "400"} <= set(responses), path
        assert responses["201"]["content"] == responses["200"]["content"]
    client = api(p.sam_token)
    row = {"source": "survey", "external_id": "T-1", "received_at": "2025-03-01T10:00:00Z", "text": "Slow"}
    first = client.post("/api/v1/feedback/bulk/", json.dumps([row]), content_type="application/json")
    assert first.status_code == 201 and first.json()["created"] == 1
    again = client.post("/api/v1/feedback/bulk/", json.dumps([row]), content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] == 0
    assert again.json()["already_received"][0]["external_id"] == "T-1"
    empty = client.post("/api/v1/feedback/bulk/", "[]", content_type="application/json")
    assert empty.status_code == 200 and empty.json()["created"] == 0


def test_text_fields_take_text_only(p, api):
    client = api(p.alice_token)
    for body in ({"code": "OPS", "name": 0}, {"code": 7, "name": "Ops"}, {"code": "OPS", "name": True}):
        response = client.post("/api/v1/departments/", body, format="json")
        assert response.status_code == 400, body
        assert list(response.json().values()) == [["Text (a JSON string) is required."]]
    assert (
        client.post("/api/v1/departments/", {"code": "OPS", "name": "Ops"}, format="json").status_code == 201
    )


def test_a_nul_in_an_api_multipart_body_is_a_400_not_a_server_error(p, api, hierarchy):
    response = api(p.alice_token).post(
        "/api/v1/links/", {"child": "AHT", "parent": "CS\x00AT"}, format="multipart"
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_the_measurement_ingest_documents_its_retry_answer(schema):
    """A deadlock victim's batch is a 503 with Retry-After (tests/metrics/test_concurrent_ingest.py):
    the schema lists it, so a generated client knows to retry."""
    responses = schema["paths"]["/api/v1/measurements/bulk/"]["post"]["responses"]
    assert "503" in responses and "Retry-After" in responses["503"]["description"]
