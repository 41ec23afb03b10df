"""The action plan exports as an analyst reads them (issue 26 item 6): period and scope
first, units in the header, words not codes, plain decimals with a dot."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.actions import services
from apps.metrics.scopes import last_closed_month


def read_csv(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def plans(p):
    services.plan_create(
        by=p.alice,
        title="Coaching",
        owner_department=p.service,
        status="at_risk",
        contributing_departments=[p.website],
        cost_estimate=26459.999999999996,
    )
    services.plan_create(by=p.alice, title="Web form", owner_department=p.website, status="blocked")


@pytest.mark.django_db
def test_plan_list_csv_carries_period_scope_cost_with_its_unit_and_status_words(client, p, plans):
    client.force_login(p.erin)
    rows = read_csv(client, reverse("actions:plan-list") + "?department=SERVICE&format=csv")
    assert list(rows[0])[:2] == ["period", "scope"]
    assert "Cost (EUR)" in rows[0]
    [row] = rows
    assert (row["period"], row["scope"]) == (timezone.localdate().isoformat(), "dept:SERVICE")
    assert (row["Plan"], row["Status"], row["Cost (EUR)"]) == ("Coaching", "at risk", "26460")
    everyone = read_csv(client, reverse("actions:plan-list") + "?format=csv")
    assert {r["scope"] for r in everyone} == {"org"} and len(everyone) == 2


@pytest.mark.django_db
def test_plan_list_csv_speaks_the_readers_language(client, p, plans):
    client.force_login(p.erin)
    p.erin.language = "es"
    p.erin.save(update_fields=["language"])
    rows = read_csv(client, reverse("actions:plan-list") + "?format=csv&department=WEBSITE")
    assert rows[0]["Estado"] == "bloqueado"


@pytest.mark.django_db
def test_matrix_csv_has_period_scope_and_roles_in_words(client, p, plans):
    client.force_login(p.erin)
    rows = read_csv(client, reverse("actions:matrix") + "?kind=plans&format=csv")
    row = next(r for r in rows if r["subject"] == "Coaching")
    assert (row["period"], row["scope"], row["kind"]) == (timezone.localdate().isoformat(), "org", "plan")
    assert (row["SERVICE"], row["WEBSITE"]) == ("owner", "contributor")
    only = read_csv(client, reverse("actions:matrix") + "?kind=plans&department=WEBSITE&format=csv")
    assert {r["scope"] for r in only} == {"dept:WEBSITE"} and "SERVICE" not in only[0]
    p.erin.language = "es"
    p.erin.save(update_fields=["language"])
    spanish = read_csv(client, reverse("actions:matrix") + "?kind=plans&format=csv")
    row = next(r for r in spanish if r["subject"] == "Coaching")
    assert (row["kind"], row["SERVICE"], row["WEBSITE"]) == ("plan", "propietario", "colaborador")
    assert row["period"] == timezone.localdate().isoformat()


@pytest.mark.django_db
def test_ranking_csv_has_effort_and_quick_win_in_words(client, p, plans):
    client.force_login(p.erin)
    rows = read_csv(client, reverse("actions:plan-ranking") + "?format=csv")
    assert rows and all((r["period"], r["scope"]) == (str(last_closed_month()), "org") for r in rows)
    assert {r["effort"] for r in rows} <= {"small", "medium", "large"}
    assert {r["quick_win"] for r in rows} <= {"yes", "no"}
    for r in rows:
        assert "," not in r["cost_EUR"] and not r["cost_EUR"].startswith("'")
