"""Action plan pages: list, ROI ranking, detail, create/edit, milestones, progress,
expected impacts, responsibility matrix."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST, require_safe

from apps.core import history, roles
from apps.core.errors import StaleEdit
from apps.core.filters import page_filter
from apps.core.forms import form_page
from apps.core.ids import parse_id
from apps.core.permissions import require
from apps.core.registry import PLAN_DETAIL, registry
from apps.core.tables import Column, Table, csv_download, export_value, plain
from apps.metrics.models import Metric
from apps.metrics.scopes import last_closed_month
from apps.organization.models import Department, User

from . import permissions, selectors, services
from .filters import PlanFilter
from .forms import CommentForm, ImpactForm, MilestoneForm, PlanForm, ProgressForm
from .models import ActionPlan, ExpectedImpact


def _overdue_row(plan) -> str:
    return "overdue" if getattr(plan, "overdue_flag", False) else ""


def _department_scope(code: str | None) -> str:
    """The scope label of a list filtered to a department (as the API's `dept:CS`), else `org`."""
    return f"dept:{code}" if code else "org"


@require_safe
def plan_list(request):
    qs, filter_errors = page_filter(PlanFilter, request, selectors.plans_annotated())
    table = Table(
        request,
        qs,
        [
            Column("title", _("Plan"), sort="title", template="actions/_plan_title_cell.html"),
            Column("status", _("Status"), sort="status", template="actions/_plan_status_cell.html"),
            Column("owner_department", _("Owner department"), sort="owner_department__name"),
            Column("owner", _("Owner"), sort="owner__display_name"),
            Column(
                "contributing",
                _("Contributing"),
                value=lambda p: ", ".join(d.code for d in p.contributing_departments.all()),
            ),
            Column("due", _("Due"), sort="due", template="actions/_plan_due_cell.html"),
            Column(
                "progress",
                _("Progress %"),
                sort="progress",
                numeric=True,
                value=lambda p: None if p.progress is None else round(p.progress),
                digits=0,
            ),
            Column(
                "cost_estimate",
                _("Cost"),
                sort="cost_estimate",
                numeric=True,
                unit=settings.PORTAL_CURRENCY,
                digits=0,
            ),
        ],
        default_sort="due",
        export_name="action-plans",
        row_class=_overdue_row,
        # Plans are a state, not a period's figures: the export is as of today, for the
        # department the list is filtered to (its owner department) or the organisation.
        export_scope=_department_scope(request.GET.get("department")),
    )
    if table.wants_csv() and not filter_errors:
        return table.csv_response()
    return render(
        request,
        "actions/plan_list.html",
        {
            **table.context(),
            "filter_errors": filter_errors,
            "statuses": ActionPlan.Status.choices,
            "departments": Department.objects.active(),
            "metrics": Metric.objects.filter(archived=False).only("code", "name"),
            # Committees sit above plans (apps layers): reach them through the plan's own relation.
            "committees": ActionPlan.sponsoring_committee.field.related_model.objects.filter(
                archived=False
            ).only("pk", "name"),
            "can_create": permissions.can_create_plan(request.user),
        },
        status=400 if filter_errors else 200,
    )


@require_safe
def plan_ranking(request):
    gaps = selectors.last_closed_gaps()
    ranked = selectors.roi_ranking(gaps=gaps)
    if request.GET.get("format") == "csv":
        currency = settings.PORTAL_CURRENCY
        return csv_download(
            "plan-roi-ranking",
            [
                "period",
                "scope",
                "rank",
                "plan",
                "status",
                "owner_department",
                "effort",
                f"cost_{currency}",
                f"annual_benefit_{currency}",
                f"benefit_within_gap_{currency}",
                f"benefit_beyond_target_{currency}",
                "roi_x",
                "quick_win",
            ],
            (
                [
                    str(last_closed_month()),
                    "org",
                    rank,
                    plan.title,
                    plan.get_status_display(),
                    plan.owner_department.code,
                    plan.get_effort_display(),
                    plain(plan.cost_estimate, 0),
                    plain(fig.benefit, 0),
                    plain(fig.within, 0),
                    plain(fig.beyond, 0),
                    plain(fig.roi, 2),
                    export_value(fig.quick_win),
                ]
                for rank, (plan, fig) in enumerate(ranked, start=1)
            ),
        )
    # Every open plan is ranked (the order needs them all), but the page shows 50 at a
    # time: the large set's 350 open plans were a 200 KB page (pages bench, issue 22).
    page = Paginator(ranked, RANKING_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "actions/plan_ranking.html",
        {
            "ranked": page.object_list,
            "rank_offset": page.start_index() - 1 if ranked else 0,
            "page_obj": page,
            "prev_url": f"?page={page.previous_page_number()}" if page.has_previous() else None,
            "next_url": f"?page={page.next_page_number()}" if page.has_next() else None,
            "over_promised": selectors.over_promised(ranked, gaps),
        },
    )


#: Plans per page of the ROI ranking.
RANKING_PER_PAGE = 50


@require_safe
def plan_detail(request, pk):
    try:
        page = selectors.plan_page(pk)
    except ActionPlan.DoesNotExist:
        raise Http404 from None
    plan = page.plan
    can_edit = permissions.can_edit_plan(request.user, plan)
    milestones = [(m, permissions.can_update_milestone(request.user, m)) for m in plan.milestones.all()]
    return render(
        request,
        "actions/plan_detail.html",
        {
            "plan": plan,
            "impacts": page.impacts,
            "figures": page.figures,
            "milestones": milestones,
            "can_edit": can_edit,
            "can_reopen": roles.is_cx_leader(request.user) and plan.is_closed,
            "latest_update": next(iter(plan.updates.all()), None),
            "progress_form": ProgressForm(initial={"rag": "green", "percent": round(plan.progress or 0)}),
            "impact_form": ImpactForm(),
            "history": history.history_for(plan),
            "today": timezone.localdate(),
            "sections": registry.sections(PLAN_DETAIL, request, plan),
        },
    )


def _departments_for(user):
    if roles.is_cx_leader(user):
        return Department.objects.active()
    return Department.objects.active().filter(pk__in=roles.headed_department_ids(user))


def _plan_url(plan) -> str:
    return reverse("actions:plan-detail", args=[plan.pk])


def plan_create(request):
    require(
        permissions.can_create_plan(request.user),
        _("Action plans are created by the CX leader and department heads (for their departments)."),
    )
    departments = _departments_for(request.user)
    initial = {
        "version": 1,
        "status": "draft",
        "effort": "M",
        "owner": request.user.pk,
        "owner_department": request.user.primary_department_id,
    }
    return form_page(
        request,
        form=PlanForm(request.POST or None, initial=initial, departments=departments),
        service=partial(services.plan_create, by=request.user),
        success_url=_plan_url,
        template="actions/plan_form.html",
        context={"title": _("New action plan")},
    )


def plan_edit(request, pk):
    plan = permissions.get_plan_for_edit(request.user, pk)
    departments = _departments_for(request.user) | Department.objects.filter(pk=plan.owner_department_id)
    initial = {
        "title": plan.title,
        "problem_statement": plan.problem_statement,
        "owner_department": plan.owner_department_id,
        "owner": plan.owner_id,
        "contributing_departments": list(plan.contributing_departments.values_list("pk", flat=True)),
        "status": plan.status,
        "start": plan.start,
        "due": plan.due,
        "cost_estimate": plan.cost_estimate,
        "effort": plan.effort,
        "version": plan.version,
    }
    return form_page(
        request,
        form=PlanForm(request.POST or None, initial=initial, departments=departments.distinct()),
        service=partial(services.plan_update, plan=plan, by=request.user),
        success_url=_plan_url(plan),
        template="actions/plan_form.html",
        context={"title": _("Edit %(title)s") % {"title": plan.title}, "plan": plan},
    )


def milestone_create(request, pk):
    plan = permissions.get_plan_for_edit(request.user, pk)
    return form_page(
        request,
        form=MilestoneForm(request.POST or None, initial={"version": 1, "weight": 1.0}),
        service=partial(services.milestone_create, plan=plan, by=request.user),
        success_url=_plan_url(plan),
        template="actions/plan_form.html",
        context={"title": _("New milestone for %(title)s") % {"title": plan.title}, "plan": plan},
    )


def milestone_edit(request, pk):
    milestone = permissions.get_milestone_for_update(request.user, pk)
    plan = milestone.plan
    # The milestone's owner may tick it off and comment; re-planning it is the head's.
    require(
        permissions.can_edit_plan(request.user, plan),
        _("Re-planning a milestone is for the CX leader and the head of the plan's department."),
    )
    initial = {
        "title": milestone.title,
        "owner": milestone.owner_id,
        "due": milestone.due,
        "weight": milestone.weight,
        "version": milestone.version,
    }
    return form_page(
        request,
        form=MilestoneForm(request.POST or None, initial=initial),
        service=partial(services.milestone_update, milestone=milestone, by=request.user),
        success_url=_plan_url(plan),
        template="actions/plan_form.html",
        context={
            "title": _("Edit milestone %(title)s") % {"title": milestone.title},
            "plan": plan,
            "history": history.history_for(milestone),
        },
    )


@require_POST
def milestone_done(request, pk):
    """Tick a milestone off (or back on); htmx swaps the row."""
    milestone = permissions.get_milestone_for_update(request.user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponse(_("The form is missing its version; reload the page."), status=400)
    try:
        milestone = services.milestone_set_done(
            milestone=milestone, by=request.user, version=version, done=request.POST.get("done") == "1"
        )
        conflict = None
    except StaleEdit:
        milestone.refresh_from_db()
        conflict = _("Someone changed this milestone meanwhile; here is its current state.")
    if request.htmx:
        # The row, and the plan's progress card out of band: ticking a milestone moves it.
        response = render(
            request,
            "actions/_milestone_done.html",
            {
                "m": milestone,
                "can_update": True,
                "conflict": conflict,
                "today": timezone.localdate(),
                "plan": selectors.plans_annotated().get(pk=milestone.plan_id),
                "latest_update": milestone.plan.updates.first(),
                "oob": True,
            },
            status=409 if conflict else 200,
        )
        response["X-Portal-Swap"] = "1"  # a conflict shows the row as it now is
        return response
    if conflict:
        messages.error(request, conflict)
    return redirect("actions:plan-detail", pk=milestone.plan_id)


@require_POST
def milestone_comment(request, pk):
    milestone = permissions.get_milestone_for_update(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.milestone_comment(milestone=milestone, by=request.user, text=form.cleaned_data["text"])
    else:
        messages.error(request, _("Write a comment first."))
    return redirect(reverse("actions:plan-detail", args=[milestone.plan_id]) + f"#milestone-{milestone.pk}")


@require_POST
def progress_post(request, pk):
    plan = permissions.get_plan_for_edit(request.user, pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        update = services.progress_post(plan=plan, by=request.user, **form.cleaned_data)
        if request.htmx:
            return render(request, "actions/_update.html", {"u": update})
        messages.success(request, _("Update posted."))
    else:
        if request.htmx:
            response = render(
                request, "actions/_progress_form.html", {"plan": plan, "progress_form": form}, status=400
            )
            # The form comes back with its errors in place of itself (portal.js swaps it).
            response["X-Portal-Swap"] = "1"
            response["HX-Retarget"] = "#progress-form"
            response["HX-Reswap"] = "outerHTML"
            return response
        messages.error(request, _("The update needs a RAG status and a percentage from 0 to 100."))
    return redirect("actions:plan-detail", pk=pk)


@require_POST
def impact_add(request, pk):
    plan = permissions.get_plan_for_edit(request.user, pk)
    form = ImpactForm(request.POST)
    if form.is_valid():
        try:
            services.impact_set(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a metric and a finite expected change."))
    return redirect("actions:plan-detail", pk=pk)


@require_POST
def impact_remove(request, pk):
    impact = get_object_or_404(ExpectedImpact.objects.select_related("plan", "metric"), pk=pk)
    require(
        permissions.can_edit_plan(request.user, impact.plan),
        _("Changing a plan is for the CX leader and the head of the plan's department."),
    )
    services.impact_remove(impact=impact, by=request.user)
    return redirect("actions:plan-detail", pk=impact.plan_id)


@require_safe
def responsibility_matrix(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in ("metrics", "plans") else "all"
    if request.GET.get("by") == "person":
        return _responsibility_by_person(request, kind)
    departments = list(Department.objects.active().order_by("name"))
    level = request.GET.get("level")
    shown = departments
    department_id = None
    if request.GET.get("department"):
        shown = [d for d in departments if d.code == request.GET["department"]]
        # An unknown code shows no department and no rows (as before paging).
        department_id = shown[0].pk if shown else 0
    subjects = selectors.MatrixSubjects(kind=kind, level=level, department_id=department_id)
    if request.GET.get("format") == "csv":
        rows = selectors.responsibility_matrix(kind=kind, level=level, department_id=department_id)
        # Roles in words in the reader's language, not the codes the page keys its cells on;
        # the matrix is today's assignment (as of today) for the department shown or all.
        words = {"owner": _("owner"), "contributor": _("contributor")}
        kinds = {"metric": _("metric"), "plan": _("plan")}
        scope = _department_scope(request.GET.get("department") if shown else None)
        as_of = timezone.localdate().isoformat()
        return csv_download(
            "responsibility-matrix",
            ["period", "scope", "kind", "subject", *[d.code for d in shown]],
            (
                [
                    as_of,
                    scope,
                    kinds.get(kind_name, kind_name),
                    subject.code if kind_name == "metric" else subject.title,
                    *[words.get(cells.get(d.pk), "") for d in shown],
                ]
                for kind_name, subject, cells in rows
            ),
        )
    # Paged by subject (metrics, then plans): the large set's 2,000 metrics and 350 open
    # plans × 100 departments were one 4 MB page. The CSV above still has every row.
    page = Paginator(subjects, MATRIX_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()

    def page_url(number):
        params["page"] = number
        return "?" + params.urlencode()

    return render(
        request,
        "actions/matrix.html",
        {
            "departments": shown,
            "all_departments": departments,
            "rows": [
                (kind_name, subject, [cells.get(d.pk) for d in shown])
                for kind_name, subject, cells in page.object_list
            ],
            "levels": Metric.Level.choices,
            "page_obj": page,
            "prev_url": page_url(page.previous_page_number()) if page.has_previous() else None,
            "next_url": page_url(page.next_page_number()) if page.has_next() else None,
        },
    )


#: Subjects per page of the responsibility matrix (× every department as a column).
MATRIX_PER_PAGE = 50


KIND_LABELS = {"metric": _lazy("metric"), "plan": _lazy("plan"), "milestone": _lazy("milestone")}


def _responsibility_by_person(request, kind):
    """Who (a person) answers for each metric, open plan and open milestone (issue 24)."""
    person_id = parse_id(request.GET.get("person") or "")
    rows = selectors.people_responsibility(kind=kind, person_id=person_id)
    table = Table(
        request,
        rows,
        [
            Column(
                "person",
                _("Person"),
                sort="person_name",
                value=lambda r: r["person"].display_name if r["person"] else None,
            ),
            Column("kind", _("Kind"), sort="kind", value=lambda r: str(KIND_LABELS[r["kind"]])),
            Column(
                "subject",
                _("Metric, plan or milestone"),
                sort="subject",
                link=lambda r: reverse(r["target"][0], args=[r["target"][1]]),
            ),
            Column(
                "department",
                _("Department"),
                sort="department_name",
                value=lambda r: r["department"].name if r["department"] else None,
            ),
            Column("due", _("Due"), sort="due"),
        ],
        per_page=100,
        export_name="responsibility-by-person",
    )
    if table.wants_csv():
        return table.csv_response()
    people = (
        User.objects.filter(is_active=True, is_system=False)
        .order_by("display_name")
        .values_list("pk", "display_name")
    )
    return render(
        request,
        "actions/matrix_people.html",
        {**table.context(), "people": people, "person_id": person_id, "kind": kind},
    )
