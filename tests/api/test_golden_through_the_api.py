"""The golden example loaded the way an outside system would: departments, channels,
metrics, links and targets through the API, measurements through the bulk endpoint (in
recorded order, so the later source wins as it did in the golden data), then every
expected snapshot read back from the snapshot API."""

import math
from datetime import date
from unittest import mock

import pytest

from tests.metrics.golden import golden_data

DATA = golden_data()
pytestmark = pytest.mark.django_db
FIELDS = ["actual", "target", "own_score", "driven_score", "gap", "value_at_stake"]


def _post(client, url, payload):
    response = client.post(url, payload, format="json")
    assert response.status_code in (200, 201), (url, payload, response.content[:400])
    return response


def _batches(measurements):
    """Split the rows, in recorded order, so a cell recorded twice lands in a later batch."""
    batches, seen = [[]], set()
    for row in sorted(measurements, key=lambda r: r["recorded_at"]):
        key = (row["metric"], row["period_start"], row["department"], row["channel"], row["source"])
        cell = key[:4]
        if cell in seen:
            batches.append([])
            seen = set()
        seen.add(cell)
        batches[-1].append(row)
    return batches


def test_golden_snapshots_through_the_api_only(api, p, django_capture_on_commit_callbacks):
    client = api(p.alice_token)
    for code in DATA["departments"]:
        _post(client, "/api/v1/departments/", {"code": code, "name": code})
    existing = {c["code"] for c in client.get("/api/v1/channels/").json()["results"]}
    for code in DATA["channels"]:
        if code not in existing:  # the personas already have PHONE and WEB
            _post(client, "/api/v1/channels/", {"code": code, "name": code})
    for m in DATA["metrics"]:
        _post(
            client,
            "/api/v1/metrics/",
            {
                k: m[k]
                for k in (
                    "code",
                    "name",
                    "level",
                    "direction",
                    "aggregation",
                    "is_monetary",
                    "unit",
                    "frequency",
                )
            },
        )
    for link in DATA["links"]:
        _post(client, "/api/v1/links/", link)
    for t in DATA["targets"]:
        _post(client, "/api/v1/targets/", {k: v for k, v in t.items() if v is not None})
    # "Today" after 2024, as the golden example assumes; ingest order gives recorded_at.
    # The roll-up queued on commit of each batch runs here as it would after a request.
    with (
        mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 23)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for batch in _batches(DATA["measurements"]):
            rows = [
                {
                    k: r[k]
                    for k in (
                        "metric",
                        "period_start",
                        "department",
                        "channel",
                        "source",
                        "value",
                        "sample_size",
                    )
                }
                for r in batch
            ]
            for row in rows:
                row["department"] = row["department"] or ""
                row["channel"] = row["channel"] or ""
            response = client.post("/api/v1/measurements/bulk/", rows, format="json")
            assert response.status_code == 200, response.content[:600]

    cache = {}
    problems = []
    for exp in DATA["expected"]:
        key = (exp["period"], exp["scope"])
        if key not in cache:
            rows, url = [], f"/api/v1/snapshots/?period={key[0]}&scope={key[1]}"
            while url:
                page = client.get(url).json()
                rows += page["results"]
                url = page["next"]
            cache[key] = {r["metric"]: r for r in rows}
        got = cache[key].get(exp["metric"])
        if got is None:
            problems.append(f"missing {exp['metric']} {key}")
            continue
        if got["status"] != exp["status"]:
            problems.append(f"{exp['metric']} {key} status {got['status']} != {exp['status']}")
        for field in FIELDS:
            a, b = got[field], exp[field]
            if (a is None) != (b is None) or (
                a is not None and not math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
            ):
                problems.append(f"{exp['metric']} {key} {field} {a} != {b}")
    assert problems == []
