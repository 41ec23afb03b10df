"""The department page's metrics (issue 26 item 1): a metrics-owned section with the same
period switch as the overview, hierarchy and metric detail — the last closed month by default,
"month to date (2 of 31 days)" for the running month, "period not understood: showing …" —
and "measured quarterly — see 2026-Q3" wherever a quarterly metric is viewed in a month."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.metrics import ingest, rollup, services
from apps.metrics.engine.periods import Period
from apps.metrics.models import Metric

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture
def measured(p, hierarchy, monkeypatch):
    """AHT (Service's) measured in February and on the first days of March; NPS (quarterly)
    owned by Service too and measured for 2026-Q1; today is 2 March 2026."""
    Metric.objects.filter(code="NPS").update(owner_department=p.service)
    rows = [
        {
            "metric": code,
            "period_start": day,
            "department": None,
            "channel": None,
            "source": "s",
            "value": value,
            "sample_size": 10,
        }
        for code, day, value in (
            ("AHT", "2026-02-01", 320),
            ("AHT", "2026-03-01", 330),
            ("NPS", "2026-01-01", 41),
            ("CSAT", "2026-02-01", 78),
        )
    ]
    result = ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=False)
    assert result.ok, result.errors[:3]
    rollup.rollup_full(today=TODAY)
    monkeypatch.setattr(timezone, "localdate", lambda *a: TODAY)
    return hierarchy


def department_page(client, p, query=""):
    response = client.get(reverse("organization:department-detail", args=[p.service.pk]) + query)
    assert response.status_code == 200
    return response


def metrics_section(response) -> dict:
    [section] = [
        s for s in response.context["sections"] if s["template"] == "metrics/_department_metrics.html"
    ]
    return section


def test_the_department_page_opens_its_metrics_on_the_last_closed_month(client, p, measured):
    client.force_login(p.alice)
    response = department_page(client, p)
    section = metrics_section(response)
    assert section["ps"].period == Period.parse("2026-02")
    codes = [m.code for m, _snap, _own in section["rows"]]
    assert codes == ["AHT", "NPS"]
    aht = next(snap for m, snap, _own in section["rows"] if m.code == "AHT")
    assert aht.actual == pytest.approx(320)
    html = response.content.decode()
    # One "Metrics owned" panel, the metrics app's: the actions section no longer draws it.
    assert html.count("Metrics owned") == 1 and 'id="department-metrics"' in html
    # The period switch without the scope picker: the figures are the organisation's.
    assert "<strong>2026-02</strong>" in html and 'id="scope-select"' not in html


def test_the_running_month_is_labelled_month_to_date_on_every_report_page(client, p, measured):
    client.force_login(p.alice)
    urls = [
        reverse("home"),
        reverse("metrics:hierarchy"),
        reverse("metrics:metric-detail", args=["AHT"]),
        reverse("organization:department-detail", args=[p.service.pk]),
    ]
    for url in urls:
        opened = client.get(url)
        assert opened.context["ps"].period == Period.parse("2026-02"), url
        assert "month to date" not in opened.content.decode(), url
        running = client.get(url + "?period=2026-03").content.decode()
        assert "month to date (2 of 31 days)" in running, url


def test_a_period_not_understood_says_so_and_shows_the_default_on_the_department_page(client, p, measured):
    client.force_login(p.alice)
    response = department_page(client, p, "?period=2026-13")
    assert metrics_section(response)["ps"].period == Period.parse("2026-02")
    assert "Period “2026-13” not understood: showing 2026-02." in response.content.decode()
    assert "not understood" not in department_page(client, p, "?period=2026-01").content.decode()


def test_a_quarterly_metric_in_a_month_points_to_its_quarter_on_the_department_page(client, p, measured):
    client.force_login(p.alice)
    html = department_page(client, p, "?period=2026-02").content.decode()
    assert re.search(
        r"measured quarterly — <a href=\"\?period=2026-Q1#department-metrics\">see 2026-Q1</a>", html
    )
    quarter = department_page(client, p, "?period=2026-Q1").content.decode()
    assert "measured quarterly" not in quarter


def test_a_quarterly_metric_in_a_month_points_to_its_quarter_on_its_hierarchy_row(client, p, measured):
    client.force_login(p.alice)
    url = (
        reverse("metrics:hierarchy-children", args=["REVENUE"]) + "?period=2026-02&root=REVENUE&path=REVENUE"
    )
    html = client.get(url).content.decode()
    rows = dict(re.findall(r'data-code="(\w+)"(.*?)</tr>', html, re.S))
    assert set(rows) == {"CSAT", "NPS"}
    assert "measured quarterly — " in rows["NPS"] and "see 2026-Q1" in rows["NPS"]
    assert "period=2026-Q1&amp;scope=org" in rows["NPS"]
    assert "measured" not in rows["CSAT"]
    in_quarter = client.get(url.replace("period=2026-02", "period=2026-Q1")).content.decode()
    assert "measured quarterly" not in in_quarter
    # A yearly metric viewed in a quarter points to its year.
    Metric.objects.filter(code="NPS").update(frequency="yearly")
    html = client.get(url.replace("period=2026-02", "period=2026-Q1")).content.decode()
    assert "measured yearly" in html and "see 2026<" in html


def test_the_notes_speak_spanish(client, p, measured):
    p.alice.language = "es"
    p.alice.save(update_fields=["language"])
    client.force_login(p.alice)
    html = department_page(client, p, "?period=2026-02").content.decode()
    assert "cifras de la organización" in html
    assert "se mide con frecuencia trimestral" in html and "ver 2026-Q1" in html
    row = client.get(
        reverse("metrics:hierarchy-children", args=["REVENUE"]) + "?period=2026-02&root=REVENUE&path=REVENUE"
    ).content.decode()
    assert "se mide con frecuencia trimestral" in row


def test_the_department_page_runs_a_bounded_number_of_queries_whatever_it_owns(client, p, measured):
    client.force_login(p.alice)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            department_page(client, p, "?period=2026-02")
        return len(ctx.captured_queries)

    few = count()
    for i in range(30):
        services.metric_create(
            by=p.alice,
            code=f"X{i}",
            name=f"Extra {i}",
            level="operational",
            direction="higher_is_better",
            aggregation="mean",
            frequency="quarterly" if i % 2 else "monthly",
            owner_department=p.service,
        )
    html_many = department_page(client, p, "?period=2026-02").content.decode()
    assert html_many.count("measured quarterly") == 16
    assert count() == few


def test_hierarchy_rows_with_quarterly_metrics_add_no_queries(client, p, measured):
    client.force_login(p.alice)
    url = (
        reverse("metrics:hierarchy-children", args=["REVENUE"]) + "?period=2026-02&root=REVENUE&path=REVENUE"
    )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    revenue = Metric.objects.get(code="REVENUE")
    for i in range(10):
        child = services.metric_create(
            by=p.alice,
            code=f"Q{i}",
            name=f"Quarterly {i}",
            level="experience",
            direction="higher_is_better",
            aggregation="mean",
            frequency="quarterly",
        )
        services.link_create(by=p.alice, child=child, parent=revenue, weight=1, impact=10)
    assert client.get(url).content.decode().count("measured quarterly") == 11
    assert count() == before
