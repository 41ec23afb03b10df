import csv
import io

import pytest
from django.test import RequestFactory

from apps.core.tables import Column, Table, csv_safe
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
    assert rows[0] == ["Code", "Name"]
    assert len(rows) == 31  # header + every row, not one page
    assert all(r[1].startswith("'=") for r in rows[1:])


@pytest.mark.django_db
def test_unknown_sort_key_is_ignored_not_an_error():
    table = Table(
        RequestFactory().get("/", {"sort": "password"}),
        Channel.objects.all(),
        [Column("code", "Code", sort="code")],
    )
    assert table.sort_key is None
    assert list(table.page.object_list) == []
