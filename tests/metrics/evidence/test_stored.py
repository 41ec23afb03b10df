"""The driver evidence is computed after each roll-up and stored per link (issue 23 item 2)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.metrics import services
from apps.metrics.evidence import services as evidence
from apps.metrics.models import DriverEvidence
from apps.metrics.signals import rollup_finished

from .conftest import FCR_IMPACT, TODAY, pure_evidence

pytestmark = pytest.mark.django_db


def test_the_rollup_stores_one_row_per_link_equal_to_the_pure_function(evidence_world):
    stored = {e.link.child.code: e for e in DriverEvidence.objects.select_related("link__child")}
    assert set(stored) == {"AHT", "FCR", "NPSQ"}
    for expected in pure_evidence(evidence_world):
        row = stored[expected.child]
        assert row.verdict == expected.verdict
        assert row.observations == expected.observations
        assert row.groups == expected.groups
        assert row.scope_kind == (expected.scope_kind or "")
        for name in ("estimate", "std_error", "interval_low", "interval_high", "r_squared"):
            want = getattr(expected, name)
            got = getattr(row, name)
            assert got == (None if want is None else pytest.approx(want, rel=1e-9, abs=1e-12)), name
    assert stored["AHT"].verdict == DriverEvidence.Verdict.SUPPORTED
    assert stored["AHT"].scope_kind == "department"
    assert (stored["AHT"].observations, stored["AHT"].groups) == (24, 2)
    assert stored["FCR"].verdict == DriverEvidence.Verdict.CONTRADICTED
    assert stored["FCR"].interval_low > FCR_IMPACT
    assert stored["NPSQ"].verdict == DriverEvidence.Verdict.NOT_MONTHLY
    assert stored["NPSQ"].estimate is None


def test_recomputing_is_idempotent_and_archived_links_lose_their_row(p, evidence_world):
    before = {e.link_id: tuple(getattr(e, f) for f in evidence.FIGURES) for e in DriverEvidence.objects.all()}
    evidence.compute(None, today=TODAY)
    evidence.compute([evidence_world.csat.pk], today=TODAY)
    after = {e.link_id: tuple(getattr(e, f) for f in evidence.FIGURES) for e in DriverEvidence.objects.all()}
    assert after == before
    services.link_archive(link=evidence_world.links["NPSQ"], by=p.alice)
    evidence.compute([evidence_world.csat.pk], today=TODAY)
    assert not DriverEvidence.objects.filter(link=evidence_world.links["NPSQ"]).exists()
    # FCR and AHT are now the only children: same verdicts, figures recomputed without NPSQ.
    assert DriverEvidence.objects.count() == 2


def test_the_job_is_queued_on_commit_for_the_parents_of_the_recomputed_metrics(
    evidence_world, django_capture_on_commit_callbacks
):
    from apps.metrics.engine.periods import Period

    DriverEvidence.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rollup_finished.send(
            sender=None, metric_ids={evidence_world.aht.pk}, periods={Period.parse("2025-03")}
        )
    assert len(callbacks) == 1
    assert not DriverEvidence.objects.exists()  # nothing before the commit
    callbacks[0]()
    assert DriverEvidence.objects.filter(link__parent=evidence_world.csat).count() == 3
    # A run that recomputed only quarters or years queues nothing.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rollup_finished.send(
            sender=None, metric_ids={evidence_world.aht.pk}, periods={Period.parse("2025-Q1")}
        )
    assert callbacks == []


def test_the_computation_runs_a_fixed_number_of_queries(evidence_world):
    with CaptureQueriesContext(connection) as ctx:
        evidence.compute(None, today=TODAY)
    assert len(ctx.captured_queries) <= 6
