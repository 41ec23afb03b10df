"""The feedback API: one item, a batch (JSON or CSV), idempotent resends, and hostile input
answered with a 4xx and a precise body, never a 500."""

import json

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.feedback.models import FeedbackItem

from .conftest import item_row

pytestmark = pytest.mark.django_db

BULK = "/api/v1/feedback/bulk/"
ONE = "/api/v1/feedback/"


def post(client, url, body, content_type="application/json"):
    return client.post(url, data=body, content_type=content_type)


def test_an_integration_creates_one_item_and_a_resend_says_nothing_changed(
    p, api, five, django_capture_on_commit_callbacks
):
    client = api(p.sam_token)
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, ONE, json.dumps(item_row("S-1")))
    assert first.status_code == 201, first.content
    assert first.json()["created"] == 1
    again = post(client, ONE, json.dumps(item_row("S-1", text="edited")))
    assert again.status_code == 200
    assert again.json()["already_received"] == [
        {
            "row": 0,
            "external_id": "S-1",
            "id": first.json()["ids"][0],
            "message": "already received; nothing updated",
        }
    ]
    assert FeedbackItem.objects.get().text == item_row()["text"]
    listing = api(p.alice_token).get(ONE)
    assert listing.status_code == 200 and listing.json()["results"][0]["departments"] == [
        "CX",
        "MARKETING",
        "PRODUCT",
        "SERVICE",
        "WEBSITE",
    ]


def test_a_csv_batch_is_all_or_nothing_with_every_bad_row_named(p, api):
    now = timezone.now().date().isoformat()
    body = (
        "source,external_id,received_at,channel,text,rating,topic\n"
        f"survey,1,{now},WEB,fine,3,app\n"
        f"survey,2,{now},FAX,bad channel,3,app\n"
        f"survey,3,not-a-date,WEB,bad date,11,app\n"
        f"survey,1,{now},WEB,same id again,3,app\n"
    )
    response = post(api(p.alice_token), BULK, body, "text/csv")
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (1, "channel"),
        (2, "received_at"),
        (2, "rating"),
        (3, "external_id"),
    ]
    assert not FeedbackItem.objects.exists()


HOSTILE = [
    ("not json at all", "application/json", 400, "not valid JSON"),
    ('{"a": 1}', "application/json", 400, "expected a JSON list"),
    ("[1, 2]", "application/json", 400, "each item must be an object"),
    (
        '[{"source": ["x"], "external_id": {"a": 1}, "received_at": 5, "text": 7}]',
        "application/json",
        400,
        "must be",
    ),
    (
        '[{"source": "s", "external_id": "e", "received_at": "2026-01-01", "text": "t", "rating": NaN}]',
        "application/json",
        400,
        "whole number",
    ),
    (
        '[{"source": "s", "external_id": "e", "received_at": "9999-01-01T00:00:00", "text": "t"}]',
        "application/json",
        400,
        "future",
    ),
    ("[" * 100000, "application/json", 400, "not valid JSON"),
    ("a,b\n1,2\n", "text/csv", 400, "header lacks"),
    (b"source,external_id,received_at,text\n\xff\xfe,1,2,3\n", "text/csv", 400, "UTF-8"),
    ("<xml/>", "application/xml", 415, "Unsupported content type"),
]


@pytest.mark.parametrize(("body", "content_type", "status", "message"), HOSTILE)
def test_hostile_input_gets_a_4xx_with_a_precise_body(p, api, body, content_type, status, message):
    response = post(api(p.alice_token), BULK, body, content_type)
    assert response.status_code == status, response.content
    assert message in response.content.decode()
    assert not FeedbackItem.objects.exists()


def test_one_item_endpoint_refuses_a_list_and_bad_json(p, api):
    client = api(p.alice_token)
    assert post(client, ONE, "[]").status_code == 400
    response = post(client, ONE, "{bad")
    assert response.status_code == 400


@override_settings(FEEDBACK_BATCH_LIMIT=2)
def test_a_batch_beyond_the_limit_is_413(p, api):
    rows = [item_row(f"x{i}", customer_reference=f"r{i}") for i in range(3)]
    response = post(api(p.alice_token), BULK, json.dumps(rows))
    assert response.status_code == 413 and "at most 2 items" in response.json()["detail"]


def test_a_department_head_may_read_but_not_ingest(p, api):
    client = api(p.hugo_token)
    assert client.get(ONE).status_code == 200
    assert post(client, BULK, json.dumps([item_row()])).status_code == 403
