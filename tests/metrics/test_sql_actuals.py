"""Parity of the set-based stage 1 (`apps.metrics.sql_actuals.pg_actuals`) with the engine's
reference (`engine.actuals.aggregate`) over the same stored rows, rule by rule (DESIGN §4
items 1–2), on the golden example, and on random small datasets."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.metrics.engine.actuals import aggregate
from apps.metrics.engine.periods import FREQUENCIES, Period, frequency_period_start
from apps.metrics.engine.types import AGGREGATIONS, ORG, Actuals, MeasurementRow, MetricDef, Scope
from apps.metrics.models import Measurement, Metric
from apps.metrics.sql_actuals import pg_actuals
from apps.organization.models import Channel, Department
from tests.factories import ChannelFactory, DepartmentFactory
from tests.golden import golden_json

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

# sql_actuals is the PostgreSQL stage 1; other databases use the engine's Python reference.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


# --- helpers ---------------------------------------------------------------------------------


def D(text: str) -> date:
    return date.fromisoformat(text)


def P(text: str) -> Period:
    return Period.parse(text)


def dept(code: str) -> Scope:
    return Scope.dept(code)


def chan(code: str) -> Scope:
    return Scope.channel(code)


def make_org(departments: dict[str, str | None] | None = None, channels: tuple[str, ...] = ()) -> None:
    """Departments {code: parent code} (parents listed before children) and channels."""
    made: dict[str, Department] = {}
    for code, parent in (departments or {}).items():
        made[code] = DepartmentFactory(code=code, parent=made[parent] if parent else None)
    for code in channels:
        ChannelFactory(code=code)


def make_metric(code: str, aggregation: str = "mean", frequency: str = "daily") -> Metric:
    return Metric.objects.create(
        code=code,
        name=code,
        level="operational",
        direction="higher_is_better",
        aggregation=aggregation,
        frequency=frequency,
    )


def put(
    metric: Metric,
    day: date | str,
    department: str | None,
    channel: str | None,
    value: float,
    sample_size: float = 1.0,
    *,
    source: str = "src",
    recorded_at: datetime = T0,
) -> Measurement:
    d = Department.objects.get(code=department) if department else None
    c = Channel.objects.get(code=channel) if channel else None
    return Measurement.objects.create(
        metric=metric,
        period_start=D(day) if isinstance(day, str) else day,
        department=d,
        channel=c,
        dept_key=d.pk if d else 0,
        chan_key=c.pk if c else 0,
        source=source,
        value=value,
        sample_size=sample_size,
        recorded_at=recorded_at,
    )


def stored_rows(metric_ids=None) -> list[MeasurementRow]:
    qs = Measurement.objects.all()
    if metric_ids is not None:
        qs = qs.filter(metric_id__in=metric_ids)
    fields = ("metric__code", "period_start", "department__code", "channel__code", "source", "value")
    return [MeasurementRow(*row) for row in qs.values_list(*fields, "sample_size", "recorded_at").iterator()]


def reference(*, metric_ids=None, periods=None) -> Actuals:
    """The engine's stage 1 over the stored rows (every row of the chosen metrics)."""
    metrics = Metric.objects.all() if metric_ids is None else Metric.objects.filter(pk__in=metric_ids)
    defs = [MetricDef(m.code, m.direction, m.aggregation, m.frequency) for m in metrics]
    parent = dict(Department.objects.values_list("code", "parent__code"))
    return aggregate(stored_rows(metric_ids), defs, parent, periods=periods)


def assert_same(ours: Actuals, ref: Actuals) -> None:
    assert set(ours.cells) == set(ref.cells), (
        f"only in SQL: {sorted(map(str, set(ours.cells) - set(ref.cells)))[:10]}; "
        f"only in the engine: {sorted(map(str, set(ref.cells) - set(ours.cells)))[:10]}"
    )
    for key, expected in ref.cells.items():
        got = ours.cells[key]
        assert math.isclose(got.actual, expected.actual, rel_tol=1e-9, abs_tol=1e-9), (key, got, expected)
        assert math.isclose(got.sample_size, expected.sample_size, rel_tol=1e-12), (key, got, expected)
        assert got.latest_start == expected.latest_start, (key, got, expected)
    assert dict(ours.first_measurement) == dict(ref.first_measurement)


