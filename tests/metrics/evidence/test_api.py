"""GET /api/v1/links/evidence/?parent=CODE (issue 23 item 4): any signed-in reader; the
figures are the pure function's."""

from __future__ import annotations

import pytest

from .conftest import pure_evidence

pytestmark = pytest.mark.django_db
URL = "/api/v1/links/evidence/"
FIELDS = {
    "child",
    "parent",
    "stated_impact",
    "estimate",
    "std_error",
    "interval_low",
    "interval_high",
    "r_squared",
    "observations",
    "groups",
    "scope_kind",
    "verdict",
}


def test_the_api_figures_equal_the_pure_function(p, login, evidence_world):
    response = login(p.cora).get(URL, {"parent": "CSAT"})  # a contributor reads it
    assert response.status_code == 200
    rows = {row["child"]: row for row in response.json()}
    assert set(rows) == {"AHT", "FCR", "NPSQ"}
    for expected in pure_evidence(evidence_world):
        row = rows[expected.child]
        assert set(row) == FIELDS
        assert row["parent"] == "CSAT"
        assert row["stated_impact"] == evidence_world.links[expected.child].impact
        for name in ("verdict", "observations", "groups", "scope_kind"):
            assert row[name] == getattr(expected, name), name
        for name in ("estimate", "std_error", "interval_low", "interval_high", "r_squared"):
            want = getattr(expected, name)
            assert row[name] == (None if want is None else pytest.approx(want, rel=1e-9, abs=1e-12)), name
    assert rows["AHT"]["verdict"] == "supported" and rows["AHT"]["scope_kind"] == "department"
    assert rows["NPSQ"]["verdict"] == "not_monthly" and rows["NPSQ"]["scope_kind"] is None


def test_the_api_reads_with_a_token_and_refuses_anonymous_and_bad_queries(p, api, evidence_world):
    assert api(p.hugo_token).get(URL, {"parent": "CSAT"}).status_code == 200
    assert api().get(URL, {"parent": "CSAT"}).status_code in (401, 403)
    assert api(p.hugo_token).get(URL).status_code == 400
    assert api(p.hugo_token).get(URL, {"parent": "NOPE"}).status_code == 404
    # A metric without drivers has no rows.
    assert api(p.hugo_token).get(URL, {"parent": "AHT"}).json() == []


def test_the_api_is_in_the_schema_with_its_own_enums(p, api):
    schema = api(p.alice_token).get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    body = schema.json()
    assert "/api/v1/links/evidence/" in body["paths"]
    enums = body["components"]["schemas"]
    assert set(enums["EvidenceVerdictEnum"]["enum"]) == {
        "supported",
        "inconclusive",
        "contradicted",
        "opposite",
        "not_monthly",
        "not_enough_data",
        "cannot_separate",
    }
    assert set(enums["EvidenceScopeKindEnum"]["enum"]) == {"department", "organisation"}
