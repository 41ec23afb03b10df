"""Every change to feedback goes through here (STYLE "one door"): routing (by rule and by
hand), acknowledgements and declines, handled, close and reopen, duplicates, telling the
affected customers, routing rules, themes on a committee's agenda. Each writes history,
notifies through the outbox, and queues the closed-loop KPIs on commit."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.actions import services as plan_services
from apps.actions.models import ActionPlan
from apps.core import history, roles
from apps.core.services import versioned_update
from apps.notifications.services import notify
from apps.organization.models import Department, User

from .models import Acknowledgement, FeedbackItem, Routing, RoutingRule, ThemeAgenda, ack_hours

Status = FeedbackItem.Status
Reason = FeedbackItem.ClosureReason


# --- helpers ---------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: 'Señal' and 'senal' match."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _heads_by_department(department_ids) -> dict[int, list[User]]:
    heads: dict[int, list[User]] = defaultdict(list)
    users = (
        User.objects.filter(
            is_active=True,
            role_grants__role=roles.DEPARTMENT_HEAD,
            role_grants__department_id__in=list(department_ids),
        )
        .distinct()
        .prefetch_related("role_grants")
    )
    for user in users:
        for grant in user.role_grants.all():
            if grant.role == roles.DEPARTMENT_HEAD and grant.department_id in department_ids:
                heads[grant.department_id].append(user)
    return heads


def cx_leaders() -> list[User]:
    return list(User.objects.filter(is_active=True, role_grants__role=roles.CX_LEADER).distinct())


def _item_url(item) -> str:
    return reverse("feedback:item-detail", args=[item.pk if hasattr(item, "pk") else item])


def _queue_kpis(items) -> None:
    from . import kpis

    kpis.queue_refresh({timezone.localtime(i.received_at).date().replace(day=1) for i in items})


def _write(item: FeedbackItem, *, by, changes: dict, note: str = "") -> FeedbackItem:
    """Change an item (version bumped in the same UPDATE) and record it."""
    before = history.capture(item)
    FeedbackItem.objects.filter(pk=item.pk).update(version=F("version") + 1, **changes)
    item.refresh_from_db()
    history.record(item, by=by, before=before, note=note)
    return item


def status_for(item: FeedbackItem) -> str:
    """DESIGN §3: routed once it has departments; acknowledged when every routed department
    acknowledged; actioned when an acknowledgement links a plan or the CX leader marked it
    handled; closed with a closure reason."""
    if item.closure_reason:
        return Status.CLOSED
    active = list(Routing.objects.filter(item=item, ended_at__isnull=True).select_related("acknowledgement"))
    acks = [r.acknowledgement for r in active if hasattr(r, "acknowledgement")]
    if item.handled_at is not None or any(a.plan_id for a in acks):
        return Status.ACTIONED
    if not active:
        return Status.NEW
    if len(acks) == len(active):
        return Status.ACKNOWLEDGED
    return Status.ROUTED


def _refresh_status(item: FeedbackItem, *, by, note: str = "") -> FeedbackItem:
    item.refresh_from_db()
    new = status_for(item)
    if new != item.status:
        return _write(item, by=by, changes={"status": new}, note=note)
    if note:
        history.record(item, by=by, before=history.capture(item), note=note)
    return item


# --- routing ---------------------------------------------------------------------------------


def rule_matches(rule: RoutingRule, item: FeedbackItem, folded_text: str) -> bool:
    if not (rule.topic or rule.channel_id or rule.keyword):
        return False
    if rule.topic and rule.topic != item.topic:
        return False
    if rule.channel_id and rule.channel_id != item.channel_id:
        return False
    if rule.keyword:
        import re

        pattern = r"(?<!\w)" + re.escape(fold(rule.keyword.strip())) + r"(?!\w)"
        if not re.search(pattern, folded_text):
            return False
    return True


def _add_routings(items_departments: dict[FeedbackItem, dict[int, RoutingRule | None]], *, by) -> dict:
    """Create the routings; returns {department_id: [item, ...]} of what was added."""
    now = timezone.now()
    due = now + timedelta(hours=ack_hours())
    active = set(
        Routing.objects.filter(item__in=list(items_departments), ended_at__isnull=True).values_list(
            "item_id", "department_id"
        )
    )
    added: dict[int, list[FeedbackItem]] = defaultdict(list)
    rows = []
    for item, departments in items_departments.items():
        for dept_id, rule in departments.items():
            if (item.pk, dept_id) in active:
                continue
            rows.append(
                Routing(
                    item=item,
                    department_id=dept_id,
                    routed_at=now,
                    routed_by=by if getattr(by, "pk", None) else None,
                    rule=rule,
                    due_at=due,
                )
            )
            added[dept_id].append(item)
    Routing.objects.bulk_create(rows)
    return added


def _tell_heads(added: dict[int, list[FeedbackItem]], *, by) -> None:
    """One notification per head for the whole batch, not one per item."""
    heads = _heads_by_department(set(added))
    names = dict(Department.objects.filter(pk__in=list(added)).values_list("pk", "name"))
    per_head: dict[int, tuple[User, set[int], set[str]]] = {}
    for dept_id, items in added.items():
        for head in heads.get(dept_id, []):
            user, ids, departments = per_head.setdefault(head.pk, (head, set(), set()))
            ids.update(i.pk for i in items)
            departments.add(names[dept_id])
    for user, ids, departments in per_head.values():
        if by is not None and user.pk == getattr(by, "pk", None):
            continue
        first = min(ids)
        notify(
            recipient=user,
            kind="feedback_routed",
            subject=lambda ids=ids, departments=departments: (
                ngettext(
                    "%(n)s feedback item routed to %(departments)s",
                    "%(n)s feedback items routed to %(departments)s",
                    len(ids),
                )
                % {"n": len(ids), "departments": ", ".join(sorted(departments))}
            ),
            body=lambda: _("Acknowledge them within %(h)s hours.") % {"h": ack_hours()},
            url=_item_url(first) if len(ids) == 1 else reverse("feedback:inbox") + "?mine=1",
        )


def _tell_triage(items: list[FeedbackItem], *, by, subject: str) -> None:
    if not items:
        return
    for leader in cx_leaders():
        if by is not None and leader.pk == getattr(by, "pk", None):
            continue
        notify(
            recipient=leader,
            kind="feedback_triage",
            subject=subject,
            url=_item_url(items[0]) if len(items) == 1 else reverse("feedback:inbox") + "?triage=1",
        )


@transaction.atomic
def items_route_by_rules(*, item_ids) -> dict:
    """The routing job: apply the active rules to the items that were never routed; notify
    each head once and the CX leader once for what no rule routed. Running it twice routes
    (and notifies) nothing the second time."""
    items = list(
        FeedbackItem.objects.select_for_update()
        .filter(pk__in=list(item_ids), status=Status.NEW, needs_triage=True)
        .exclude(routings__isnull=False)
        .order_by("pk")
    )
    rules = list(RoutingRule.objects.filter(active=True).prefetch_related("departments"))
    wanted: dict[FeedbackItem, dict[int, RoutingRule]] = {}
    unrouted = []
    for item in items:
        folded = fold(item.text)
        departments: dict[int, RoutingRule] = {}
        for rule in rules:
            if rule_matches(rule, item, folded):
                for dept in rule.departments.all():
                    if not dept.archived:
                        departments.setdefault(dept.pk, rule)
        if departments:
            wanted[item] = departments
        else:
            unrouted.append(item)
    added = _add_routings(wanted, by=None)
    if wanted:
        FeedbackItem.objects.filter(pk__in=[i.pk for i in wanted]).update(
            needs_triage=False, status=Status.ROUTED, version=F("version") + 1
        )
        history.record_many(
            FeedbackItem,
            {
                i.pk: {
                    "status": (str(Status.NEW.label), str(Status.ROUTED.label)),
                    "routings": ("", ", ".join(sorted(_dept_codes(wanted[i])))),
                }
                for i in wanted
            },
            by=None,
        )
    _tell_heads(added, by=None)
    _tell_triage(
        unrouted,
        by=None,
        subject=lambda: _("%(n)s feedback item(s) need triage: no rule routed them") % {"n": len(unrouted)},
    )
    _queue_kpis(items)
    return {"routed": len(wanted), "triage": len(unrouted)}


def _dept_codes(dept_ids) -> list[str]:
    return list(Department.objects.filter(pk__in=list(dept_ids)).values_list("code", flat=True))


@transaction.atomic
def items_route(*, items, by, departments) -> int:
    """Route by hand (the CX leader's triage, one item or a bulk selection): add the
    departments not already routed; their heads are told once for the whole selection."""
    departments = [d for d in departments if not d.archived]
    if not departments:
        raise ValidationError({"departments": [_("Choose at least one department.")]})
    items = [i for i in items if not i.is_closed]
    if not items:
        raise ValidationError(_("Closed items cannot be routed; reopen them first."))
    added = _add_routings({i: dict.fromkeys(d.pk for d in departments) for i in items}, by=by)
    for item in items:
        item.refresh_from_db()
        codes = ", ".join(d.code for d in departments)
        before = history.capture(item)
        FeedbackItem.objects.filter(pk=item.pk).update(needs_triage=False, version=F("version") + 1)
        item.refresh_from_db()
        new_status = status_for(item)
        FeedbackItem.objects.filter(pk=item.pk).update(status=new_status)
        history.record(item, by=by, before=before, note=_("routed to %(d)s") % {"d": codes})
    _tell_heads(added, by=by)
    _queue_kpis(items)
    return sum(len(v) for v in added.values())


def item_route(*, item, by, departments) -> FeedbackItem:
    items_route(items=[item], by=by, departments=departments)
    item.refresh_from_db()
    return item


# --- the inner loop --------------------------------------------------------------------------


def _active_routing(item, department) -> Routing:
    routing = (
        Routing.objects.select_for_update()
        .filter(item=item, department=department, ended_at__isnull=True)
        .first()
    )
    if routing is None:
        raise ValidationError(_("This item is not routed to %(d)s.") % {"d": department})
    if Acknowledgement.objects.filter(routing=routing).exists():
        raise ValidationError(_("%(d)s has already answered this item.") % {"d": department})
    return routing


@transaction.atomic
def item_acknowledge(
    *, item: FeedbackItem, by, department, note: str = "", plan: ActionPlan | None = None, create_plan=False
) -> Acknowledgement:
    """A routed department acknowledges: a note, and an existing action plan linked or a
    draft created through the plan service, prefilled from the item."""
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    if item.is_closed:
        raise ValidationError(_("This item is closed; reopen it first."))
    routing = _active_routing(item, department)
    if create_plan and plan is None:
        plan = plan_services.plan_create(
            by=by,
            title=(_("Feedback: %(topic)s") % {"topic": item.topic or _("no topic")})[:200],
            owner_department=department,
            owner=by,
            problem_statement=_("From feedback #%(id)s: %(text)s")
            % {"id": item.pk, "text": item.text[:1500]},
            status=ActionPlan.Status.DRAFT,
        )
    ack = Acknowledgement.objects.create(
        routing=routing,
        item=item,
        department=department,
        person=by,
        note=(note or "").strip()[:5000],
        plan=plan,
    )
    note_text = _("acknowledged by %(d)s") % {"d": department.code}
    if plan is not None:
        note_text += " — " + _("plan “%(p)s”") % {"p": plan.title}
    _refresh_status(item, by=by, note=note_text)
    _queue_kpis([item])
    return ack


@transaction.atomic
def items_acknowledge(*, items, by, note: str = "") -> int:
    """Bulk acknowledge: for each selected item, every department `by` heads (the CX
    leader: every department) that is routed and has not answered."""
    count = 0
    headed = roles.headed_department_ids(by)
    for item in items:
        pending = Routing.objects.filter(item=item, ended_at__isnull=True, acknowledgement__isnull=True)
        if not roles.is_cx_leader(by):
            pending = pending.filter(department_id__in=headed)
        for routing in pending.select_related("department"):
            item_acknowledge(item=item, by=by, department=routing.department, note=note)
            count += 1
    return count


@transaction.atomic
def item_decline(*, item: FeedbackItem, by, department, reason: str) -> Acknowledgement:
    """Not ours: with a reason; the department is taken off and the item goes back to
    the CX leader's triage."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why your department declines this item.")]})
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    if item.is_closed:
        raise ValidationError(_("This item is closed; reopen it first."))
    routing = _active_routing(item, department)
    ack = Acknowledgement.objects.create(
        routing=routing,
        item=item,
        department=department,
        person=by,
        declined=True,
        decline_reason=reason.strip()[:2000],
    )
    Routing.objects.filter(pk=routing.pk).update(ended_at=timezone.now())
    FeedbackItem.objects.filter(pk=item.pk).update(needs_triage=True)
    _refresh_status(
        item, by=by, note=_("declined by %(d)s: %(r)s") % {"d": department.code, "r": reason[:150]}
    )
    _tell_triage(
        [item],
        by=by,
        subject=lambda: (
            _("%(d)s declined feedback #%(id)s: back to triage") % {"d": department.code, "id": item.pk}
        ),
    )
    _queue_kpis([item])
    return ack


@transaction.atomic
def item_mark_handled(*, item: FeedbackItem, by) -> FeedbackItem:
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    if item.is_closed:
        raise ValidationError(_("This item is closed; reopen it first."))
    if item.handled_at is None:
        _write(item, by=by, changes={"handled_at": timezone.now(), "handled_by": by})
    return _refresh_status(item, by=by)


def _close_fields(item: FeedbackItem, *, by, reason: str, told: str, at) -> dict:
    if reason not in Reason.values:
        raise ValidationError({"reason": [_("Choose a closure reason.")]})
    if reason == Reason.CUSTOMER_INFORMED:
        if not item.may_contact:
            raise ValidationError(
                {"reason": [_("This customer did not consent to contact: close as “no consent to contact”.")]}
            )
        if not (told or "").strip():
            raise ValidationError({"told": [_("Write what the customer was told.")]})
    if reason == Reason.NO_CONSENT and item.may_contact:
        raise ValidationError({"reason": [_("This customer consented to contact.")]})
    fields = {"closure_reason": reason, "closed_at": at, "closed_by": by, "status": Status.CLOSED}
    if reason == Reason.CUSTOMER_INFORMED:
        fields.update(informed_at=at, informed_by=by, informed_what=told.strip()[:5000])
    return fields


@transaction.atomic
def item_close(*, item: FeedbackItem, by, reason: str, told: str = "") -> FeedbackItem:
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    if item.is_closed:
        raise ValidationError(_("This item is already closed."))
    fields = _close_fields(item, by=by, reason=reason, told=told, at=timezone.now())
    _write(item, by=by, changes=fields)
    _queue_kpis([item])
    return item


@transaction.atomic
def item_reopen(*, item: FeedbackItem, by) -> FeedbackItem:
    """Back to its status before closing; history keeps the closure and the reopening."""
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_closed:
        raise ValidationError(_("This item is not closed."))
    reason, item.closure_reason = item.closure_reason, ""
    new_status = status_for(item)
    item.closure_reason = reason
    _write(
        item,
        by=by,
        changes={
            "closure_reason": "",
            "closed_at": None,
            "closed_by": None,
            "informed_at": None,
            "informed_by": None,
            "informed_what": "",
            "status": new_status,
        },
        note=_("reopened"),
    )
    _queue_kpis([item])
    return item


@transaction.atomic
def item_resolve_duplicate(*, item: FeedbackItem, by, merge: bool) -> FeedbackItem:
    """Merge (close this one as a duplicate of the earlier item) or keep it (clear the flag)."""
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    if item.possible_duplicate_of_id is None:
        raise ValidationError(_("This item is not flagged as a possible duplicate."))
    if merge:
        if item.is_closed:
            raise ValidationError(_("This item is already closed."))
        _write(
            item,
            by=by,
            changes=_close_fields(item, by=by, reason=Reason.DUPLICATE, told="", at=timezone.now()),
        )
        _queue_kpis([item])
    else:
        _write(item, by=by, changes={"possible_duplicate_of": None}, note=_("kept: not a duplicate"))
    return item


# --- escalation ------------------------------------------------------------------------------


@transaction.atomic
def escalate_overdue(*, now=None) -> int:
    """An acknowledgement 24 hours past its due time goes to the CX leader, once."""
    from django.conf import settings

    now = now or timezone.now()
    late = list(
        Routing.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            ended_at__isnull=True,
            escalated_at__isnull=True,
            acknowledgement__isnull=True,
            due_at__lte=now - timedelta(hours=settings.FEEDBACK_ESCALATE_HOURS),
        )
        .exclude(item__status=Status.CLOSED)
        .select_related("department", "item")
        .order_by("due_at", "pk")
    )
    if not late:
        return 0
    Routing.objects.filter(pk__in=[r.pk for r in late]).update(escalated_at=now)
    leaders = cx_leaders()

    def lines():
        return "\n".join(
            f"- #{r.item_id} {r.department.code}, "
            + _("due %(due)s") % {"due": f"{timezone.localtime(r.due_at):%Y-%m-%d %H:%M}"}
            for r in late[:50]
        )

    for leader in leaders:
        notify(
            recipient=leader,
            kind="feedback_escalation",
            subject=lambda: (
                _("%(n)s feedback acknowledgement(s) more than %(h)s hours overdue")
                % {"n": len(late), "h": settings.FEEDBACK_ESCALATE_HOURS}
            ),
            body=lines,
            url=reverse("feedback:inbox") + "?overdue=1",
        )
    return len(late)


