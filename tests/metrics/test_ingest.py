"""Bulk ingest through the API: upsert, all-or-nothing, every bad row named, never a 500."""

import json
from datetime import date
from unittest import mock

import pytest
from django.utils import timezone

from apps.metrics import ingest, tasks
from apps.metrics.models import DirtyPeriod, Measurement

pytestmark = pytest.mark.django_db
URL = "/api/v1/measurements/bulk/"


def row(**kw):
    base = {
        "metric": "AHT",
        "period_start": "2025-03-01",
        "department": "SERVICE",
        "channel": "PHONE",
        "source": "acd",
        "value": 310.5,
        "sample_size": 40,
    }
    base.update(kw)
    return base


def post_json(client, rows):
    return client.post(URL, data=json.dumps(rows), content_type="application/json")


def post_csv(client, text):
    return client.post(URL, data=text.encode() if isinstance(text, str) else text, content_type="text/csv")


def test_json_batch_upserts_and_queues_the_periods(api, p, hierarchy):
    client = api(p.alice_token)
    response = post_json(client, [row(), row(channel="", value=305, sample_size=90)])
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert body["periods_queued"] == {"AHT": ["2025-03"]}
    again = post_json(client, [row(value=200)])
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)
    assert Measurement.objects.get(channel__code="PHONE").value == 200
    assert Measurement.objects.count() == 2


def test_csv_batch_is_accepted(api, p, hierarchy):
    text = (
        "metric,period_start,department,channel,source,value,sample_size\n"
        "AHT,2025-03-01,SERVICE,PHONE,acd,310,40\n"
        "WEB_ERR,2025-03-01,WEBSITE,,web,12,\n"
    )
    response = post_csv(api(p.alice_token), text)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert Measurement.objects.get(metric__code="WEB_ERR").sample_size == 1


BAD_ROWS = [
    (row(metric="NOPE"), "metric", "unknown metric"),
    (row(period_start="2025-03-02"), "period_start", "not aligned"),
    (row(period_start="2025-02-30"), "period_start", "not a real date"),
    (row(period_start="03/01/2025"), "period_start", "ISO date"),
    (row(department="MARS"), "department", "unknown department"),
    (row(channel="FAX"), "channel", "unknown channel"),
    (row(value="abc"), "value", "must be a number"),
    (row(value=True), "value", "must be a number"),
    (row(sample_size=0), "sample_size", "at least 1"),
    (row(sample_size=None), "sample_size", "required for a mean metric"),
    (row(value=1e308 * 10), "value", "finite"),
    (row(metric=["AHT"]), "metric", "must be a metric code"),
    ({"metric": "AHT", "period_start": "2025-03-01"}, "source", "required"),
    ("just a string", None, "must be an object"),
    (row(metric="'; DROP TABLE metrics_measurement; --"), "metric", "unknown metric"),
]


@pytest.mark.parametrize(("bad", "field", "message"), BAD_ROWS)
def test_a_bad_row_is_named_and_nothing_is_written(api, p, hierarchy, bad, field, message):
    dirty_before = DirtyPeriod.objects.count()
    payload = json.dumps([row(), bad]).replace("Infinity", "1e999")
    response = api(p.alice_token).post(URL, data=payload, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert {e["row"] for e in errors} == {1}
    assert any(e["field"] == field and message in e["message"] for e in errors), errors
    assert Measurement.objects.count() == 0
    assert DirtyPeriod.objects.count() == dirty_before


def test_a_blank_sample_size_is_not_given_never_a_null_stored(api, p, hierarchy):
    """Spaces only: a mean metric's row is refused by name (it was a 500), another metric's
    counts 1, as an empty cell does."""
    text = (
        "metric,period_start,department,channel,source,value,sample_size\n"
        "AHT,2025-03-01,SERVICE,PHONE,acd,310,   \n"
    )
    response = post_csv(api(p.alice_token), text)
    assert response.status_code == 400, response.content
    assert "required for a mean metric" in response.content.decode()
    assert Measurement.objects.count() == 0
    text = (
        "metric,period_start,department,channel,source,value,sample_size\n"
        "WEB_ERR,2025-03-01,WEBSITE,,web,12,  \n"
    )
    response = post_csv(api(p.alice_token), text)
    assert response.status_code == 200, response.content
    assert Measurement.objects.get(metric__code="WEB_ERR").sample_size == 1
    response = post_json(api(p.alice_token), [row(sample_size="  ")])
    assert response.status_code == 400, response.content
    assert "required for a mean metric" in response.content.decode()


def test_every_bad_row_is_reported_at_once(api, p, hierarchy):
    rows = [row(), row(metric="X"), row(value="nan"), row(), row(source="")]
    response = post_json(api(p.alice_token), rows)
    errors = response.json()["errors"]
    assert sorted({e["row"] for e in errors}) == [1, 2, 3, 4]
    duplicate = next(e for e in errors if e["row"] == 3)
    assert "duplicate of row 0" in duplicate["message"]
    assert Measurement.objects.count() == 0


def test_nan_and_infinity_in_csv_are_refused(api, p, hierarchy):
    text = (
        "metric,period_start,department,channel,source,value,sample_size\nAHT,2025-03-01,SERVICE,,a,nan,3\n"
    )
    text += "AHT,2025-03-01,SERVICE,,b,inf,3\nAHT,2025-03-01,SERVICE,,c,1e400,3\n"
    errors = post_csv(api(p.alice_token), text).json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(0, "value"), (1, "value"), (2, "value")]


