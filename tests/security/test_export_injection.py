"""CSV exports cannot be turned into spreadsheet formulas (CSV injection), while numbers,
negative ones included, stay numbers an analyst can sum (issue 26 item 6)."""

import csv
import io

import pytest
from django.test import RequestFactory
from django.urls import reverse

from apps.actions import services as plan_services
from apps.core.tables import Column, Table
from apps.organization import services as org_services


def test_a_negative_number_is_data_and_text_that_looks_like_one_is_neutralised():
    table = Table(
        RequestFactory().get("/", {"format": "csv"}),
        [{"name": "-2+3", "delta": -1234.5}, {"name": "=1+1", "delta": -0.04}],
        [Column("name", "Name"), Column("delta", "Change", numeric=True, unit="pt", digits=1)],
    )
    rows = list(csv.reader(io.StringIO(table.csv_response().content.decode())))
    assert rows[0][2:] == ["Name", "Change (pt)"]
    # Not '-1.234,5 (grouped and quoted as text), not -1234.5000000001: a number a sum adds up.
    assert [r[2:] for r in rows[1:]] == [["'-2+3", "-1234.5"], ["'=1+1", "0.0"]]


def read(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
def test_a_plan_titled_as_a_formula_is_exported_as_text_and_its_cost_as_a_number(client, p):
    plan_services.plan_create(
        by=p.alice, title="=1+1", owner_department=p.service, status="active", cost_estimate=1234.5
    )
    plan_services.plan_create(by=p.alice, title="@SUM(A1:A9)", owner_department=p.service, status="draft")
    client.force_login(p.alice)
    rows = read(client, reverse("actions:plan-list") + "?format=csv")
    header, body = rows[0], rows[1:]
    titles = {r[header.index("Plan")] for r in body}
    assert titles == {"'=1+1", "'@SUM(A1:A9)"}
    costs = {r[header.index("Cost (EUR)")] for r in body}
    assert costs == {"1234", ""}  # rounded half to even, as the page's num filter
    matrix = read(client, reverse("actions:matrix") + "?kind=plans&format=csv")
    assert "'=1+1" in {r[3] for r in matrix[1:]}
    assert "=1+1" not in {r[3] for r in matrix[1:]}


@pytest.mark.django_db
def test_a_department_named_as_a_formula_is_neutralised_in_its_export_and_in_matrix_headers(client, p):
    org_services.department_create(by=p.alice, code="=CMD", name="+HYPERLINK(1)")
    client.force_login(p.alice)
    rows = read(client, reverse("organization:department-list") + "?format=csv")
    assert ["'+HYPERLINK(1)", "'=CMD"] in [r[2:4] for r in rows[1:]]
    matrix = read(client, reverse("actions:matrix") + "?format=csv")
    assert "'=CMD" in matrix[0] and "=CMD" not in matrix[0]