def check(*, metric_ids=None, periods=None) -> Actuals:
    """pg_actuals == aggregate over the stored rows; returns pg_actuals' result."""
    ours = pg_actuals(metric_ids=metric_ids, periods=periods)
    assert_same(ours, reference(metric_ids=metric_ids, periods=periods))
    return ours


def actual(result: Actuals, metric: str, period: str, scope: Scope) -> float | None:
    cell = result.cells.get((metric, P(period), scope))
    return None if cell is None else cell.actual


# --- §4 item 1: rows used ---------------------------------------------------------------------


def test_no_rows_no_cells():
    make_metric("M")
    assert pg_actuals() == Actuals(cells={}, first_measurement={})


def test_plain_department_by_channel_rows_group_like_the_reference():
    make_org({"CS": None, "WEB": None}, ("PHONE", "MAIL"))
    m = make_metric("M", "mean")
    s = make_metric("S", "sum")
    for day, value in (("2024-01-05", 10.0), ("2024-02-07", 20.0), ("2024-04-01", 40.0)):
        put(m, day, "CS", "PHONE", value, 2)
        put(m, day, "WEB", "MAIL", value + 1, 3)
        put(s, day, "CS", "MAIL", value)
    result = check()
    assert actual(result, "M", "2024-01", ORG) == pytest.approx((10 * 2 + 11 * 3) / 5)
    assert actual(result, "M", "2024-Q1", dept("CS")) == pytest.approx(15.0)
    assert actual(result, "S", "2024", chan("MAIL")) == pytest.approx(70.0)
    assert result.cells[("M", P("2024"), ORG)].sample_size == 15
    assert result.cells[("M", P("2024"), ORG)].latest_start == D("2024-04-01")
    assert result.first_measurement == {"M": D("2024-01-05"), "S": D("2024-01-05")}


def test_explicit_totals_win_over_breakdowns():
    make_org({"CS": None, "WEB": None}, ("PHONE", "MAIL"))
    m = make_metric("NPS", "mean", "monthly")
    day = "2024-03-01"
    put(m, day, "CS", None, 40.0, 100)  # CS's own total
    put(m, day, "CS", "PHONE", 10.0, 60)  # ... and its breakdown
    put(m, day, "CS", "MAIL", 90.0, 40)
    put(m, day, "WEB", "PHONE", 20.0, 10)
    put(m, day, None, "MAIL", 70.0, 50)  # the MAIL channel's total
    result = check()
    assert actual(result, "NPS", "2024-03", dept("CS")) == pytest.approx(40.0)
    # org: CS's total and WEB's breakdown; the channel-only total is not used
    assert actual(result, "NPS", "2024-03", ORG) == pytest.approx((40 * 100 + 20 * 10) / 110)
    assert actual(result, "NPS", "2024-03", chan("PHONE")) == pytest.approx((10 * 60 + 20 * 10) / 70)
    assert actual(result, "NPS", "2024-03", chan("MAIL")) == pytest.approx(70.0)

    put(m, "2024-03-01", None, None, 33.0, 500)  # an organisation total wins over all of it
    result = check()
    assert actual(result, "NPS", "2024-03", ORG) == pytest.approx(33.0)
    assert result.cells[("NPS", P("2024-03"), ORG)].sample_size == 500
    assert actual(result, "NPS", "2024-03", dept("CS")) == pytest.approx(40.0)


def test_totals_on_one_date_leave_other_dates_of_the_month_alone():
    make_org({"CS": None}, ("PHONE", "MAIL"))
    m = make_metric("S", "sum")
    put(m, "2024-05-01", "CS", None, 100.0)
    put(m, "2024-05-01", "CS", "PHONE", 30.0)
    put(m, "2024-05-02", "CS", "PHONE", 5.0)
    put(m, "2024-05-02", "CS", "MAIL", 7.0)
    put(m, "2024-06-03", "CS", "MAIL", 1.0)  # a plain month beside the special one, same quarter
    result = check()
    assert actual(result, "S", "2024-05", ORG) == pytest.approx(112.0)
    assert actual(result, "S", "2024-05", chan("PHONE")) == pytest.approx(35.0)
    assert actual(result, "S", "2024-Q2", ORG) == pytest.approx(113.0)
    assert actual(result, "S", "2024-Q2", dept("CS")) == pytest.approx(113.0)


