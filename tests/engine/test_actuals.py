"""Stage 1: rows used and actuals (DESIGN §4 items 1 and 2), worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.metrics.engine import ORG, aggregate
from tests.engine.builders import P, S, metric, row

FLAT = {"CS": None, "WEB": None}


def actual(rows, m, period, scope, departments=FLAT):
    cell = aggregate(rows, [m], departments).cells.get((m.code, P(period), S(scope)))
    return None if cell is None else cell.actual


CSAT = metric("CSAT")

# One date, every kind of row: an organisation total, a department total beside that
# department's breakdown, another department's breakdown only, and a channel total.
MIXED = [
    row("CSAT", "2024-01-01", 70, n=100, source="survey"),  # org total
    row("CSAT", "2024-01-01", 60, dept="CS", n=10),  # CS total
    row("CSAT", "2024-01-01", 50, dept="CS", channel="PHONE", n=5),
    row("CSAT", "2024-01-01", 80, dept="CS", channel="WEB", n=5),
    row("CSAT", "2024-01-01", 90, dept="WEB", channel="PHONE", n=20),
    row("CSAT", "2024-01-01", 65, channel="PHONE", n=30),  # PHONE total
]


def test_explicit_totals_win_over_breakdowns():
    assert actual(MIXED, CSAT, "2024-01", "org") == 70  # the org total alone
    assert actual(MIXED, CSAT, "2024-01", "dept:CS") == 60  # CS total, not 50/80
    assert actual(MIXED, CSAT, "2024-01", "dept:WEB") == 90  # WEB has only a breakdown
    assert actual(MIXED, CSAT, "2024-01", "channel:PHONE") == 65  # the PHONE total
    assert actual(MIXED, CSAT, "2024-01", "channel:WEB") == 80  # every WEB row with a dept


def test_without_an_org_total_the_org_adds_up_what_each_department_uses():
    rows = MIXED[1:]
    # CS uses its total 60 (n=10); WEB its breakdown 90 (n=20). The PHONE total without a
    # department is left out because rows of that date name departments.
    # (60·10 + 90·20) / 30 = 2400 / 30 = 80
    assert actual(rows, CSAT, "2024-01", "org") == pytest.approx(80)


def test_the_org_uses_channel_rows_without_department_only_when_no_row_names_one():
    rows = [
        row("CSAT", "2024-01-01", 60, channel="PHONE", n=10),
        row("CSAT", "2024-01-01", 90, channel="WEB", n=20),
    ]
    # (60·10 + 90·20) / 30 = 80
    assert actual(rows, CSAT, "2024-01", "org") == pytest.approx(80)


def test_a_department_under_an_ancestor_with_a_total_is_not_counted_twice():
    departments = {"OPS": None, "CS": "OPS", "WEB": None}
    rows = [
        row("CSAT", "2024-01-01", 50, dept="OPS", n=10),  # OPS total
        row("CSAT", "2024-01-01", 70, dept="CS", n=10),  # CS, a sub-department of OPS
        row("CSAT", "2024-01-01", 90, dept="WEB", channel="PHONE", n=20),
    ]
    # org: OPS 50 (n=10) + WEB 90 (n=20); CS is covered by OPS's total.
    # (500 + 1800) / 30 = 76.666...
    assert actual(rows, CSAT, "2024-01", "org", departments) == pytest.approx(2300 / 30)
    # CS is still a department of its own, and not part of OPS.
    assert actual(rows, CSAT, "2024-01", "dept:CS", departments) == 70
    assert actual(rows, CSAT, "2024-01", "dept:OPS", departments) == 50


def test_an_ancestor_with_only_a_breakdown_covers_nothing():
    departments = {"OPS": None, "CS": "OPS"}
    rows = [
        row("CSAT", "2024-01-01", 50, dept="OPS", channel="PHONE", n=10),
        row("CSAT", "2024-01-01", 70, dept="CS", n=30),
    ]
    # (50·10 + 70·30) / 40 = 2600 / 40 = 65
    assert actual(rows, CSAT, "2024-01", "org", departments) == pytest.approx(65)


def test_the_latest_recorded_source_wins_and_ties_go_to_the_last_source_name():
    early = datetime(2025, 1, 2, tzinfo=UTC)
    late = datetime(2025, 2, 1, tzinfo=UTC)
    rows = [
        row("CSAT", "2024-01-01", 100, dept="CS", source="ops", recorded=early),
        row("CSAT", "2024-01-01", 200, dept="CS", source="manual", recorded=late),
        row("CSAT", "2024-02-01", 1, dept="CS", source="alpha", recorded=early),
        row("CSAT", "2024-02-01", 2, dept="CS", source="beta", recorded=early),
    ]
    assert actual(rows, CSAT, "2024-01", "dept:CS") == 200  # later recorded_at
    assert actual(rows, CSAT, "2024-02", "dept:CS") == 2  # "beta" sorts after "alpha"
    # One value per (date, key): Q1 = mean(200, 2), both with sample_size 1.
    assert actual(rows, CSAT, "2024-Q1", "dept:CS") == pytest.approx(101)


# A daily metric over January, at three dates:
#   01-03  CS/PHONE 10 (n=1)
#   01-10  WEB/PHONE 50 (n=3)
#   01-20  CS/PHONE 30 (n=1)
DAILY = [
    row("X", "2024-01-03", 10, dept="CS", channel="PHONE", n=1),
    row("X", "2024-01-10", 50, dept="WEB", channel="PHONE", n=3),
    row("X", "2024-01-20", 30, dept="CS", channel="PHONE", n=1),
]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("mean", (10 * 1 + 50 * 3 + 30 * 1) / 5),  # weighted by sample_size: 38
        ("sum", 90),
        ("min", 10),
        ("max", 50),
        # each key at its own latest date: CS/PHONE → 30 (n=1), WEB/PHONE → 50 (n=3);
        # combined weighted by sample_size: (30 + 150) / 4 = 45
        ("last", 45),
    ],
)
def test_aggregations_over_the_rows_used_at_every_date(aggregation, expected):
    m = metric("X", aggregation=aggregation, frequency="daily")
    assert actual(DAILY, m, "2024-01", "org") == pytest.approx(expected)
    assert actual(DAILY, m, "2024", "org") == pytest.approx(expected)


def test_a_cell_carries_the_sample_size_and_latest_period_start_of_its_rows():
    m = metric("X", frequency="daily")
    cell = aggregate(DAILY, [m], FLAT).cells[("X", P("2024-01"), ORG)]
    assert cell.sample_size == 5
    assert str(cell.latest_start) == "2024-01-20"
    cs = aggregate(DAILY, [m], FLAT).cells[("X", P("2024-01"), S("dept:CS"))]
    assert (cs.actual, cs.sample_size, str(cs.latest_start)) == (20, 2, "2024-01-20")


def test_no_rows_means_no_actual_never_zero():
    assert actual(DAILY, metric("X", frequency="daily"), "2024-02", "org") is None


def test_a_mean_metric_requires_sample_size_other_aggregations_default_it_to_1():
    rows = [row("X", "2024-01-01", 10, n=None), row("X", "2024-01-01", 30, dept="CS", n=None)]
    with pytest.raises(ValueError, match="sample_size"):
        aggregate(rows, [metric("X")], FLAT)
    cell = aggregate(rows, [metric("X", aggregation="sum")], FLAT).cells[("X", P("2024-01"), ORG)]
    assert (cell.actual, cell.sample_size) == (10, 1)


def test_a_quarterly_metric_has_no_monthly_actual():
    nps = metric("NPS", frequency="quarterly")
    rows = [row("NPS", "2024-01-01", 40), row("NPS", "2024-04-01", 50)]
    cells = aggregate(rows, [nps], FLAT).cells
    assert ("NPS", P("2024-01"), ORG) not in cells
    assert cells[("NPS", P("2024-Q1"), ORG)].actual == 40
    assert cells[("NPS", P("2024"), ORG)].actual == 45


def test_the_first_measurement_is_kept_per_metric():
    actuals = aggregate(DAILY, [metric("X", frequency="daily")], FLAT)
    assert str(actuals.first_measurement["X"]) == "2024-01-03"


def test_rows_of_an_unknown_metric_are_refused():
    with pytest.raises(ValueError, match="unknown metric"):
        aggregate([row("NOPE", "2024-01-01", 1)], [CSAT], FLAT)
