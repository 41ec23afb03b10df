"""Every change to committees, reviews, agenda, notes, decisions and target proposals."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.actions import services as plan_services
from apps.actions.models import ActionPlan
from apps.core import history, roles
from apps.core.errors import StaleEdit
from apps.core.services import versioned_update
from apps.core.text import CONTROL
from apps.metrics import services as metric_services
from apps.metrics.models import Target
from apps.notifications.services import notify
from apps.organization.models import User

from . import agenda
from .models import AgendaItem, Committee, Decision, Review, ReviewNote, TargetChangeProposal


class ReviewClosed(ValidationError):
    def __init__(self):
        super().__init__(_("This review is closed: its agenda, notes and decisions can no longer change."))


def _open_review(review: Review) -> Review:
    fresh = Review.objects.select_for_update().get(pk=review.pk)
    if fresh.is_closed:
        raise ReviewClosed()
    return fresh


# --- committees ------------------------------------------------------------------------------


def _validate_committee(fields: dict) -> None:
    errors = {}
    if "name" in fields and not str(fields["name"] or "").strip():
        errors["name"] = [_("A committee needs a name.")]
    if "chair" in fields and fields["chair"] is None:
        errors["chair"] = [_("A committee needs a chair.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def committee_create(
    *,
    by,
    name: str,
    chair,
    kind=Committee.Kind.WORKING_GROUP,
    charter: str = "",
    secretary=None,
    cadence=Committee.Cadence.MONTHLY,
    members=(),
    scope_metrics=(),
    scope_departments=(),
) -> Committee:
    _validate_committee({"name": name, "chair": chair})
    committee = Committee.objects.create(
        name=name.strip(), chair=chair, kind=kind, charter=charter, secretary=secretary, cadence=cadence
    )
    committee.members.set(members)
    committee.scope_metrics.set(scope_metrics)
    committee.scope_departments.set(scope_departments)
    history.record(committee, by=by)
    return committee


def committee_update(
    *,
    committee: Committee,
    by,
    version: int,
    members=None,
    scope_metrics=None,
    scope_departments=None,
    **changes,
) -> Committee:
    _validate_committee(changes)
    m2m = {
        k: v
        for k, v in (
            ("members", members),
            ("scope_metrics", scope_metrics),
            ("scope_departments", scope_departments),
        )
        if v is not None
    }
    return versioned_update(committee, by=by, version=version, changes=changes, m2m=m2m)


NEXT_BY_CADENCE = {"weekly": 7, "biweekly": 14}


def next_review_date(cadence: str, after: date) -> date:
    if cadence in NEXT_BY_CADENCE:
        return after + timedelta(days=NEXT_BY_CADENCE[cadence])
    months = 3 if cadence == "quarterly" else 1
    month = after.month - 1 + months
    year = after.year + month // 12
    month = month % 12 + 1
    day = min(after.day, 28)
    return date(year, month, day)


@transaction.atomic
def review_schedule(*, committee: Committee, by, scheduled_for: date) -> Review:
    review = Review.objects.create(committee=committee, scheduled_for=scheduled_for)
    history.record(review, by=by)
    return review


# --- running a review ------------------------------------------------------------------------


@transaction.atomic
def review_open(*, review: Review, by) -> Review:
    """Start the session; the first opening proposes an agenda from the data."""
    fresh = _open_review(review)
    if fresh.status == Review.Status.SCHEDULED:
        Review.objects.filter(pk=review.pk).update(
            status=Review.Status.IN_SESSION, opened_at=timezone.now(), version=F("version") + 1
        )
    if not fresh.items.exists():
        agenda.generate(fresh)
    return Review.objects.get(pk=review.pk)


@transaction.atomic
def agenda_add_free(*, review: Review, by, title: str) -> AgendaItem:
    return agenda_add_item(review=review, by=by, kind=AgendaItem.Kind.FREE, title=title)


@transaction.atomic
def agenda_add_item(*, review: Review, by, kind: str, title: str, reason: str = "") -> AgendaItem:
    """Append an item at the end of an open review's agenda (free items, and subjects other
    apps bring, such as a feedback theme: they link to the item, committees know nothing of them)."""
    _open_review(review)
    if not title.strip():
        raise ValidationError({"title": [_("Give the item a title.")]})
    if CONTROL.search(title.strip()):
        raise ValidationError(
            {"title": [_("Use a single line: no line breaks, tabs or other control characters.")]}
        )
    last = review.items.aggregate(m=Max("order"))["m"] or 0
    return AgendaItem.objects.create(
        review=review, kind=kind, title=title.strip()[:240], reason=reason[:240], order=last + 1
    )


@transaction.atomic
def agenda_remove(*, item: AgendaItem, by) -> None:
    _open_review(item.review)
    if item.decisions.exists() or item.notes.exists():
        raise ValidationError(_("This item has notes or decisions; it stays on the agenda."))
    item.delete()


@transaction.atomic
def agenda_move(*, item: AgendaItem, by, direction: str) -> None:
    """Swap the item with its neighbour above (`up`) or below (`down`)."""
    review = _open_review(item.review)
    items = list(review.items.order_by("order", "pk"))
    index = next(i for i, x in enumerate(items) if x.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, x in enumerate(items, start=1):
        if x.order != position:
            AgendaItem.objects.filter(pk=x.pk).update(order=position)


@transaction.atomic
def attendance_set(*, review: Review, by, attendees) -> None:
    fresh = _open_review(review)
    fresh.attendees.set(attendees)


@transaction.atomic
def note_add(*, item: AgendaItem, by, text: str) -> ReviewNote:
    """Append a note: never an update of another's text, so concurrent note-takers both win."""
    _open_review(item.review)
    if not text.strip():
        raise ValidationError({"text": [_("Write the note first.")]})
    return ReviewNote.objects.create(item=item, author=by, text=text.strip()[:10000])