def test_latest_recorded_at_wins_then_the_source_sorting_last():
    make_org({"CS": None}, ("PHONE",))
    m = make_metric("AHT", "mean")
    day = "2024-02-10"
    # recorded later wins, though "alpha" sorts first
    put(m, day, "CS", "PHONE", 1.0, source="zulu", recorded_at=T0)
    put(m, day, "CS", "PHONE", 2.0, source="alpha", recorded_at=T0 + timedelta(seconds=1))
    # same recorded_at: the source sorting last wins, in code-point order as Python sorts
    # ("B" < "a" < "z" < "é"), whatever the database's collation
    other = "2024-02-11"
    for source, value in (("a", 10.0), ("B", 20.0), ("é", 30.0), ("z", 40.0)):
        put(m, other, "CS", "PHONE", value, source=source)
    put(m, "2024-02-12", None, None, 5.0, source="a")
    put(m, "2024-02-12", None, None, 6.0, source="B")
    result = check()
    assert actual(result, "AHT", "2024-02", dept("CS")) == pytest.approx((2.0 + 30.0) / 2)
    assert actual(result, "AHT", "2024-02", ORG) == pytest.approx((2.0 + 30.0 + 5.0) / 3)
    assert result.cells[("AHT", P("2024-02"), ORG)].sample_size == 3


def test_a_sub_department_is_left_out_of_the_organisation_under_an_ancestor_total():
    make_org({"OPS": None, "CS": "OPS", "CS-N": "CS", "WEB": None}, ("PHONE", "MAIL"))
    m = make_metric("FCR", "mean")
    # 1 March: OPS has a total: CS and its child CS-N count for themselves, not for the org
    put(m, "2024-03-01", "OPS", None, 80.0, 10)
    put(m, "2024-03-01", "CS", "PHONE", 50.0, 4)
    put(m, "2024-03-01", "CS-N", "MAIL", 60.0, 6)
    put(m, "2024-03-01", "WEB", "MAIL", 70.0, 5)
    # 2 March: OPS has only a channel breakdown: it covers nothing, CS counts
    put(m, "2024-03-02", "OPS", "PHONE", 90.0, 1)
    put(m, "2024-03-02", "CS", None, 30.0, 3)
    put(m, "2024-03-02", "CS-N", "PHONE", 20.0, 2)  # under CS's total that date
    result = check()
    org_rows = [(80, 10), (70, 5), (90, 1), (30, 3)]
    expected = sum(v * w for v, w in org_rows) / sum(w for _, w in org_rows)
    assert actual(result, "FCR", "2024-03", ORG) == pytest.approx(expected)
    assert actual(result, "FCR", "2024-03", dept("CS-N")) == pytest.approx((60 * 6 + 20 * 2) / 8)
    assert actual(result, "FCR", "2024-03", dept("CS")) == pytest.approx((50 * 4 + 30 * 3) / 7)
    assert actual(result, "FCR", "2024-03", chan("PHONE")) == pytest.approx((50 * 4 + 90 + 20 * 2) / 7)


def test_channel_only_rows_count_for_the_organisation_only_without_department_rows():
    make_org({"CS": None}, ("PHONE", "MAIL"))
    m = make_metric("S", "sum")
    put(m, "2024-07-01", None, "PHONE", 3.0)
    put(m, "2024-07-01", None, "MAIL", 4.0)
    put(m, "2024-07-02", None, "PHONE", 100.0)
    put(m, "2024-07-02", "CS", "PHONE", 1.0)
    put(m, "2024-07-02", "CS", "MAIL", 2.0)
    result = check()
    assert actual(result, "S", "2024-07", ORG) == pytest.approx(3 + 4 + 1 + 2)
    assert actual(result, "S", "2024-07", chan("PHONE")) == pytest.approx(3 + 100)
    assert actual(result, "S", "2024-07", chan("MAIL")) == pytest.approx(4 + 2)
    assert actual(result, "S", "2024-07", dept("CS")) == pytest.approx(3.0)


# --- §4 item 2: aggregations and period kinds ------------------------------------------------


def test_min_max_sum_mean():
    make_org({"CS": None, "WEB": None}, ("PHONE",))
    metrics = {a: make_metric(a.upper(), a) for a in ("mean", "sum", "min", "max")}
    for m in metrics.values():
        put(m, "2024-01-02", "CS", "PHONE", 4.5, 3)
        put(m, "2024-01-03", "WEB", "PHONE", -2.25, 1)
        put(m, "2024-02-03", "WEB", "PHONE", 7.0, 2)
    result = check()
    assert actual(result, "MEAN", "2024-Q1", ORG) == pytest.approx((4.5 * 3 - 2.25 + 14) / 6)
    assert actual(result, "SUM", "2024-Q1", ORG) == pytest.approx(9.25)
    assert actual(result, "MIN", "2024-Q1", chan("PHONE")) == -2.25
    assert actual(result, "MAX", "2024", dept("WEB")) == 7.0
    assert result.cells[("MIN", P("2024-Q1"), ORG)].sample_size == 6


