"""Feedback pages: the inbox (filters, search, bulk acknowledge and route, CSV), an item
with its routing trail and answers, the upload page, the routing rules (CX leader), the
themes with their weekly trend, and "tell the affected customers" of a done plan."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.actions.models import ActionPlan
from apps.core import history, roles
from apps.core.filters import page_filter
from apps.core.forms import form_page
from apps.core.tables import Column, Table
from apps.organization.models import Channel, Department

from . import ingest, permissions, selectors, services
from .filters import FeedbackFilter
from .forms import (
    AcknowledgeForm,
    CloseForm,
    DeclineForm,
    RouteForm,
    RuleForm,
    TellForm,
    ThemeAgendaForm,
    UploadForm,
)
from .models import FeedbackItem, RoutingRule

require = permissions.require


def _due_cell(item) -> str:
    if item.is_closed:
        return ""
    if getattr(item, "ack_overdue", False):
        return _("acknowledgement overdue")
    if item.close_overdue:
        return _("loop overdue")
    due = getattr(item, "ack_due", None)
    if due is not None:
        hours = max(0, int((due - timezone.now()).total_seconds() // 3600))
        return _("acknowledge in %(h)s h") % {"h": hours}
    return ""


@require_safe
def inbox(request):
    require(permissions.can_read(request.user))
    qs, filter_errors = page_filter(FeedbackFilter, request, selectors.items_annotated())
    table = Table(
        request,
        qs,
        [
            Column(
                "pk",
                "#",
                sort="pk",
                numeric=True,
                link=lambda i: reverse("feedback:item-detail", args=[i.pk]),
            ),
            Column(
                "received_at",
                _("Received"),
                sort="received_at",
                value=lambda i: timezone.localtime(i.received_at).strftime("%Y-%m-%d %H:%M"),
            ),
            Column("topic", _("Topic"), sort="topic"),
            Column(
                "channel",
                _("Channel"),
                sort="channel__name",
                value=lambda i: i.channel.code if i.channel else "",
            ),
            Column(
                "departments",
                _("Departments"),
                value=lambda i: ", ".join(
                    sorted(r.department.code for r in i.routings.all() if r.ended_at is None)
                ),
            ),
            Column("status", _("Status"), sort="status", value=lambda i: i.get_status_display()),
            Column("due", _("Service level"), value=_due_cell),
            Column("text", _("Feedback"), value=lambda i: i.text[:140]),
        ],
        default_sort="-received_at",
        export_name="feedback",
        # The inbox as of today, for the department or channel it is filtered to.
        export_scope=(
            f"dept:{request.GET['department']}"
            if request.GET.get("department")
            else f"channel:{request.GET['channel']}"
            if request.GET.get("channel")
            else "org"
        ),
        row_class=lambda i: "overdue" if getattr(i, "ack_overdue", False) else "",
    )
    if table.wants_csv() and not filter_errors:
        return table.csv_response()
    return render(
        request,
        "feedback/inbox.html",
        {
            **table.context(),
            "filter_errors": filter_errors,
            "statuses": FeedbackItem.Status.choices,
            "channels": Channel.objects.active(),
            "departments": Department.objects.active().order_by("name"),
            "topics": selectors.topics(),
            "can_route": permissions.can_route(request.user),
            "can_acknowledge": roles.is_cx_leader(request.user)
            or bool(roles.headed_department_ids(request.user)),
            "can_upload": permissions.can_ingest(request.user),
            "can_edit_rules": permissions.can_edit_rules(request.user),
            "route_form": RouteForm(),
        },
        status=400 if filter_errors else 200,
    )


@require_POST
def bulk(request):
    """Bulk acknowledge (each selected item, for the departments you head) or bulk route
    (the CX leader); items you may not triage are skipped."""
    action = request.POST.get("action")
    ids = [int(x) for x in request.POST.getlist("items") if x.isdigit()][:500]
    if action == "route":
        require(permissions.can_route(request.user))
        form = RouteForm(request.POST)
        if not form.is_valid() or not ids:
            messages.error(request, _("Choose items and at least one department."))
            return redirect("feedback:inbox")
        items = list(FeedbackItem.objects.filter(pk__in=ids))
        try:
            added = services.items_route(
                items=items, by=request.user, departments=form.cleaned_data["departments"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s routings added.") % {"n": added})
    elif action == "acknowledge":
        require(roles.is_cx_leader(request.user) or bool(roles.headed_department_ids(request.user)))
        items = list(
            permissions.triageable(request.user, FeedbackItem.objects.filter(pk__in=ids)).exclude(
                status="closed"
            )
        )
        count = services.items_acknowledge(
            items=items, by=request.user, note=request.POST.get("note", "")[:5000]
        )
        messages.success(request, _("%(n)s acknowledgements recorded.") % {"n": count})
    else:
        messages.error(request, _("Choose an action."))
    return redirect("feedback:inbox")


@require_safe
def item_detail(request, pk):
    item = permissions.get_item_for_read(request.user, pk)
    user = request.user
    routings = list(
        item.routings.select_related(
            "department", "rule", "routed_by", "acknowledgement__person", "acknowledgement__plan"
        )
    )
    can_triage = permissions.can_triage(user, item)
    return render(
        request,
        "feedback/item_detail.html",
        {
            "item": item,
            "routings": routings,
            "now": timezone.now(),
            "can_triage": can_triage,
            "can_answer": bool(permissions.answerable_department_ids(user, item)),
            "can_route": permissions.can_route(user) and not item.is_closed,
            "can_mark_handled": permissions.can_mark_handled(user)
            and not item.is_closed
            and item.handled_at is None,
            "history": history.history_for(item),
            "close_form": CloseForm(
                initial={"reason": "customer_informed" if item.may_contact else "no_consent"}
            ),
        },
    )


def _answer_departments(user, item):
    ids = permissions.answerable_department_ids(user, item)
    require(bool(ids), _("Nothing routed to your department is waiting for an answer here."))
    return Department.objects.filter(pk__in=ids).order_by("name")


def item_acknowledge(request, pk):
    item = permissions.get_item_for_read(request.user, pk)
    departments = _answer_departments(request.user, item)
    form = AcknowledgeForm(
        request.POST or None, departments=departments, initial={"department": departments.first()}
    )
    return form_page(
        request,
        form=form,
        service=partial(services.item_acknowledge, item=item, by=request.user),
        success_url=item_url(item),
        template="feedback/form.html",
        context={"item": item, "title": _("Acknowledge feedback #%(id)s") % {"id": item.pk}},
    )


def item_decline(request, pk):
    item = permissions.get_item_for_read(request.user, pk)
    departments = _answer_departments(request.user, item)
    form = DeclineForm(
        request.POST or None, departments=departments, initial={"department": departments.first()}
    )
    return form_page(
        request,
        form=form,
        service=partial(services.item_decline, item=item, by=request.user),
        success_url=item_url(item),
        template="feedback/form.html",
        context={"item": item, "title": _("Decline feedback #%(id)s") % {"id": item.pk}},
    )


def item_route(request, pk):
    item = permissions.get_item_for_read(request.user, pk)
    require(permissions.can_route(request.user))
    form = RouteForm(request.POST or None)
    return form_page(
        request,
        form=form,
        service=partial(services.item_route, item=item, by=request.user),
        success_url=item_url(item),
        template="feedback/form.html",
        context={"item": item, "title": _("Route feedback #%(id)s") % {"id": item.pk}},
    )


def item_close(request, pk):
    item = permissions.get_item_for_triage(request.user, pk)
    form = CloseForm(request.POST or None)
    return form_page(
        request,
        form=form,
        service=partial(services.item_close, item=item, by=request.user),
        success_url=item_url(item),
        template="feedback/form.html",
        context={"item": item, "title": _("Close feedback #%(id)s") % {"id": item.pk}},
    )


def _post_action(request, pk, action, *, check):
    item = permissions.get_item_for_triage(request.user, pk)
    require(check(request.user))
    try:
        action(item=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(item_url(item))


@require_POST
def item_reopen(request, pk):
    return _post_action(request, pk, services.item_reopen, check=lambda u: True)


@require_POST
def item_handled(request, pk):
    return _post_action(request, pk, services.item_mark_handled, check=permissions.can_mark_handled)


@require_POST
def item_duplicate(request, pk):
    merge = request.POST.get("merge") == "1"
    return _post_action(
        request, pk, partial(services.item_resolve_duplicate, merge=merge), check=lambda u: True
    )


def item_url(item) -> str:
    return reverse("feedback:item-detail", args=[item.pk])


def upload(request):
    require(permissions.can_ingest(request.user) and not roles.is_system_account(request.user))
    form = UploadForm(request.POST or None, request.FILES or None)
    result = problem = None
    if request.method == "POST" and form.is_valid():
        try:
            result = ingest.feedback_ingest(
                rows=ingest.rows_from_upload(form.cleaned_data["file"]), by=request.user, csv_mode=True
            )
        except ingest.BatchTooLarge as exc:
            problem = _("A file may hold at most %(n)s items; split it.") % {"n": exc.limit}
        except ingest.BadPayload as exc:
            problem = str(exc)
        except UnicodeDecodeError:
            problem = _("The file is not UTF-8 text (save it as CSV UTF-8).")
        if result is not None and result.ok:
            messages.success(
                request,
                _("%(c)s items received, %(u)s already received (nothing updated).")
                % {"c": len(result.created), "u": len(result.unchanged)},
            )
    return render(request, "feedback/upload.html", {"form": form, "result": result, "problem": problem})


@require_safe
def rule_list(request):
    require(permissions.can_read(request.user))
    rules = RoutingRule.objects.select_related("channel").prefetch_related("departments")
    return render(
        request, "feedback/rules.html", {"rules": rules, "can_edit": permissions.can_edit_rules(request.user)}
    )


def rule_create(request):
    require(permissions.can_edit_rules(request.user))
    form = RuleForm(request.POST or None, initial={"version": 1, "active": True})
    return form_page(
        request,
        form=form,
        service=partial(services.rule_create, by=request.user),
        success_url=reverse("feedback:rule-list"),
        template="feedback/form.html",
        context={"title": _("New routing rule")},
    )


def rule_edit(request, pk):
    rule = permissions.get_rule_for_edit(request.user, pk)
    initial = {
        "name": rule.name,
        "topic": rule.topic,
        "channel": rule.channel_id,
        "keyword": rule.keyword,
        "departments": list(rule.departments.values_list("pk", flat=True)),
        "active": rule.active,
        "version": rule.version,
    }
    form = RuleForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form=form,
        service=partial(services.rule_update, rule=rule, by=request.user),
        success_url=reverse("feedback:rule-list"),
        template="feedback/form.html",
        context={
            "title": _("Edit routing rule %(name)s") % {"name": rule.name},
            "history": history.history_for(rule),
        },
    )


@require_safe
def theme_list(request):
    require(permissions.can_read(request.user))
    from .models import Spike

    return render(
        request,
        "feedback/themes.html",
        {"topics": selectors.topics(), "spikes": Spike.objects.all()[:20]},
    )


def _reviews_run_by(user):
    from apps.committees.models import Review

    reviews = Review.objects.exclude(status=Review.Status.CLOSED).filter(committee__archived=False)
    if not roles.is_cx_leader(user):
        reviews = reviews.filter(Q(committee__chair=user) | Q(committee__secretary=user))
    return reviews.select_related("committee").order_by("scheduled_for")


@require_safe
def theme_detail(request, topic):
    require(permissions.can_read(request.user))
    from .models import Spike, ThemeAgenda

    items = selectors.theme_items(topic)
    if not items.exists():
        raise Http404
    trend = selectors.theme_trend(topic)
    reviews = _reviews_run_by(request.user)
    agendas = list(ThemeAgenda.objects.filter(topic=topic).select_related("agenda_item__review__committee"))
    plans = ActionPlan.objects.filter(decisions__item__feedback_theme__topic=topic).distinct()
    return render(
        request,
        "feedback/theme_detail.html",
        {
            "topic": topic,
            "trend": trend,
            "chart": {
                "labels": [r["week"].isoformat() for r in trend],
                "count": [r["count"] for r in trend],
                "threshold": [r["threshold"] for r in trend],
            },
            "open_items": items.exclude(status="closed").order_by("-received_at")[:20],
            "total": items.count(),
            "open_count": items.exclude(status="closed").count(),
            "spikes": Spike.objects.filter(topic=topic)[:10],
            "agendas": agendas,
            "plans": plans,
            "agenda_form": ThemeAgendaForm(reviews=reviews) if reviews.exists() else None,
        },
    )


@require_POST
def theme_agenda(request, topic):
    require(permissions.can_read(request.user))
    if not selectors.theme_items(topic).exists():
        raise Http404
    reviews = _reviews_run_by(request.user)
    require(reviews.exists(), _("You run no open review."))
    form = ThemeAgendaForm(request.POST, reviews=reviews)
    return form_page(
        request,
        form=form,
        service=partial(services.theme_put_on_agenda, topic=topic, by=request.user),
        success_url=reverse("feedback:theme-detail", args=[topic]),
        template="feedback/form.html",
        context={"title": _("Put the theme %(t)s on an agenda") % {"t": topic}},
    )


def plan_tell(request, pk):
    """ "Tell the affected customers" of a done plan: for its items whose customers
    consented and that you may triage, record what they were told and close them."""
    plan = get_object_or_404(ActionPlan, pk=pk)
    affected = services.plan_affected_items(plan)
    mine = permissions.triageable(request.user, affected)
    require(plan.status == ActionPlan.Status.DONE and mine.exists(), _("Nothing here you may close."))
    to_tell = list(mine.filter(may_contact=True).exclude(status="closed"))
    form = TellForm(request.POST or None)
    return form_page(
        request,
        form=form,
        service=partial(services.plan_tell_customers, plan=plan, by=request.user, items=to_tell),
        success_url=reverse("actions:plan-detail", args=[plan.pk]),
        template="feedback/plan_tell.html",
        context={
            "plan": plan,
            "to_tell": to_tell,
            "affected_count": affected.count(),
            "no_consent": mine.filter(may_contact=False).exclude(status="closed").count(),
        },
    )