@transaction.atomic
def decision_create(
    *,
    item: AgendaItem,
    by,
    kind: str,
    text: str,
    owner=None,
    owner_department=None,
    due=None,
    target_value=None,
    target_valid_from=None,
    target_baseline=None,
) -> Decision:
    review = _open_review(item.review)
    errors = {}
    if kind not in Decision.Kind.values:
        errors["kind"] = [_("Unknown kind of decision.")]
    if not text.strip():
        errors["text"] = [_("Write down what was decided.")]
    if kind == Decision.Kind.CREATE_ACTION_PLAN and owner_department is None:
        errors["owner_department"] = [_("Say which department will own the plan.")]
    if kind == Decision.Kind.CHANGE_TARGET:
        if item.metric_id is None:
            errors["kind"] = [_("A target change needs a metric item.")]
        if target_value is None or target_valid_from is None:
            errors["target_value"] = [_("Give the proposed target and the date it applies from.")]
    if errors:
        raise ValidationError(errors)
    if owner_department is None and owner is not None:
        owner_department = owner.primary_department
    decision = Decision.objects.create(
        item=item, kind=kind, text=text.strip(), owner=owner, owner_department=owner_department, due=due
    )
    if kind == Decision.Kind.CREATE_ACTION_PLAN:
        # A draft for the owner department, which its head completes and activates (DESIGN §6).
        plan = plan_services.plan_create(
            by=by,
            title=text.strip()[:200],
            owner_department=owner_department,
            owner=owner,
            problem_statement=_("From %(review)s, item “%(item)s”.") % {"review": review, "item": item.title},
            status=ActionPlan.Status.DRAFT,
            due=due,
            sponsoring_committee=review.committee,
        )
        if item.metric_id:
            plan_services.impact_set(plan=plan, by=by, metric=item.metric, expected_change=0)
        Decision.objects.filter(pk=decision.pk).update(linked_plan=plan)
    elif kind == Decision.Kind.CHANGE_TARGET:
        proposal = TargetChangeProposal.objects.create(
            metric=item.metric,
            valid_from=target_valid_from,
            value=target_value,
            baseline=target_baseline,
            proposed_by=by,
            note=text.strip()[:500],
        )
        Decision.objects.filter(pk=decision.pk).update(proposal=proposal)
        for leader in User.objects.filter(role_grants__role=roles.CX_LEADER, is_active=True).distinct():
            notify(
                recipient=leader,
                kind="target_proposal",
                subject=lambda: _("Target change proposed for %(code)s") % {"code": item.metric.code},
                body=lambda: text.strip(),
                url=reverse("committees:proposal-detail", args=[proposal.pk]),
            )
    if owner is not None and owner.pk != getattr(by, "pk", None):
        notify(
            recipient=owner,
            kind="decision_owner",
            subject=lambda: _("A decision of %(committee)s is yours") % {"committee": review.committee},
            body=lambda: text.strip(),
            url=reverse("committees:review-detail", args=[review.pk]),
        )
    decision.refresh_from_db()
    history.record(decision, by=by)
    return decision