def test_last_takes_each_key_at_its_own_latest_date():
    make_org({"OPS": None, "CS": "OPS"}, ("PHONE", "MAIL"))
    m = make_metric("SELF", "last")
    put(m, "2024-01-03", "CS", "PHONE", 1.0, 1)
    put(m, "2024-01-10", "CS", "PHONE", 2.0, 1)  # latest of (CS, PHONE) in January
    put(m, "2024-01-05", "CS", "MAIL", 10.0, 3)  # latest of (CS, MAIL)
    put(m, "2024-02-20", "CS", "MAIL", 20.0, 1)  # latest of (CS, MAIL) in Q1
    # 25 Feb: OPS has a total, so the org does not use CS's row of that date, the
    # department scope does: the key's latest date differs between the two scopes
    put(m, "2024-02-25", "OPS", None, 50.0, 2)
    put(m, "2024-02-25", "CS", "PHONE", 7.0, 4)
    result = check()
    assert actual(result, "SELF", "2024-01", ORG) == pytest.approx((2 * 1 + 10 * 3) / 4)
    assert actual(result, "SELF", "2024-Q1", dept("CS")) == pytest.approx((7 * 4 + 20 * 1) / 5)
    assert actual(result, "SELF", "2024-Q1", ORG) == pytest.approx((2 * 1 + 20 * 1 + 50 * 2) / 4)
    assert result.cells[("SELF", P("2024-Q1"), ORG)].sample_size == 1 + 1 + 3 + 1 + 2
    assert result.cells[("SELF", P("2024-Q1"), ORG)].latest_start == D("2024-02-25")


def test_quarterly_metric_has_no_monthly_cells():
    make_org({"CS": None}, ("PHONE",))
    m = make_metric("NPS", "mean", "quarterly")
    put(m, "2024-01-01", "CS", "PHONE", 30.0, 10)
    put(m, "2024-04-01", "CS", "PHONE", 50.0, 30)
    result = check()
    assert {key[1].kind for key in result.cells} == {"quarter", "year"}
    assert actual(result, "NPS", "2024", ORG) == pytest.approx(45.0)


def test_yearly_metric_has_only_yearly_cells():
    make_org({"CS": None}, ("PHONE",))
    m = make_metric("ENGAGEMENT", "max", "yearly")
    put(m, "2023-01-01", "CS", None, 3.0)
    put(m, "2024-01-01", "CS", None, 4.0)
    result = check()
    assert set(result.cells) == {("ENGAGEMENT", P(y), s) for y in ("2023", "2024") for s in (ORG, dept("CS"))}


def test_a_weekly_row_belongs_to_the_month_of_its_monday():
    make_org({"CS": None}, ("PHONE",))
    m = make_metric("W", "sum", "weekly")
    put(m, "2024-04-29", "CS", "PHONE", 1.0)  # Monday in April, the week ends in May
    put(m, "2024-05-06", "CS", "PHONE", 2.0)
    put(m, "2024-12-30", "CS", "PHONE", 4.0)  # Monday of 2024, the week ends in 2025
    result = check()
    assert actual(result, "W", "2024-04", ORG) == 1.0
    assert actual(result, "W", "2024-05", ORG) == 2.0
    assert actual(result, "W", "2024", ORG) == 7.0
    assert ("W", P("2025"), ORG) not in result.cells


