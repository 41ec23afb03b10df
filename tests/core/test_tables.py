import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation

from apps.actions.models import ActionPlan
from apps.core.tables import Column, Table, csv_safe, export_value, measure_digits, plain
from apps.core.templatetags.portal import measure
from apps.organization.models import Channel


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("plain", "plain"),
        (-3.5, -3.5),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(raw, safe):
    assert csv_safe(raw) == safe


@pytest.mark.django_db
def test_table_sorts_pages_and_exports_every_row_as_csv():
    for i in range(30):
        Channel.objects.create(code=f"C{i:02d}", name=f"=cmd{i:02d}")
    columns = [Column("code", "Code", sort="code"), Column("name", "Name", sort="name")]
    request = RequestFactory().get("/", {"sort": "-code", "page": "2"})
    table = Table(request, Channel.objects.all(), columns, per_page=10)
    ctx = table.context()
    assert [r["row"].code for r in ctx["body"]][:2] == ["C19", "C18"]
    assert ctx["header"][0]["state"] == "desc"

    export = Table(RequestFactory().get("/", {"format": "csv"}), Channel.objects.all(), columns)
    assert export.wants_csv()
    rows = list(csv.reader(io.StringIO(export.csv_response().content.decode())))
    assert rows[0] == ["period", "scope", "Code", "Name"]
    assert len(rows) == 31  # header + every row, not one page
    assert all(r[3].startswith("'=") for r in rows[1:])


@pytest.mark.django_db
def test_unknown_sort_key_is_ignored_not_an_error():
    table = Table(
        RequestFactory().get("/", {"sort": "password"}),
        Channel.objects.all(),
        [Column("code", "Code", sort="code")],
    )
    assert table.sort_key is None
    assert list(table.page.object_list) == []


@pytest.mark.parametrize(
    ("value", "digits", "written"),
    [
        (26459.999999999996, 0, "26460"),
        (-1234.5, 1, "-1234.5"),
        (0.1 + 0.2, 2, "0.3"),
        (-0.0001, 2, "0.0"),
        (1234567.891, None, "1234567.9"),
        (12, None, "12"),
        (Decimal("1234.50"), None, "1234.50"),
        (Decimal("-0.00"), None, "0.00"),
        (Decimal("2.345"), 2, "2.35"),
        (float("nan"), 2, ""),
        (None, 2, ""),
    ],
)
def test_numbers_are_written_as_plain_decimals_with_a_dot_rounded_to_the_column(value, digits, written):
    out = io.StringIO()
    csv.writer(out).writerow([csv_safe(export_value(value, digits)), "end"])
    assert out.getvalue().strip() == f"{written},end"


def test_booleans_dates_and_times_are_words_and_iso():
    with translation.override("es"):
        assert (export_value(True), export_value(False)) == ("sí", "no")
    assert export_value(dt.date(2026, 11, 30)) == "2026-11-30"
    moment = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 5, 7, 123456))
    assert export_value(moment).startswith("2026-11-30T09:05:07")


def test_the_measure_filter_and_the_export_round_alike():
    class Pct:
        is_monetary = False
        unit = "%"

    for value in (0.12345, 12.345, 1234.5678):
        digits = measure_digits(value, Pct)
        shown = measure(value, Pct).split(" ")[0].replace(",", "")
        assert float(shown) == plain(value, digits)


@pytest.mark.django_db
def test_export_writes_choices_as_words_units_in_the_header_and_the_period_and_scope(p):
    ActionPlan.objects.create(
        title="Coach", owner_department=p.service, status="at_risk", cost_estimate=26459.999999999996
    )
    columns = [
        Column("title", "Plan"),
        Column("status", "Status"),
        Column("cost_estimate", "Cost", numeric=True, unit="EUR", digits=0),
    ]
    request = RequestFactory().get("/", {"format": "csv"})
    table = Table(
        request, ActionPlan.objects.all(), columns, export_period="2026-11", export_scope="dept:SERVICE"
    )
    with translation.override("es"):
        rows = list(csv.reader(io.StringIO(table.csv_response().content.decode())))
        status_es = str(ActionPlan.Status.AT_RISK.label)
    assert status_es not in ("at_risk", "at risk")  # the catalogue has it
    assert rows[0] == ["period", "scope", "Plan", "Status", "Cost (EUR)"]
    assert rows[1] == ["2026-11", "dept:SERVICE", "Coach", status_es, "26460"]


@pytest.mark.django_db
def test_a_table_with_its_own_period_column_does_not_get_a_second_one():
    Channel.objects.create(code="WEB", name="Web")
    columns = [Column("period", "Period", value=lambda c: "2026-Q3"), Column("code", "Code")]
    table = Table(RequestFactory().get("/", {"format": "csv"}), Channel.objects.all(), columns)
    rows = list(csv.reader(io.StringIO(table.csv_response().content.decode())))
    assert rows == [["scope", "Period", "Code"], ["org", "2026-Q3", "WEB"]]