# --- routing rules ---------------------------------------------------------------------------


def _validate_rule(fields: dict) -> None:
    errors = {}
    if "name" in fields and not (fields["name"] or "").strip():
        errors["name"] = [_("A rule needs a name.")]
    if not (fields.get("topic") or fields.get("channel") or (fields.get("keyword") or "").strip()):
        errors["topic"] = [
            _("Give a topic, a channel or a keyword: a rule without one would match everything.")
        ]
    if "departments" in fields and not fields["departments"]:
        errors["departments"] = [_("Choose at least one department.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rule_create(*, by, name, departments, topic="", channel=None, keyword="", active=True) -> RoutingRule:
    _validate_rule(
        {"name": name, "topic": topic, "channel": channel, "keyword": keyword, "departments": departments}
    )
    rule = RoutingRule.objects.create(
        name=name.strip(),
        topic=(topic or "").strip().lower(),
        channel=channel,
        keyword=keyword.strip(),
        active=active,
    )
    rule.departments.set(departments)
    history.record(rule, by=by)
    return rule


def rule_update(*, rule: RoutingRule, by, version: int, departments=None, **changes) -> RoutingRule:
    merged = {
        "name": changes.get("name", rule.name),
        "topic": changes.get("topic", rule.topic),
        "channel": changes.get("channel", rule.channel),
        "keyword": changes.get("keyword", rule.keyword),
    }
    if departments is not None:
        merged["departments"] = departments
    _validate_rule(merged)
    if "topic" in changes:
        changes["topic"] = (changes["topic"] or "").strip().lower()
    m2m = {"departments": departments} if departments is not None else None
    return versioned_update(rule, by=by, version=version, changes=changes, m2m=m2m)


# --- the outer loop --------------------------------------------------------------------------


@transaction.atomic
def theme_put_on_agenda(*, topic: str, review, by) -> ThemeAgenda:
    """A theme (a topic's items) on a committee review's agenda, kind "feedback theme"."""
    from apps.committees import services as committee_services
    from apps.committees.models import AgendaItem

    from . import selectors

    if ThemeAgenda.objects.filter(topic=topic, agenda_item__review=review).exists():
        raise ValidationError(_("This theme is already on that review's agenda."))
    open_count = selectors.theme_items(topic).exclude(status=Status.CLOSED).count()
    item = committee_services.agenda_add_item(
        review=review,
        by=by,
        kind=AgendaItem.Kind.FEEDBACK_THEME,
        title=(_("Feedback theme: %(topic)s") % {"topic": topic})[:240],
        reason=_("%(n)s open items") % {"n": open_count},
    )
    theme = ThemeAgenda.objects.create(topic=topic, agenda_item=item, by=by)
    return theme


def plan_affected_items(plan: ActionPlan):
    """Items linked to the plan through their acknowledgements, and the items of a theme
    whose agenda decision created the plan."""
    from django.db.models import Q

    topics = list(
        ThemeAgenda.objects.filter(agenda_item__decisions__linked_plan=plan).values_list(
            "topic", "created_at"
        )
    )
    condition = Q(acknowledgements__plan=plan, acknowledgements__declined=False)
    for topic, put_at in topics:
        condition |= Q(topic=topic, received_at__lte=put_at)
    return FeedbackItem.objects.filter(condition).distinct()


@transaction.atomic
def plan_tell_customers(*, plan: ActionPlan, by, told: str, items) -> int:
    """The plan is done: for its affected items whose customers consented and that `by`
    may triage, record what they were told and close them, in one step."""
    if plan.status != ActionPlan.Status.DONE:
        raise ValidationError(_("The plan is not done yet."))
    if not (told or "").strip():
        raise ValidationError({"told": [_("Write what the customers were told.")]})
    now = timezone.now()
    count = 0
    for item in items:
        if item.is_closed or not item.may_contact:
            continue
        _write(
            item,
            by=by,
            changes=_close_fields(item, by=by, reason=Reason.CUSTOMER_INFORMED, told=told, at=now),
            note=_("customers told after plan “%(p)s”") % {"p": plan.title[:100]},
        )
        count += 1
    history.record_many(ActionPlan, {plan.pk: {"customers_told": (None, count)}}, by=by)
    _queue_kpis(list(items))
    return count