def test_a_subset_of_periods_and_metrics():
    make_org({"CS": None, "WEB": "CS"}, ("PHONE", "MAIL"))
    a = make_metric("A", "mean")
    b = make_metric("B", "sum", "quarterly")
    c = make_metric("C", "last")
    for m in (a, b, c):
        for day in ("2023-10-01", "2024-01-01", "2024-04-01", "2024-07-01"):
            put(m, day, "CS", "PHONE", 1.5, 2)
            put(m, day, "WEB", None, 2.5, 3)
            put(m, day, "WEB", "MAIL", 3.5, 1)
    periods = {P("2024-04"), P("2023-Q4"), P("2024"), P("2022")}
    result = check(periods=periods)
    assert {key[1] for key in result.cells} == {P("2024-04"), P("2023-Q4"), P("2024")}
    assert result.first_measurement == {"A": D("2023-10-01"), "B": D("2023-10-01"), "C": D("2023-10-01")}
    result = check(metric_ids=[b.pk, c.pk], periods={P("2024-Q3"), P("2024-07")})
    assert {(key[0], key[1]) for key in result.cells} == {
        ("B", P("2024-Q3")),
        ("C", P("2024-Q3")),
        ("C", P("2024-07")),
    }
    assert result.first_measurement == {"B": D("2023-10-01"), "C": D("2023-10-01")}
    assert pg_actuals(periods=set()).cells == {}
    check(metric_ids=[])


def test_the_jit_setting_is_left_as_it_was():
    make_org({"CS": None}, ("PHONE",))
    put(make_metric("M"), "2024-01-01", "CS", "PHONE", 1.0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'on', true)")
        pg_actuals()
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "on"


# --- the golden example ----------------------------------------------------------------------


def test_golden_example_measurements():
    data = golden_json()
    make_org(dict.fromkeys(data["departments"]), tuple(data["channels"]))
    metrics = {m["code"]: make_metric(m["code"], m["aggregation"], m["frequency"]) for m in data["metrics"]}
    for r in data["measurements"]:
        put(
            metrics[r["metric"]],
            r["period_start"],
            r["department"],
            r["channel"],
            r["value"],
            1.0 if r["sample_size"] is None else r["sample_size"],
            source=r["source"],
            recorded_at=datetime.fromisoformat(r["recorded_at"].replace("Z", "+00:00")),
        )
    result = check()
    assert len(result.cells) > 300
    check(periods={P("2024-02"), P("2024-Q3"), P("2024")})


# --- random datasets -------------------------------------------------------------------------

SOURCES = ("a", "B", "z", "é")
FIRST_DAY = date(2023, 11, 20)  # crosses a month, quarter and year boundary within ~200 days


@st.composite
def datasets(draw):
    n_depts = draw(st.integers(1, 5))
    parents = [draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(n_depts)]
    n_chans = draw(st.integers(1, 3))
    metrics = [
        (draw(st.sampled_from(AGGREGATIONS)), draw(st.sampled_from(FREQUENCIES)))
        for _ in range(draw(st.integers(1, 3)))
    ]
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(metrics) - 1),
                # day offset, aligned to the metric's frequency below; a few favourite days so
                # that rows of one date meet (totals beside breakdowns, two sources)
                st.one_of(st.integers(0, 200), st.sampled_from((0, 12, 42, 43, 133))),
                st.one_of(st.none(), st.integers(0, n_depts - 1)),
                st.one_of(st.none(), st.integers(0, n_chans - 1)),
                st.sampled_from(SOURCES),
                st.one_of(st.integers(-50, 50).map(float), st.floats(-1e3, 1e3, allow_nan=False)),
                st.sampled_from((1.0, 2.0, 7.0, 12.5)),
                st.integers(0, 2),  # recorded_at, a few seconds apart: ties happen
            ),
            max_size=40,
        )
    )
    return parents, n_chans, metrics, rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=datasets(), subset=st.booleans())
def test_random_datasets_match_the_reference(data, subset):
    parents, n_chans, metrics, rows = data
    with transaction.atomic():
        made = []
        for i, parent in enumerate(parents):
            made.append(DepartmentFactory(code=f"D{i}", parent=None if parent is None else made[parent]))
        for i in range(n_chans):
            ChannelFactory(code=f"C{i}")
        ms = [make_metric(f"M{i}", agg, freq) for i, (agg, freq) in enumerate(metrics)]
        seen = set()
        for m, offset, d, c, source, value, weight, recorded in rows:
            metric = ms[m]
            day = frequency_period_start(metric.frequency, FIRST_DAY + timedelta(days=offset))
            key = (m, day, d, c, source)  # the table's unique key
            if key in seen:
                continue
            seen.add(key)
            put(
                metric,
                day,
                None if d is None else f"D{d}",
                None if c is None else f"C{c}",
                value,
                weight,
                source=source,
                recorded_at=T0 + timedelta(seconds=recorded),
            )
        check()
        if subset:
            check(metric_ids=[ms[0].pk], periods={P("2023-12"), P("2024-Q1"), P("2023"), P("2024-05")})
        transaction.set_rollback(True)
