"""The generated agenda and the figures frozen at close (DESIGN §3 committees).

The agenda looks at the last closed month before the review (a review on 23 November
discusses October): metrics in the committee's scope that are red, or amber and neither
amber nor red the month before; plans in scope that are at risk, blocked or overdue;
open decisions of earlier reviews. Ordered by money at stake."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.actions.models import ActionPlan
from apps.actions.selectors import plans_annotated
from apps.metrics.engine.periods import Period
from apps.metrics.models import Metric, RollupSnapshot

from .models import AgendaItem, Committee, Decision, Review


def agenda_period(review: Review) -> Period:
    day = min(review.scheduled_for, timezone.localdate())
    return Period.containing("month", day).previous()


def scope_metric_ids(committee: Committee) -> set[int]:
    direct = set(committee.scope_metrics.values_list("pk", flat=True))
    owned = set(
        Metric.objects.filter(
            archived=False, owner_department__in=committee.scope_departments.all()
        ).values_list("pk", flat=True)
    )
    return direct | owned


def _org_snapshots(metric_ids, period: Period) -> dict[int, RollupSnapshot]:
    return {
        s.metric_id: s
        for s in RollupSnapshot.objects.filter(
            metric_id__in=metric_ids, period_kind=period.kind, period_start=period.start, scope_kind="org"
        ).select_related("metric")
    }


def generate(review: Review) -> list[AgendaItem]:
    committee = review.committee
    period = agenda_period(review)
    metric_ids = scope_metric_ids(committee)
    now = _org_snapshots(metric_ids, period)
    before = _org_snapshots(metric_ids, period.previous())
    proposals: list[tuple[float, AgendaItem]] = []
    for metric_id, snap in now.items():
        was = before.get(metric_id)
        was_bad = was is not None and was.status in ("amber", "red")
        if snap.status == "red" or (snap.status == "amber" and not was_bad):
            reason = (_("red in %(p)s") if snap.status == "red" else _("turned amber in %(p)s")) % {
                "p": period
            }
            proposals.append(
                (
                    snap.value_at_stake or 0.0,
                    AgendaItem(
                        review=review,
                        kind=AgendaItem.Kind.METRIC,
                        metric=snap.metric,
                        title=snap.metric.name,
                        value_at_stake=snap.value_at_stake,
                        reason=reason,
                    ),
                )
            )
    today = timezone.localdate()
    plans = (
        plans_annotated()
        .filter(
            Q(sponsoring_committee=committee)
            | Q(owner_department__in=committee.scope_departments.all())
            | Q(impacts__metric_id__in=metric_ids)
        )
        .filter(
            Q(status__in=[ActionPlan.Status.AT_RISK, ActionPlan.Status.BLOCKED])
            | (Q(due__lt=today) & ~Q(status__in=ActionPlan.CLOSED))
        )
        .distinct()
    )
    for plan in plans:
        reason = _("overdue") if plan.overdue_flag else plan.get_status_display()
        proposals.append(
            (
                0.0,
                AgendaItem(
                    review=review,
                    kind=AgendaItem.Kind.ACTION_PLAN,
                    plan=plan,
                    title=plan.title,
                    reason=reason,
                ),
            )
        )
    follow_ups = (
        Decision.objects.filter(item__review__committee=committee, status=Decision.Status.OPEN)
        .exclude(item__review=review)
        .select_related("item__metric", "item__plan")
        .order_by("due", "pk")
    )
    # One item per subject, every open decision listed under it (live_figures): follow-ups
    # on a metric or plan already on the agenda join that item instead of repeating it.
    on_agenda = {_subject(item) for _money, item in proposals}
    by_subject: dict[tuple, list[Decision]] = {}
    for decision in follow_ups:
        by_subject.setdefault(_subject(decision.item), []).append(decision)
    for subject, decisions in by_subject.items():
        if subject in on_agenda:
            continue
        first = decisions[0]
        money = (now[first.item.metric_id].value_at_stake or 0.0) if first.item.metric_id in now else 0.0
        if len(decisions) == 1:
            title = _("Follow-up: %(text)s") % {"text": first.text[:200]}
            reason = _("due %(due)s") % {"due": first.due} if first.due else _("open")
        else:
            title = _("Follow-up: %(text)s") % {"text": first.item.title[:200]}
            reason = ngettext("%(n)s open decision", "%(n)s open decisions", len(decisions)) % {
                "n": len(decisions)
            }
        proposals.append(
            (
                money,
                AgendaItem(
                    review=review,
                    kind=AgendaItem.Kind.FOLLOW_UP,
                    follow_up=first,
                    metric=first.item.metric,
                    plan=first.item.plan,
                    title=title,
                    reason=reason,
                    value_at_stake=money,
                ),
            )
        )
    proposals.sort(key=lambda pair: (-pair[0], pair[1].kind, pair[1].title))
    items = []
    for order, (_money, item) in enumerate(proposals, start=1):
        item.order = order
        items.append(item)
    return AgendaItem.objects.bulk_create(items)


def _subject(item: AgendaItem) -> tuple:
    """What an agenda item is about: its metric, else its plan, else its title."""
    if item.metric_id:
        return ("metric", item.metric_id)
    if item.plan_id:
        return ("plan", item.plan_id)
    return ("title", item.title)


def _open_decisions(items) -> dict[tuple, list[dict]]:
    """The open decisions of earlier reviews of these items' committee, by subject."""
    if not items:
        return {}
    review = items[0].review
    found: dict[tuple, list[dict]] = {}
    for decision in (
        Decision.objects.filter(item__review__committee_id=review.committee_id, status=Decision.Status.OPEN)
        .exclude(item__review=review)
        .select_related("item", "owner")
        .order_by("due", "pk")
    ):
        found.setdefault(_subject(decision.item), []).append(
            {
                "text": decision.text,
                "owner": str(decision.owner) if decision.owner else None,
                "due": decision.due.isoformat() if decision.due else None,
                "overdue": decision.is_overdue,
                "review": decision.item.review_id,
            }
        )
    return found


