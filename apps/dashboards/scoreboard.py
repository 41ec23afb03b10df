"""The departments scoreboard (issue 24): one row per department, its figures from each
app's selector (a fixed number of queries whatever the number of departments).

A department with sub-departments shows the totals of its subtree for what adds up
(counts, value at stake); averages are recombined over the subtree (plan progress, bonus
attainment), and the median hours to acknowledge, which does not combine, is its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.actions import selectors as action_selectors
from apps.committees import selectors as committee_selectors
from apps.feedback import selectors as feedback_selectors
from apps.incentives import selectors as incentive_selectors
from apps.metrics import selectors as metric_selectors
from apps.metrics.engine.periods import Period
from apps.metrics.scopes import last_closed_month
from apps.organization.selectors import department_tree

from . import permissions

STATUSES = ("red", "amber", "green", "grey")
# Counts a parent row adds up over its subtree.
ADDITIVE = (
    *STATUSES,
    "red_before",
    "plans_active",
    "plans_at_risk",
    "plans_blocked",
    "plans_overdue",
    "milestones_overdue",
    "decisions_open",
    "decisions_overdue",
    "feedback_to_ack",
    "feedback_ack_overdue",
    "progress_sum",
    "progress_count",
    "attainment_sum",
    "attainment_count",
)
MONEY = ("value_at_stake", "value_at_stake_before")


@dataclass
class Scoreboard:
    period: Period
    previous: Period
    rows: list[dict]
    show_bonus: bool
    bonus_plans: list
    # (code, name) of the departments with sub-departments: the "parent" filter's options.
    parent_options: list[tuple[str, str]]
    # The months of each row's "trend" (value at stake owned, the sparkline).
    trend_months: list[Period]


def _own_row(department, depth, figures) -> dict:
    metrics = figures["metrics"].get(department.pk)
    plans = figures["plans"].get(department.pk, {})
    decisions = figures["decisions"].get(department.pk, {})
    feedback = figures["feedback"].get(department.pk, {})
    bonus = figures["bonus"].get(department.pk, {})
    now = metrics["now"] if metrics else None
    before = metrics["before"] if metrics else None
    row = {
        "department": department,
        "code": department.code,
        "name": department.name,
        "depth": depth,
        "has_children": False,
        "value_at_stake": now["value_at_stake"] if now else None,
        "value_at_stake_before": before["value_at_stake"] if before else None,
        "red_before": before["status"]["red"] if before else 0,
        "plans_active": plans.get("active", 0),
        "plans_at_risk": plans.get("at_risk", 0),
        "plans_blocked": plans.get("blocked", 0),
        "plans_overdue": plans.get("overdue", 0),
        "milestones_overdue": plans.get("milestones_overdue", 0),
        "progress_sum": plans.get("progress_sum", 0.0),
        "progress_count": plans.get("progress_count", 0),
        "decisions_open": decisions.get("open", 0),
        "decisions_overdue": decisions.get("overdue", 0),
        "feedback_to_ack": feedback.get("to_ack", 0),
        "feedback_ack_overdue": feedback.get("ack_overdue", 0),
        "median_ack_hours": feedback.get("median_ack_hours"),
        "attainment_sum": bonus.get("attainment_sum", 0.0),
        "attainment_count": bonus.get("attainment_count", 0),
    }
    for status in STATUSES:
        row[status] = now["status"][status] if now else 0
    return row


def _add_money(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _finish(row: dict) -> None:
    """The derived columns: changes since the previous period and the averages."""
    now, before = row["value_at_stake"], row["value_at_stake_before"]
    row["value_at_stake_change"] = None if now is None or before is None else now - before
    row["red_change"] = row["red"] - row["red_before"]
    row["plans_progress"] = row["progress_sum"] / row["progress_count"] if row["progress_count"] else None
    row["sparkline"] = sparkline(row["trend"])
    row["bonus_attainment"] = (
        row["attainment_sum"] / row["attainment_count"] if row["attainment_count"] else None
    )


def scoreboard(user, period: Period, *, parent: str | None = None) -> Scoreboard:
    """Rows in tree order (parent first, sub-departments after it, deeper)."""
    show_bonus = permissions.can_see_bonus_attainment(user)
    bonus_plans, bonus = incentive_selectors.department_attainment(user, period) if show_bonus else ([], {})
    figures = {
        "metrics": metric_selectors.department_metric_figures(period),
        "plans": action_selectors.department_figures(),
        "decisions": committee_selectors.department_decision_figures(),
        "feedback": feedback_selectors.department_feedback_figures(period),
        "bonus": bonus,
    }
    trend_months, trends = metric_selectors.department_value_trend(trend_end(period))
    tree = department_tree()
    rows = [_own_row(department, depth, figures) for department, depth in tree]
    for row in rows:
        row["trend"] = list(trends.get(row["department"].pk, [None] * len(trend_months)))
    by_pk = {row["department"].pk: row for row in rows}
    # Sub-departments come after their parent in tree order: add each row's own figures
    # to every ancestor's, deepest first, so each parent ends with its subtree's totals.
    own = {pk: dict(row) for pk, row in by_pk.items()}
    for row in rows:
        ancestor_id = row["department"].parent_id
        while ancestor_id in by_pk:
            ancestor = by_pk[ancestor_id]
            ancestor["has_children"] = True
            mine = own[row["department"].pk]
            for key in ADDITIVE:
                ancestor[key] += mine[key]
            for key in MONEY:
                ancestor[key] = _add_money(ancestor[key], mine[key])
            ancestor["trend"] = [
                _add_money(a, b) for a, b in zip(ancestor["trend"], mine["trend"], strict=True)
            ]
            ancestor_id = ancestor["department"].parent_id
    for row in rows:
        _finish(row)
    parent_options = [(row["code"], row["name"]) for row in rows if row["has_children"]]
    if parent:
        keep = _subtree(rows, parent)
        rows = [row for row in rows if row["department"].pk in keep]
    return Scoreboard(
        period=period,
        previous=period.previous(),
        rows=rows,
        show_bonus=show_bonus,
        bonus_plans=bonus_plans,
        parent_options=parent_options,
        trend_months=trend_months,
    )


def trend_end(period: Period) -> Period:
    """The last month of the sparkline: the period's last month, or the last closed month
    when the period is not over."""
    closed = last_closed_month()
    last = Period.containing("month", period.end)
    return closed if last.start > closed.start else last


def sparkline(values: list, width: int = 96, height: int = 24) -> str:
    """SVG polyline points for the values (missing months are skipped); empty when fewer
    than two months have a value."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(v for _i, v in known), max(v for _i, v in known)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in known)


def _subtree(rows: list[dict], code: str) -> set[int]:
    children: dict = {}
    start = None
    for row in rows:
        children.setdefault(row["department"].parent_id, []).append(row["department"].pk)
        if row["code"] == code:
            start = row["department"].pk
    if start is None:
        return set()
    keep, stack = set(), [start]
    while stack:
        pk = stack.pop()
        keep.add(pk)
        stack.extend(children.get(pk, []))
    return keep
