"""Money an executive believes, on the pages and the API (PostgreSQL): every row of the
hierarchy adds up to the rows beneath it, closed periods by default, the month-to-date
rule, reconciled breakdowns (DESIGN §4 items 7 and 9)."""

import math
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.metrics import ingest, rollup, selectors, services
from apps.metrics.engine.periods import Period
from apps.metrics.models import RollupSnapshot
from apps.metrics.scopes import ORG_SCOPE

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


def _metric(p, code, **kw):
    fields = {
        "level": "operational",
        "direction": "higher_is_better",
        "aggregation": "mean",
        "frequency": "monthly",
    }
    return services.metric_create(by=p.alice, code=code, name=code, **{**fields, **kw})


def _ingest(p, rows):
    result = ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=False)
    assert result.ok, result.errors[:3]


def _row(code, day, value, dept=None, n=10):
    return {
        "metric": code,
        "period_start": day,
        "department": dept,
        "channel": None,
        "source": "s",
        "value": value,
        "sample_size": n,
    }


@pytest.fixture
def routes(p):
    """L → A (2), L → B (3), K → A (1), A → P (5), B → P (7), P → T (10), L → T (4):
    L reaches P by two routes and T by three. January 2026: L 80 vs 100, K 40 vs 50."""
    m = {code: _metric(p, code) for code in ("L", "K", "A", "B", "P")}
    m["T"] = _metric(p, "T", level="financial", aggregation="sum", is_monetary=True, unit="EUR")
    for child, parent, impact in (
        ("L", "A", 2),
        ("L", "B", 3),
        ("K", "A", 1),
        ("A", "P", 5),
        ("B", "P", 7),
        ("P", "T", 10),
        ("L", "T", 4),
    ):
        services.link_create(by=p.alice, child=m[child], parent=m[parent], impact=impact)
    services.target_create(by=p.alice, metric=m["L"], valid_from=date(2025, 1, 1), value=100)
    services.target_create(by=p.alice, metric=m["K"], valid_from=date(2025, 1, 1), value=50)
    _ingest(p, [_row("L", "2026-01-01", 80), _row("K", "2026-01-01", 40)])
    rollup.rollup_full(today=TODAY)
    return m


def _rows(html):
    return [
        (tuple(path.split(".")), float(value) if value else None)
        for path, value in re.findall(r'data-path="([^"]+)" data-value="([^"]*)"', html)
    ]


def test_every_expanded_row_of_the_hierarchy_adds_up_to_the_rows_beneath_it(login, p, routes):
    client = login(p.alice)
    html = client.get(reverse("metrics:hierarchy") + "?period=2026-01").content.decode()
    tops = _rows(html)
    assert [path for path, _v in tops] == [("T",)]
    top_value = RollupSnapshot.objects.get(
        metric__code="T", period_kind="month", period_start=date(2026, 1, 1), scope_kind="org"
    ).value_at_stake
    assert tops[0][1] == pytest.approx(top_value) == pytest.approx(6780)

    seen = {}
    pending = list(tops)
    while pending:
        path, value = pending.pop()
        seen[path] = value
        url = reverse("metrics:hierarchy-children", args=[path[-1]])
        response = client.get(
            url, {"period": "2026-01", "scope": "org", "root": path[0], "path": ".".join(path)}
        )
        assert response.status_code == 200
        children = _rows(response.content.decode())
        assert all(child[:-1] == path for child, _v in children)
        if children:
            assert math.fsum(v for _p, v in children) == pytest.approx(value)
        pending.extend(children)
    assert seen[("T", "P", "B", "L")] == pytest.approx(4200)
    assert seen[("T", "L")] == pytest.approx(80)
    assert len(seen) == 8
    # Summed over its paths, a metric's rows give its value at stake.
    l_value = RollupSnapshot.objects.get(
        metric__code="L", period_kind="month", period_start=date(2026, 1, 1), scope_kind="org"
    ).value_at_stake
    assert math.fsum(v for path, v in seen.items() if path[-1] == "L") == pytest.approx(l_value)
    child_html = client.get(
        reverse("metrics:hierarchy-children", args=["T"]), {"period": "2026-01", "path": "T"}
    ).content.decode()
    assert "+1 unit of L → +4 EUR of t per month: 4 EUR gained" in child_html