def live_figures(items, period: Period) -> dict[int, dict]:
    """The numbers shown beside each item during the meeting (a fixed number of queries)."""
    metric_ids = {i.metric_id for i in items if i.metric_id}
    snaps = _org_snapshots(metric_ids, period)
    plan_ids = {i.plan_id for i in items if i.plan_id}
    plans = {p.pk: p for p in plans_annotated().filter(pk__in=plan_ids)}
    decisions = _open_decisions(items)
    figures = {}
    for item in items:
        figure: dict = {"period": str(period)}
        subject = _subject(item.follow_up.item) if item.follow_up_id else _subject(item)
        if decisions.get(subject):
            figure["open_decisions"] = decisions[subject]
        snap = snaps.get(item.metric_id) if item.metric_id else None
        if snap is not None:
            figure.update(
                metric=snap.metric.code,
                unit=snap.metric.unit,
                actual=snap.actual,
                target=snap.target,
                status=snap.status,
                value_at_stake=snap.value_at_stake,
                score=snap.score,
            )
        plan = plans.get(item.plan_id) if item.plan_id else None
        if plan is not None:
            figure.update(
                plan_status=plan.status,  # a code: shown in the reader's language
                plan_due=plan.due.isoformat() if plan.due else None,
                plan_progress=plan.progress,
                plan_overdue=plan.overdue_flag,
            )
        if item.follow_up_id:
            figure.update(follow_up_status=item.follow_up.status)  # a code: shown in the reader's language
        figures[item.pk] = figure
    return figures


def item_figures(review: Review) -> list[tuple[AgendaItem, dict]]:
    """Each agenda item with its numbers: frozen at close once the review is closed, live
    before (the workspace and a draft of the minutes)."""
    items = list(review.items.select_related("follow_up__item"))
    if review.is_closed:
        return [(item, item.figures or {}) for item in items]
    live = live_figures(items, agenda_period(review))
    return [(item, live.get(item.pk, {})) for item in items]


def freeze(review: Review) -> None:
    """Store each item's figures on the item: the minutes never recompute them."""
    items = list(review.items.select_related("follow_up__item"))
    figures = live_figures(items, agenda_period(review))
    for item in items:
        AgendaItem.objects.filter(pk=item.pk).update(figures=figures[item.pk])
