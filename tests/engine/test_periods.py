"""Periods, frequencies and scopes (DESIGN §4 intro)."""

from __future__ import annotations

from datetime import date

import pytest

from apps.metrics.engine import Period, Scope
from apps.metrics.engine.periods import (
    frequency_period_end,
    frequency_period_start,
    is_aligned,
    period_kinds_for,
    periods_between,
)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2024-03", "month", date(2024, 3, 1), date(2024, 3, 31)),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", "month", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-Q1", "quarter", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-Q4", "quarter", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_periods_parse_format_and_end(text, kind, start, end):
    period = Period.parse(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert str(period) == text


@pytest.mark.parametrize("text", ["2024-13", "2024-Q5", "24", "2024-1", "March", ""])
def test_bad_period_text_is_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_a_period_must_start_on_its_first_day():
    with pytest.raises(ValueError):
        Period("quarter", date(2024, 2, 1))


def test_months_of_a_quarter_and_a_year():
    assert [str(m) for m in Period.parse("2024-Q2").months()] == ["2024-04", "2024-05", "2024-06"]
    assert len(Period.parse("2024").months()) == 12
    assert Period.parse("2024-07").months() == [Period.parse("2024-07")]


def test_contains_previous_next_and_containing():
    q1 = Period.parse("2024-Q1")
    assert q1.contains(date(2024, 1, 1)) and q1.contains(date(2024, 3, 31))
    assert not q1.contains(date(2024, 4, 1))
    assert str(q1.previous()) == "2023-Q4"
    assert str(q1.next()) == "2024-Q2"
    assert str(Period.parse("2024-12").next()) == "2025-01"
    assert str(Period.parse("2024-01").previous()) == "2023-12"
    assert str(Period.parse("2024").next()) == "2025"
    assert str(Period.containing("quarter", date(2024, 8, 15))) == "2024-Q3"
    assert str(Period.containing("month", date(2024, 8, 15))) == "2024-08"
    assert str(Period.containing("year", date(2024, 8, 15))) == "2024"
    assert Period.parse("2024").days == 366


def test_periods_between_runs_inclusive():
    months = periods_between("month", date(2024, 11, 20), date(2025, 2, 1))
    assert [str(m) for m in months] == ["2024-11", "2024-12", "2025-01", "2025-02"]


@pytest.mark.parametrize(
    ("frequency", "day", "aligned"),
    [
        ("daily", date(2024, 5, 17), True),
        ("weekly", date(2024, 5, 13), True),  # a Monday
        ("weekly", date(2024, 5, 14), False),
        ("monthly", date(2024, 5, 1), True),
        ("monthly", date(2024, 5, 2), False),
        ("quarterly", date(2024, 4, 1), True),
        ("quarterly", date(2024, 5, 1), False),
        ("yearly", date(2024, 1, 1), True),
        ("yearly", date(2024, 7, 1), False),
    ],
)
def test_period_start_alignment_per_frequency(frequency, day, aligned):
    assert is_aligned(frequency, day) is aligned


def test_end_of_the_frequency_period_containing_a_date():
    wed = date(2024, 5, 15)
    assert frequency_period_end("daily", wed) == wed
    assert frequency_period_end("weekly", wed) == date(2024, 5, 19)  # Sunday
    assert frequency_period_start("weekly", wed) == date(2024, 5, 13)  # Monday
    assert frequency_period_end("monthly", wed) == date(2024, 5, 31)
    assert frequency_period_end("quarterly", wed) == date(2024, 6, 30)
    assert frequency_period_end("yearly", wed) == date(2024, 12, 31)


def test_a_quarterly_metric_feeds_no_month():
    assert period_kinds_for("daily") == ("month", "quarter", "year")
    assert period_kinds_for("weekly") == ("month", "quarter", "year")
    assert period_kinds_for("monthly") == ("month", "quarter", "year")
    assert period_kinds_for("quarterly") == ("quarter", "year")
    assert period_kinds_for("yearly") == ("year",)


@pytest.mark.parametrize("text", ["org", "dept:CS", "channel:PHONE"])
def test_scopes_round_trip_through_their_string_form(text):
    assert str(Scope.parse(text)) == text


@pytest.mark.parametrize("text", ["dept", "dept:", "team:CS", "org:X"])
def test_bad_scope_text_is_refused(text):
    with pytest.raises(ValueError):
        Scope.parse(text)