def test_the_hierarchy_api_gives_one_row_per_path_with_the_page_s_figures(api, p, routes):
    response = api(p.alice_token).get("/api/v1/hierarchy/", {"period": "2026-01", "scope": "org"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["period"], body["scope"]) == ("2026-01", "org")
    rows = {tuple(r["path"]): r for r in body["rows"]}
    assert len(rows) == 8
    row = rows[("T", "P", "B", "L")]
    assert row["metric"] == "L" and row["top"] == "T"
    assert row["value_at_stake_along_path"] == pytest.approx(4200)
    assert row["impact_on_top"] == pytest.approx(3 * 7 * 10)
    assert (row["actual"], row["target"], row["status"]) == (80, 100, "red")
    assert rows[("T",)]["impact_on_top"] == 1
    assert api(p.alice_token).get("/api/v1/hierarchy/", {"period": "nonsense"}).status_code == 400
    schema = api(p.alice_token).get("/api/v1/schema/")
    assert b"/api/v1/hierarchy/" in schema.content


def test_a_metric_s_detail_splits_its_value_by_top_and_says_when_it_is_not_linked_to_money(login, p, routes):
    lonely = _metric(p, "LONELY")
    services.target_create(by=p.alice, metric=lonely, valid_from=date(2025, 1, 1), value=10)
    client = login(p.alice)
    html = client.get(reverse("metrics:metric-detail", args=["LONELY"]) + "?period=2026-01").content.decode()
    assert "not linked to money" in html
    html = client.get(reverse("metrics:metric-detail", args=["L"]) + "?period=2026-01").content.decode()
    assert "6,280 EUR" in html or "6.280 EUR" in html


def test_on_the_2nd_of_a_month_pages_open_on_the_previous_month_and_money_is_lost_so_far(
    login, p, monkeypatch
):
    leaf = _metric(p, "DAILY", frequency="daily")
    top = _metric(p, "T", level="financial", aggregation="sum", is_monetary=True)
    services.link_create(by=p.alice, child=leaf, parent=top, impact=10)
    services.target_create(by=p.alice, metric=leaf, valid_from=date(2025, 1, 1), value=100)
    _ingest(
        p, [_row("DAILY", "2026-03-01", 80), _row("DAILY", "2026-03-02", 80), _row("DAILY", "2026-02-10", 90)]
    )

    def vas(today):
        rollup.rollup_full(today=today)
        return RollupSnapshot.objects.get(
            metric=leaf, period_kind="month", period_start=date(2026, 3, 1), scope_kind="org"
        ).value_at_stake

    full = vas(date(2026, 4, 10))
    assert full == pytest.approx(20 * 10)
    assert vas(date(2026, 3, 2)) == pytest.approx(full * 2 / 31)

    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2026, 3, 2))
    client = login(p.alice)
    response = client.get(reverse("home"))
    assert response.context["ps"].period == Period.parse("2026-02")
    html = client.get(reverse("home") + "?period=2026-03").content.decode()
    assert "month to date (2 of 31 days)" in html
    html = client.get(reverse("metrics:hierarchy") + "?period=bad").content.decode()
    assert "Period “bad” not understood: showing 2026-02." in html


def test_a_quarterly_metric_in_a_month_view_points_to_its_quarter(login, p, hierarchy):
    html = (
        login(p.alice)
        .get(reverse("metrics:metric-detail", args=["NPS"]) + "?period=2026-08")
        .content.decode()
    )
    assert "Measured quarterly" in html and "see 2026-Q3" in html and "period=2026-Q3" in html


def test_a_breakdown_by_department_is_reconciled_with_the_organisation(login, p):
    """SERVICE above target (120 vs 100, n=10), WEBSITE with its own target 90 at 60 (n=30):
    organisation 75 → 25 × 10 = 250; departments 0 + 0.75 × 30 × 10 = 225; difference 25 =
    netting −50 + target differences 75, rest 0."""
    leaf = _metric(p, "LEAF")
    top = _metric(p, "T", level="financial", aggregation="sum", is_monetary=True)
    services.link_create(by=p.alice, child=leaf, parent=top, impact=10)
    services.target_create(by=p.alice, metric=leaf, valid_from=date(2025, 1, 1), value=100)
    services.target_create(
        by=p.alice, metric=leaf, department=p.website, valid_from=date(2025, 1, 1), value=90
    )
    _ingest(
        p, [_row("LEAF", "2026-01-01", 120, "SERVICE", 10), _row("LEAF", "2026-01-01", 60, "WEBSITE", 30)]
    )
    rollup.rollup_full(today=TODAY)
    r = selectors.reconciliations(leaf, Period.parse("2026-01"), ["dept"])["dept"]
    assert (r.organisation, r.parts_sum, r.difference) == (
        pytest.approx(250),
        pytest.approx(225),
        pytest.approx(25),
    )
    assert (r.netting, r.target_differences, r.rest) == (pytest.approx(-50), pytest.approx(75), 0)
    assert r.netting + r.target_differences + r.rest == pytest.approx(r.difference)
    summary = selectors.summary(Period.parse("2026-01"), ORG_SCOPE)
    assert summary["cost_of_not_improving"] == pytest.approx(250)
    html = (
        login(p.alice)
        .get(reverse("metrics:metric-detail", args=["LEAF"]) + "?period=2026-01")
        .content.decode()
    )
    assert 'id="reconcile-dept"' in html and "target differences" in html and "netting" in html


def test_a_red_that_comes_only_from_the_driven_score_is_shown_and_not_announced(login, p):
    from apps.notifications.models import Notification

    leaf = _metric(p, "LEAFX")
    parent = _metric(p, "PARENTX", level="experience")
    for m in (leaf, parent):
        services.metric_update(metric=m, by=p.alice, version=m.version, owner=p.hugo)
    services.link_create(by=p.alice, child=leaf, parent=parent, impact=1)
    services.target_create(by=p.alice, metric=leaf, valid_from=date(2025, 1, 1), value=100)
    today = timezone.localdate()
    this_month = Period.containing("month", today)
    _ingest(p, [_row("LEAFX", this_month.start.isoformat(), 50)])
    rollup.rollup_full()
    snap = RollupSnapshot.objects.get(
        metric=parent, period_kind="month", period_start=this_month.start, scope_kind="org"
    )
    assert (snap.status, snap.own_score) == ("red", None)
    subjects = list(Notification.objects.filter(kind="metric_red").values_list("subject", flat=True))
    assert any("LEAFX" in s for s in subjects)
    assert not any("PARENTX" in s for s in subjects)
    html = login(p.alice).get(reverse("home") + f"?period={this_month}").content.decode()
    assert "Red only through their drivers" in html and "PARENTX" in html