def test_nan_literal_in_json_is_refused(api, p, hierarchy):
    payload = (
        '[{"metric": "AHT", "period_start": "2025-03-01", "source": "s", "value": NaN, "sample_size": 2}]'
    )
    response = api(p.alice_token).post(URL, data=payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "value"


@pytest.mark.parametrize(
    "body",
    [b"\x00\x01\x02\xff\xfe binary", b'metric,period_start\n"unterminated', b'[{"metric": ', b"{}", b"42"],
)
def test_hostile_bodies_get_a_clear_400_never_a_500(api, p, hierarchy, body):
    client = api(p.alice_token)
    for content_type in ("text/csv", "application/json"):
        response = client.post(URL, data=body, content_type=content_type)
        assert response.status_code == 400, (content_type, body, response.content)
        assert response.json()["errors"]
    assert Measurement.objects.count() == 0


def test_wrong_content_type_is_415(api, p, hierarchy):
    response = api(p.alice_token).post(URL, data=b"<xml/>", content_type="application/xml")
    assert response.status_code == 415


def test_beyond_the_configured_limit_is_413(api, p, hierarchy, settings):
    settings.MEASUREMENT_BATCH_LIMIT = 3
    response = post_json(api(p.alice_token), [row(source=f"s{i}") for i in range(4)])
    assert response.status_code == 413
    assert "at most 3 rows" in response.json()["detail"]
    assert Measurement.objects.count() == 0


def test_department_head_ingests_only_their_departments_rows(api, p, hierarchy):
    client = api(p.hugo_token)
    ok = post_json(client, [row(), row(metric="WEB_ERR", department="SERVICE", sample_size=None)])
    assert ok.status_code == 200, ok.content
    refused = post_json(
        client, [row(source="x"), row(metric="WEB_ERR", department="WEBSITE", sample_size=None)]
    )
    assert refused.status_code == 400
    assert [e["row"] for e in refused.json()["errors"]] == [1]
    assert Measurement.objects.count() == 2


def test_head_may_record_org_rows_of_a_metric_their_department_owns(api, p, hierarchy):
    response = post_json(api(p.hugo_token), [row(department="", channel="")])
    assert response.status_code == 200


def test_system_token_may_ingest(api, p, hierarchy):
    assert post_json(api(p.sam_token), [row()]).status_code == 200


def test_a_large_batch_goes_through(api, p, hierarchy):
    from datetime import date, timedelta

    lines = ["metric,period_start,department,channel,source,value,sample_size"]
    start = date(2020, 1, 1)
    for i in range(20000):
        day = start + timedelta(days=i // 10)
        lines.append(f"WEB_ERR,{day.isoformat()},WEBSITE,WEB,s{i % 10},{i % 97},1")
    hierarchy.web_err.frequency = "daily"
    hierarchy.web_err.save(update_fields=["frequency"])
    response = post_csv(api(p.alice_token), "\n".join(lines) + "\n")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["created"] == 20000
    assert Measurement.objects.count() == 20000


def test_the_first_ingest_of_a_metric_queues_one_rollup(p, hierarchy, django_capture_on_commit_callbacks):
    # The first rows of a metric mark both their months and the years where its snapshots
    # now start; both go in one mark, so one roll-up is queued, not two.
    DirtyPeriod.objects.all().delete()  # what setting up the hierarchy marked
    with (
        mock.patch.object(tasks.rollup_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        result = ingest.measurements_ingest(
            rows=[row(), row(period_start="2024-11-01")], by=p.alice, csv_mode=False
        )
    assert result.ok, result.errors
    assert len(callbacks) == 1
    assert delay.call_count == 1
    marked = set(DirtyPeriod.objects.values_list("period_kind", "period_start"))
    assert marked == {
        ("month", date(2025, 3, 1)),
        ("month", date(2024, 11, 1)),
        ("year", date(2024, 1, 1)),
        ("year", date(2025, 1, 1)),
    } | {("year", date(y, 1, 1)) for y in range(2026, timezone.localdate().year + 1)}
