"""Plain values the engine reads and returns (no ORM objects cross this seam)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from .periods import FREQUENCIES, Frequency, Period

Direction = Literal["higher_is_better", "lower_is_better"]
Aggregation = Literal["mean", "sum", "last", "min", "max"]
ScopeKind = Literal["org", "dept", "channel"]
Status = Literal["green", "amber", "red", "grey"]

DIRECTIONS: tuple[Direction, ...] = ("higher_is_better", "lower_is_better")
AGGREGATIONS: tuple[Aggregation, ...] = ("mean", "sum", "last", "min", "max")

#: Department code -> parent department code (``None`` for a top department).
Departments = Mapping[str, str | None]


@dataclass(frozen=True)
class MetricDef:
    """What the engine needs to know about a metric."""

    code: str
    direction: Direction
    aggregation: Aggregation
    frequency: Frequency
    is_monetary: bool = False

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"{self.code}: unknown direction {self.direction!r}")
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"{self.code}: unknown aggregation {self.aggregation!r}")
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"{self.code}: unknown frequency {self.frequency!r}")

    @property
    def sign(self) -> int:
        """+1 when higher is better, -1 when lower is better (dir() of §4 items 7 and 12)."""
        return 1 if self.direction == "higher_is_better" else -1


@dataclass(frozen=True)
class LinkDef:
    """A driver link child -> parent: ``weight`` for scores, ``impact`` for money (§4 5, 7)."""

    child: str
    parent: str
    weight: float = 1.0
    impact: float = 0.0


@dataclass(frozen=True, order=True)
class Scope:
    """The whole organisation, one department or one channel.

    String form: ``org``, ``dept:CS``, ``channel:PHONE``.
    """

    kind: ScopeKind
    code: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "org":
            if self.code is not None:
                raise ValueError("the org scope has no code")
        elif self.kind in ("dept", "channel"):
            if not self.code:
                raise ValueError(f"a {self.kind} scope needs a code")
        else:
            raise ValueError(f"unknown scope kind {self.kind!r}")
        object.__setattr__(self, "_hash", hash((self.kind, self.code)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        # Rebuilt (and re-hashed) on unpickling: str hashes differ between processes.
        return (type(self), (self.kind, self.code))

    @classmethod
    def org(cls) -> Scope:
        return cls("org")

    @classmethod
    def dept(cls, code: str) -> Scope:
        return cls("dept", code)

    @classmethod
    def channel(cls, code: str) -> Scope:
        return cls("channel", code)

    @classmethod
    def parse(cls, text: str) -> Scope:
        """Parse ``org``, ``dept:<code>`` or ``channel:<code>``."""
        text = text.strip()
        if text == "org":
            return cls("org")
        kind, sep, code = text.partition(":")
        if not sep or kind not in ("dept", "channel"):
            raise ValueError(f"not a scope: {text!r} (expected org, dept:X or channel:X)")
        return cls(kind, code)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return "org" if self.kind == "org" else f"{self.kind}:{self.code}"


ORG = Scope("org")


@dataclass(frozen=True)
class TargetDef:
    """A target of one metric and scope, valid on ``[valid_from, valid_to]`` (inclusive).

    Scope: organisation (no department, no channel), one department, or one channel.
    """

    metric: str
    valid_from: date
    valid_to: date | None
    department: str | None
    channel: str | None
    value: float
    baseline: float | None = None
    amber_threshold: float = 90.0

    @property
    def scope(self) -> Scope:
        """The scope the target is set for (a target naming both is invalid: see validation)."""
        if self.department is not None:
            return Scope("dept", self.department)
        if self.channel is not None:
            return Scope("channel", self.channel)
        return ORG

    def is_valid_on(self, d: date) -> bool:
        """Validity bounds are inclusive; ``valid_to=None`` is open-ended."""
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


@dataclass(frozen=True)
class MeasurementRow:
    """One stored measurement (``period_start`` aligned with the metric's frequency)."""

    metric: str
    period_start: date
    department: str | None
    channel: str | None
    source: str
    value: float
    sample_size: float | None
    recorded_at: datetime


@dataclass(frozen=True)
class Cell:
    """Stage 1 output for one (metric, period, scope): what stage 2 needs from the rows.

    - ``actual``: §4 item 2 over the rows used (§4 item 1) at every date in the period;
    - ``sample_size``: the sum of sample_size (default 1) over those rows (for §4 item 9 shares);
    - ``latest_start``: the latest period_start among those rows (for §4 item 3 pro-rating).
    """

    actual: float
    sample_size: float
    latest_start: date


CellKey = tuple[str, Period, Scope]


@dataclass(frozen=True)
class Actuals:
    """Everything stage 2 reads from the measurements.

    ``first_measurement`` maps a metric to the earliest period_start of any of its rows
    (snapshots start at the period containing it).
    """

    cells: Mapping[CellKey, Cell]
    first_measurement: Mapping[str, date]


@dataclass(frozen=True)
class SnapshotResult:
    """One computed snapshot (``None`` where §4 says "none")."""

    metric: str
    period: Period
    scope: Scope
    actual: float | None
    target: float | None
    baseline: float | None
    own_score: float | None
    driven_score: float | None
    status: Status
    gap: float | None
    value_at_stake: float | None

    @property
    def key(self) -> CellKey:
        return (self.metric, self.period, self.scope)
