"""Where people see the driver evidence (issue 23 item 3): the link administration, the
adoption of an estimate, the hierarchy's mark and the parent's metric page."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from apps.core.models import HistoryEntry
from apps.metrics.models import DirtyPeriod, DriverEvidence, MetricLink

pytestmark = pytest.mark.django_db


def test_the_link_page_shows_the_evidence_beside_the_stated_impact(p, login, evidence_world):
    link = evidence_world.links["FCR"]
    page = login(p.alice).get(reverse("metrics:link-edit", args=[link.pk])).content.decode()
    panel = page[page.index('id="link-evidence"') :]
    assert "Stated impact" in panel and "0.02000" in panel
    assert '<strong class="verdict verdict-contradicted">contradicted</strong>' in panel
    assert "lies outside the 95 % interval" in panel
    assert "not proof of cause" in panel
    assert reverse("metrics:link-adopt-evidence", args=[link.pk]) in panel


def test_the_cx_leader_adopts_the_estimate_in_one_step(p, login, evidence_world):
    link = evidence_world.links["FCR"]
    evidence = DriverEvidence.objects.get(link=link)
    DirtyPeriod.objects.all().delete()
    response = login(p.alice).post(
        reverse("metrics:link-adopt-evidence", args=[link.pk]), {"version": link.version}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.impact == evidence.estimate
    entry = HistoryEntry.objects.filter(object_id=str(link.pk)).order_by("-pk").first()
    assert entry.note.startswith(f"From driver evidence: n = {evidence.observations}, R² = ")
    assert "95 % interval" in entry.note
    assert entry.changes["impact"]["after"] == evidence.estimate
    # The money is re-rolled: the link's metrics are marked for the roll-up.
    assert DirtyPeriod.objects.filter(metric=evidence_world.csat).exists()


def test_only_the_cx_leader_adopts_and_a_stale_or_empty_adoption_changes_nothing(p, login, evidence_world):
    link = evidence_world.links["FCR"]
    url = reverse("metrics:link-adopt-evidence", args=[link.pk])
    for user in (p.erin, p.hugo, p.cora):
        assert login(user).post(url, {"version": link.version}).status_code == 403
    assert MetricLink.objects.get(pk=link.pk).impact == link.impact
    # A stale version: refused with a message, nothing written.
    response = login(p.alice).post(url, {"version": link.version - 1}, follow=True)
    assert "changed this link meanwhile" in response.content.decode()
    # No estimate (a quarterly driver): refused with a message.
    quarterly = evidence_world.links["NPSQ"]
    response = login(p.alice).post(
        reverse("metrics:link-adopt-evidence", args=[quarterly.pk]),
        {"version": quarterly.version},
        follow=True,
    )
    assert "no estimate from driver evidence" in response.content.decode()
    assert MetricLink.objects.get(pk=quarterly.pk).impact == quarterly.impact


def test_the_hierarchy_marks_a_contradicted_link_with_accessible_text(p, login, evidence_world):
    url = reverse("metrics:hierarchy-children", args=["CSAT"])
    page = login(p.cora).get(url, {"period": "2025-06"}).content.decode()
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr[^>]*data-code="(\w+)".*?</tr>', page, re.S)}
    assert set(rows) == {"AHT", "FCR", "NPSQ"}
    assert "⚠" in rows["FCR"] and "the data contradict this impact" in rows["FCR"]
    first_cell = rows["FCR"].split("</td>")[0]
    assert 'class="visually-hidden"' in first_cell
    assert "⚠" not in rows["AHT"] and "⚠" not in rows["NPSQ"]


def test_the_parent_page_shows_the_evidence_table_and_a_scatter_per_fitted_driver(p, login, evidence_world):
    page = login(p.cora).get(reverse("metrics:metric-detail", args=["CSAT"])).content.decode()
    table = page[
        page.index('id="evidence-table"') : page.index("</table>", page.index('id="evidence-table"'))
    ]
    assert 'data-child="AHT" data-verdict="supported"' in table
    assert 'data-child="FCR" data-verdict="contradicted"' in table
    assert 'data-child="NPSQ" data-verdict="not_monthly"' in table
    assert "not monthly" in table
    # One chart per fitted driver, its data in a JSON script (no inline code), no chart for NPSQ.
    assert page.count("data-scatter=") == 2
    data = {}
    for match in re.finditer(
        r'<script id="(evidence-data-\d+)" type="application/json">(.*?)</script>', page
    ):
        data[match.group(1)] = json.loads(match.group(2))
    by_child = {d["x_label"]: d for d in data.values()}
    aht = by_child["AHT"]
    assert len(aht["points"]) == 24
    assert aht["slope"] == DriverEvidence.objects.get(link=evidence_world.links["AHT"]).estimate
    # Within-department: each department's points are centred on 0.
    assert abs(sum(pt["x"] for pt in aht["points"])) < 1e-6
    assert abs(sum(pt["y"] for pt in aht["points"])) < 1e-6
    # A metric without drivers shows no evidence section.
    assert (
        'id="driver-evidence"'
        not in login(p.cora).get(reverse("metrics:metric-detail", args=["AHT"])).content.decode()
    )


def test_the_evidence_speaks_spanish(p, login, evidence_world):
    p.cora.language = "es"
    p.cora.save(update_fields=["language"])
    page = login(p.cora).get(reverse("metrics:metric-detail", args=["CSAT"]), HTTP_ACCEPT_LANGUAGE="es")
    text = page.content.decode()
    assert "Evidencia de los impulsores" in text
    for verdict in ("respaldado", "contradicho", "no mensual"):
        assert f">{verdict}</strong>" in text
    assert "no una prueba de causa" in text
    rows = login(p.cora).get(
        reverse("metrics:hierarchy-children", args=["CSAT"]), {"period": "2025-06"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "los datos contradicen este impacto" in rows.content.decode()
