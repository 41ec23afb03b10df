"""Calendar periods (DESIGN §4 intro) and measurement frequencies.

Periods are calendar months, quarters and years. A measurement belongs to the period that
contains its ``period_start`` and feeds only periods at least as long as its metric's
frequency: a quarterly NPS has no monthly actual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["month", "quarter", "year"]
Frequency = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]

PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "year")
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly", "monthly", "quarterly", "yearly")

_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def _add_months(d: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``d``."""
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year, identified by its kind and first day."""

    kind: PeriodKind
    start: date

    def __post_init__(self) -> None:
        if self.kind not in _MONTHS_IN:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if self.start != Period._first_day(self.kind, self.start):
            raise ValueError(f"{self.start} does not start a {self.kind}")
        # Periods key the engine's dictionaries millions of times: hash once. Ints only,
        # so the value is the same in every process (str hashes are salted).
        object.__setattr__(self, "_hash", hash((_MONTHS_IN[self.kind], self.start.toordinal())))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        return (type(self), (self.kind, self.start))

    @staticmethod
    def _first_day(kind: PeriodKind, d: date) -> date:
        if kind == "month":
            return date(d.year, d.month, 1)
        if kind == "quarter":
            return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        return date(d.year, 1, 1)

    @classmethod
    def containing(cls, kind: PeriodKind, d: date) -> Period:
        """The period of ``kind`` that contains the date ``d``."""
        if kind not in _MONTHS_IN:
            raise ValueError(f"unknown period kind {kind!r}")
        return cls(kind, cls._first_day(kind, d))

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2024-03`` (month), ``2024-Q1`` (quarter) or ``2024`` (year)."""
        text = text.strip()
        if m := _MONTH_RE.match(text):
            month = int(m.group(2))
            if not 1 <= month <= 12:
                raise ValueError(f"bad month in period {text!r}")
            return cls("month", date(int(m.group(1)), month, 1))
        if m := _QUARTER_RE.match(text):
            return cls("quarter", date(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1, 1))
        if m := _YEAR_RE.match(text):
            return cls("year", date(int(m.group(1)), 1, 1))
        raise ValueError(f"not a period: {text!r} (expected 2024-03, 2024-Q1 or 2024)")

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year:04d}"

    @property
    def end(self) -> date:
        """The last day of the period (bounds are inclusive)."""
        return _add_months(self.start, _MONTHS_IN[self.kind]) - timedelta(days=1)

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    @property
    def sort_key(self) -> tuple[date, int]:
        """Chronological order; at one start date, shorter kinds first."""
        return (self.start, _MONTHS_IN[self.kind])

    def months(self) -> list[Period]:
        """The calendar months of the period, in order."""
        return [Period("month", _add_months(self.start, i)) for i in range(_MONTHS_IN[self.kind])]

    def contains(self, d: date) -> bool:
        """Whether the date ``d`` lies in the period."""
        return self.start <= d <= self.end

    def overlaps(self, first: date, last: date | None) -> bool:
        """Whether the inclusive range ``[first, last]`` (``None`` = open) meets the period."""
        return first <= self.end and (last is None or last >= self.start)

    def next(self) -> Period:
        """The period of the same kind that follows this one."""
        return Period(self.kind, _add_months(self.start, _MONTHS_IN[self.kind]))

    def previous(self) -> Period:
        """The period of the same kind that precedes this one."""
        return Period(self.kind, _add_months(self.start, -_MONTHS_IN[self.kind]))


def periods_between(kind: PeriodKind, first: date, last: date) -> list[Period]:
    """Every period of ``kind`` from the one containing ``first`` to the one containing ``last``."""
    result: list[Period] = []
    period = Period.containing(kind, first)
    stop = Period.containing(kind, last)
    while period.start <= stop.start:
        result.append(period)
        period = period.next()
    return result


def _check_frequency(frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")


def is_aligned(frequency: Frequency, d: date) -> bool:
    """Whether ``d`` is a valid period_start for ``frequency``.

    daily: any date; weekly: a Monday; monthly: the 1st; quarterly: 1 Jan/Apr/Jul/Oct;
    yearly: 1 January.
    """
    _check_frequency(frequency)
    if frequency == "daily":
        return True
    if frequency == "weekly":
        return d.weekday() == 0
    if frequency == "monthly":
        return d.day == 1
    if frequency == "quarterly":
        return d.day == 1 and d.month in (1, 4, 7, 10)
    return d.day == 1 and d.month == 1


def frequency_period_start(frequency: Frequency, d: date) -> date:
    """The first day of the frequency period (day, ISO week, month, ...) containing ``d``."""
    _check_frequency(frequency)
    if frequency == "daily":
        return d
    if frequency == "weekly":
        return d - timedelta(days=d.weekday())
    return Period.containing(_FREQUENCY_PERIOD[frequency], d).start


def frequency_period_end(frequency: Frequency, d: date) -> date:
    """The last day of the frequency period containing ``d`` (a week ends on Sunday)."""
    _check_frequency(frequency)
    if frequency == "daily":
        return d
    if frequency == "weekly":
        return d + timedelta(days=6 - d.weekday())
    return Period.containing(_FREQUENCY_PERIOD[frequency], d).end


_FREQUENCY_PERIOD: dict[str, PeriodKind] = {
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
}


def period_kinds_for(frequency: Frequency) -> tuple[PeriodKind, ...]:
    """The period kinds a metric of ``frequency`` feeds: those not shorter than its frequency.

    daily, weekly and monthly feed months, quarters and years; quarterly feeds quarters and
    years; yearly feeds years only.
    """
    _check_frequency(frequency)
    if frequency == "quarterly":
        return ("quarter", "year")
    if frequency == "yearly":
        return ("year",)
    return PERIOD_KINDS


def own_period_kind(frequency: Frequency) -> PeriodKind:
    """The shortest period kind a metric of ``frequency`` has actuals for: month for
    daily, weekly and monthly metrics, quarter for quarterly, year for yearly."""
    return period_kinds_for(frequency)[0]


def period_kind_shown(frequency: Frequency, wanted: PeriodKind) -> PeriodKind:
    """The period kind to show a metric in when ``wanted`` is asked for: ``wanted`` if the
    metric has actuals there, else its own (a quarterly metric in a month view: quarters)."""
    return wanted if wanted in period_kinds_for(frequency) else own_period_kind(frequency)


def is_less_often_than_monthly(frequency: Frequency) -> bool:
    """Quarterly and yearly metrics have no monthly actual (§4 item 9 special case)."""
    _check_frequency(frequency)
    return frequency in ("quarterly", "yearly")
