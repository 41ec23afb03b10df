"""A plan's payouts from the snapshots (DESIGN §3 incentives, §4 items 3 and 12).

This module gathers plain values — the component's metric at the plan's period and scope
(organisation, or the participant's department on the plan) from `RollupSnapshot`, the
curve points, the participant's dates — and hands them to the engine's payout arithmetic
(`apps.metrics.engine.incentives`). Nothing here recomputes what the engine computes.

A plan whose period has not ended is provisional ("to date"). For a `sum` metric the
to-date actual is compared with threshold, target and maximum pro-rated like targets
(§4 item 3: the share of the period's days up to the end of the latest frequency period
that has data), so a year's plan does not read 0 % every month until December.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max

from apps.metrics.engine import incentives as engine
from apps.metrics.engine.targets import prorate_share
from apps.metrics.models import Measurement, RollupSnapshot

from .models import IncentivePlan, Participant, PlanComponent


@dataclass
class ComponentFigure:
    component: PlanComponent
    actual: float | None
    threshold: float
    target: float
    maximum: float
    payout_percent: float
    weight: float
    # The share the curve points were pro-rated by (1 unless a `sum` metric to date).
    prorated: float = 1.0
    what_if: bool = False

    @property
    def no_actual(self) -> bool:
        return self.actual is None

    @property
    def contribution(self) -> float:
        return self.weight * self.payout_percent


@dataclass
class ParticipantFigure:
    participant: Participant
    components: list[ComponentFigure] = field(default_factory=list)
    attainment: float | None = None
    participation: float = 1.0
    cx_bonus: float = 0.0
    provisional: bool = False

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.components)


def component_def(component: PlanComponent, *, share: float = 1.0) -> engine.ComponentDef:
    return engine.ComponentDef(
        metric=component.metric.code,
        direction=component.metric.direction,
        weight=component.weight,
        threshold=component.threshold * share,
        target=component.target * share,
        maximum=component.maximum * share,
        threshold_percent=component.threshold_percent,
        target_percent=component.target_percent,
        maximum_percent=component.maximum_percent,
    )


def is_provisional(plan: IncentivePlan, today: date) -> bool:
    return today <= plan.period_obj.end


def _scope_key(component: PlanComponent, participant: Participant) -> tuple[str, int]:
    if component.scope == PlanComponent.Scope.DEPARTMENT:
        return ("dept", participant.department_id or -1)
    return ("org", 0)


class _Inputs:
    """The snapshots and latest data dates a plan needs, read in two queries."""

    def __init__(self, plan: IncentivePlan, components, participants, today: date):
        self.period = plan.period_obj
        self.today = today
        metric_ids = {c.metric_id for c in components}
        dept_ids = {p.department_id for p in participants if p.department_id}
        snaps = RollupSnapshot.objects.filter(
            metric_id__in=metric_ids, period_kind=self.period.kind, period_start=self.period.start
        ).filter(scope_kind__in=("org", "dept"))
        self.actuals = {
            (metric_id, kind, scope_id): actual
            for metric_id, kind, scope_id, actual in snaps.values_list(
                "metric_id", "scope_kind", "scope_id", "actual"
            )
            if kind == "org" or scope_id in dept_ids
        }
        self.latest: dict[tuple[int, str, int], date] = {}
        sum_ids = {c.metric_id for c in components if c.metric.aggregation == "sum"}
        if sum_ids and self.period.contains(today):
            rows = (
                Measurement.objects.filter(
                    metric_id__in=sum_ids,
                    period_start__gte=self.period.start,
                    period_start__lte=self.period.end,
                )
                .values_list("metric_id", "department_id")
                .annotate(latest=Max("period_start"))
            )
            for metric_id, dept_id, latest in rows:
                org_key = (metric_id, "org", 0)
                self.latest[org_key] = max(latest, self.latest.get(org_key, latest))
                if dept_id is not None:
                    self.latest[(metric_id, "dept", dept_id)] = latest

    def actual(self, component: PlanComponent, participant: Participant) -> float | None:
        return self.actuals.get((component.metric_id, *_scope_key(component, participant)))

    def share(self, component: PlanComponent, participant: Participant) -> float:
        """§4 item 3 pro-rating of a `sum` metric's curve in the period containing today."""
        metric = component.metric
        if metric.aggregation != "sum" or not self.period.contains(self.today):
            return 1.0
        latest = self.latest.get((component.metric_id, *_scope_key(component, participant)))
        return prorate_share(self.period, metric.frequency, latest)


def figures_for(
    plan: IncentivePlan,
    *,
    today: date,
    components: list[PlanComponent] | None = None,
    participants: list[Participant] | None = None,
    overrides: dict[int, float | None] | None = None,
) -> list[ParticipantFigure]:
    """Every participant's payout figures at `today`. `overrides` maps a component id to
    an actual to use instead of the snapshot's (the scorecard's what-if; nothing saved)."""
    if components is None:
        components = list(plan.components.select_related("metric").order_by("pk"))
    if participants is None:
        participants = list(plan.participants.select_related("person", "department").order_by("pk"))
    inputs = _Inputs(plan, components, participants, today)
    period = plan.period_obj
    provisional = is_provisional(plan, today)
    out = []
    for participant in participants:
        figure = ParticipantFigure(participant=participant, provisional=provisional)
        for component in components:
            share = inputs.share(component, participant)
            actual = inputs.actual(component, participant)
            what_if = overrides is not None and component.pk in overrides
            if what_if:
                actual = overrides[component.pk]
            definition = component_def(component, share=share)
            figure.components.append(
                ComponentFigure(
                    component=component,
                    actual=actual,
                    threshold=definition.threshold,
                    target=definition.target,
                    maximum=definition.maximum,
                    payout_percent=engine.payout_percent(actual, definition),
                    weight=component.weight,
                    prorated=share,
                    what_if=what_if,
                )
            )
        figure.attainment = engine.plan_attainment((c.weight, c.payout_percent) for c in figure.components)
        figure.participation = engine.participation_share(
            period.start, period.end, participant.from_date, participant.to_date
        )
        figure.cx_bonus = engine.participant_bonus(
            participant.target_bonus * figure.participation, participant.cx_share, figure.attainment
        )
        out.append(figure)
    return out


def curve_points(component: PlanComponent) -> list[tuple[float, float]]:
    """Points to draw a component's payout curve: flat 0 below the threshold, the step at
    it, the two linear segments and the cap — each payout from the engine."""
    definition = component_def(component)
    s = definition.sign
    low, mid, high = definition.threshold, definition.target, definition.maximum
    span = abs(high - low) or 1.0
    before = low - s * span * 0.25
    after = high + s * span * 0.25
    xs = [before, low, mid, high, after]
    points = [(x, engine.payout_percent(x, definition)) for x in xs]
    # Just below the threshold the payout is 0: draw the step.
    points.insert(1, (low - s * span * 1e-9, 0.0))
    return points