@transaction.atomic
def decision_update(*, decision: Decision, by, version: int, **changes) -> Decision:
    """Edit a decision's text, owner or due date — only while its review is open."""
    _open_review(decision.item.review)
    return versioned_update(decision, by=by, version=version, changes=changes)


def decision_set_status(*, decision: Decision, by, version: int, status: str) -> Decision:
    """Status and done date stay editable by the owner after close."""
    if status not in Decision.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    done_at = timezone.now() if status == Decision.Status.DONE else None
    return versioned_update(decision, by=by, version=version, changes={"status": status, "done_at": done_at})


# --- target proposals ------------------------------------------------------------------------


@transaction.atomic
def proposal_confirm(*, proposal: TargetChangeProposal, by, version: int) -> TargetChangeProposal:
    """Apply the proposed target through the metric service (history and roll-up follow):
    the target in force for that scope ends the day before, the new one starts."""
    fresh = TargetChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if fresh.version != version:
        raise StaleEdit(proposal, fresh.version)
    if fresh.status != TargetChangeProposal.Status.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    current = (
        Target.objects.filter(
            metric=fresh.metric,
            department=fresh.department,
            channel__isnull=True,
            valid_from__lt=fresh.valid_from,
        )
        .filter(valid_to__isnull=True)
        .first()
    )
    if current is None:
        current = Target.objects.filter(
            metric=fresh.metric,
            department=fresh.department,
            channel__isnull=True,
            valid_from__lt=fresh.valid_from,
            valid_to__gte=fresh.valid_from,
        ).first()
    if current is not None:
        metric_services.target_update(
            target=current, by=by, version=current.version, valid_to=fresh.valid_from - timedelta(days=1)
        )
    target = metric_services.target_create(
        by=by,
        metric=fresh.metric,
        valid_from=fresh.valid_from,
        valid_to=fresh.valid_to,
        department=fresh.department,
        value=fresh.value,
        baseline=fresh.baseline,
        amber_threshold=fresh.amber_threshold,
    )
    return versioned_update(
        fresh,
        by=by,
        version=fresh.version,
        changes={
            "status": TargetChangeProposal.Status.CONFIRMED,
            "decided_by": by,
            "decided_at": timezone.now(),
            "applied_target": target,
        },
    )


def proposal_reject(
    *, proposal: TargetChangeProposal, by, version: int, note: str = ""
) -> TargetChangeProposal:
    if proposal.status != TargetChangeProposal.Status.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    return versioned_update(
        proposal,
        by=by,
        version=version,
        changes={
            "status": TargetChangeProposal.Status.REJECTED,
            "decided_by": by,
            "decided_at": timezone.now(),
            "note": note[:500] or proposal.note,
        },
    )


# --- closing ---------------------------------------------------------------------------------


@transaction.atomic
def review_close(*, review: Review, by) -> Review:
    """Freeze each item's figures, lock the review, schedule the next one, mail the minutes."""
    fresh = _open_review(review)
    agenda.freeze(fresh)
    closed = (
        Review.objects.filter(pk=review.pk)
        .exclude(status=Review.Status.CLOSED)
        .update(status=Review.Status.CLOSED, closed_at=timezone.now(), closed_by=by, version=F("version") + 1)
    )
    if not closed:
        raise ReviewClosed()
    committee = fresh.committee
    after = max(fresh.scheduled_for, timezone.localdate())
    if not committee.reviews.filter(
        status=Review.Status.SCHEDULED, scheduled_for__gt=fresh.scheduled_for
    ).exists():
        review_schedule(committee=committee, by=by, scheduled_for=next_review_date(committee.cadence, after))
    url = reverse("committees:minutes", args=[review.pk])
    recipients = {committee.chair, committee.secretary, *committee.members.all()}
    for person in recipients:
        if person is not None:
            notify(
                recipient=person,
                kind="minutes",
                subject=lambda: _("Minutes of %(review)s") % {"review": fresh},
                body=lambda: _("The review is closed. The minutes and the PDF are here:"),
                url=url,
                dedupe_key=f"minutes:{review.pk}:{person.pk}",
            )
    history.record_many(Review, {review.pk: {"status": (fresh.get_status_display(), _("closed"))}}, by=by)
    return Review.objects.get(pk=review.pk)
