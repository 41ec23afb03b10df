"""Every CSV export of the portal, read as an analyst would (issue 26 item 6, DESIGN §7
"every table exports CSV with its period and scope"): the period and scope columns lead,
no cell is a Python literal (True, None), a code where the page shows words, or a number
with a thousands separator or float noise."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from apps.metrics import rollup
from apps.metrics.models import Metric
from tests.matrix.world import build_world

EXPORTS = [
    "actions:plan-list",
    "actions:plan-ranking",
    "actions:matrix",
    "committees:committee-list",
    "feedback:inbox",
    "incentives:plan-list",
    "metrics:metric-list",
    "metrics:hierarchy",
    "notifications:inbox",
    "organization:department-list",
    "organization:channel-list",
    "organization:person-list",
]
NOISE = re.compile(r"^-?\d+\.\d*?(9999|0000)\d$")  # 26459.999999999996, 0.30000000000000004
GROUPED = re.compile(r"^'?-?\d{1,3}([.,]\d{3})+([.,]\d+)?$")  # 1,234.5 or '-1.234,5


@pytest.fixture
def world(db):
    w = build_world()
    rollup.rollup_dirty(today=date(2026, 11, 23))
    return w


def read(client, name) -> list[list[str]]:
    response = client.get(reverse(name) + "?format=csv")
    assert response.status_code == 200, name
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
def test_every_export_leads_with_period_and_scope_and_writes_plain_cells(client, world):
    client.force_login(world.alice)
    for name in EXPORTS:
        check_export(read(client, name), name)


def check_export(rows, name):
    header = rows[0]
    if "Period" in header:  # a list of things that each have a period keeps its own column
        assert header[0] == "scope"
    else:
        assert header[:2] == ["period", "scope"]
        assert all(re.match(r"^\d{4}(-\d{2}(-\d{2})?|-Q\d)?$", r[0]) for r in rows[1:]), name
    scope_at = header.index("scope")
    assert all(r[scope_at] == "org" for r in rows[1:]), name
    for row in rows[1:]:
        assert len(row) == len(header)
        for cell in row:
            assert cell not in ("True", "False", "None", "nan"), (name, row)
            assert not NOISE.match(cell) and not GROUPED.match(cell), (name, cell)


@pytest.mark.django_db
def test_list_exports_of_a_state_are_dated_today_and_archived_is_a_word(client, world):
    client.force_login(world.alice)
    rows = read(client, "organization:department-list")
    today = timezone.localdate().isoformat()
    assert {r[0] for r in rows[1:]} == {today}
    archived = rows[0].index("Archived")
    assert {r[archived] for r in rows[1:]} <= {"yes", "no"}
    channels = read(client, "organization:channel-list")
    assert {r[channels[0].index("Archived")] for r in channels[1:]} <= {"yes", "no"}


@pytest.mark.django_db
def test_metric_catalogue_and_hierarchy_write_choices_in_the_readers_words(client, world):
    world.alice.language = "es"
    world.alice.save(update_fields=["language"])
    client.force_login(world.alice)
    catalogue = read(client, "metrics:metric-list")
    header = catalogue[0]
    with translation.override("es"):
        levels = {str(label) for label in Metric.Level.labels}
        aggregations = {str(label) for label in Metric.Aggregation.labels}
        frequencies = {str(label) for label in Metric.Frequency.labels}
    assert "operational" not in levels  # the catalogue translates them
    column = {h: i for i, h in enumerate(header)}
    assert {r[column["Nivel"]] for r in catalogue[1:]} <= levels
    assert {r[column["Agregación"]] for r in catalogue[1:]} <= aggregations
    assert {r[column["Frecuencia"]] for r in catalogue[1:]} <= frequencies
    hierarchy = read(client, "metrics:hierarchy")
    level_at = hierarchy[0].index("level")
    assert {r[level_at] for r in hierarchy[1:]} <= levels
