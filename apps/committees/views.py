"""Committee pages: list, detail, create/edit, the review workspace (agenda, attendance,
notes, decisions, close), minutes (page and PDF), target change proposals."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core import history
from apps.core.errors import StaleEdit
from apps.core.forms import form_page
from apps.core.ids import parse_id
from apps.core.permissions import require
from apps.core.tables import Column, Table
from apps.organization.models import Department

from . import agenda, permissions, selectors, services
from .forms import CommitteeForm, DecisionForm, ScheduleForm
from .models import Committee, Decision, Review, TargetChangeProposal


@require_safe
def committee_list(request):
    table = Table(
        request,
        selectors.committees_listed(),
        [
            Column(
                "name",
                _("Committee"),
                sort="name",
                link=lambda c: reverse("committees:committee-detail", args=[c.pk]),
            ),
            Column("kind", _("Kind"), sort="kind", value=lambda c: c.get_kind_display()),
            Column("chair", _("Chair"), sort="chair__display_name"),
            Column("secretary", _("Secretary"), sort="secretary__display_name"),
            Column("member_count", _("Members"), sort="member_count", numeric=True),
            Column("cadence", _("Cadence"), value=lambda c: c.get_cadence_display()),
            Column("next_review", _("Next review"), sort="next_review"),
        ],
        default_sort="name",
        export_name="committees",
    )
    if table.wants_csv():
        return table.csv_response()
    return render(
        request,
        "committees/committee_list.html",
        {**table.context(), "can_edit": permissions.can_edit_committees(request.user)},
    )


@require_safe
def decision_list(request):
    """Every decision, filterable by owner department, status and overdue (the departments
    scoreboard links its counts here). Read by everyone (DESIGN §6: committees)."""
    qs = selectors.filter_decisions(selectors.decisions_listed(), request.GET)
    table = Table(
        request,
        qs,
        [
            Column("text", _("Decision"), value=lambda d: d.text[:140]),
            Column("kind", _("Kind"), sort="kind", value=lambda d: d.get_kind_display()),
            Column(
                "committee",
                _("Committee"),
                sort="item__review__committee__name",
                value=lambda d: d.item.review.committee.name,
                link=lambda d: reverse("committees:review-detail", args=[d.item.review_id]),
            ),
            Column("owner_department", _("Owner department"), sort="owner_department__name"),
            Column("owner", _("Owner"), sort="owner__display_name"),
            Column("due", _("Due"), sort="due"),
            Column("status", _("Status"), sort="status", value=lambda d: d.get_status_display()),
        ],
        default_sort="due",
        export_name="decisions",
        row_class=lambda d: "overdue" if d.is_overdue else "",
    )
    if table.wants_csv():
        return table.csv_response()
    department = request.GET.get("department", "")
    return render(
        request,
        "committees/decision_list.html",
        {
            **table.context(),
            "department": department,
            "status": request.GET.get("status", ""),
            "overdue": request.GET.get("overdue") == "1",
            "statuses": Decision.Status.choices,
            "departments": Department.objects.active().order_by("name").values_list("code", "name"),
        },
    )


@require_safe
def committee_detail(request, pk):
    committee = get_object_or_404(
        Committee.objects.select_related("chair", "secretary").prefetch_related(
            "members", "scope_metrics", "scope_departments"
        ),
        pk=pk,
    )
    return render(
        request,
        "committees/committee_detail.html",
        {
            "committee": committee,
            "reviews": committee.reviews.all()[:20],
            "plans": selectors.sponsored_plans(committee),
            "can_edit": permissions.can_edit_committees(request.user),
            "can_run": permissions.runs(request.user, committee),
            "schedule_form": ScheduleForm(),
            "history": history.history_for(committee),
        },
    )


def _committee_form(request, committee=None):
    require(
        permissions.can_edit_committees(request.user), _("Only the CX leader creates and edits committees.")
    )
    if committee is None:
        initial = {"version": 1, "kind": "working_group", "cadence": "monthly"}
        service = partial(services.committee_create, by=request.user)
        title = _("New committee")
    else:
        initial = {
            "name": committee.name,
            "kind": committee.kind,
            "charter": committee.charter,
            "chair": committee.chair_id,
            "secretary": committee.secretary_id,
            "cadence": committee.cadence,
            "members": list(committee.members.values_list("pk", flat=True)),
            "scope_departments": list(committee.scope_departments.values_list("pk", flat=True)),
            "scope_metrics": list(committee.scope_metrics.values_list("pk", flat=True)),
            "version": committee.version,
        }
        service = partial(services.committee_update, committee=committee, by=request.user)
        title = _("Edit %(name)s") % {"name": committee.name}
    return form_page(
        request,
        form=CommitteeForm(request.POST or None, initial=initial),
        service=service,
        success_url=lambda saved: reverse("committees:committee-detail", args=[saved.pk]),
        template="committees/form.html",
        context={"title": title},
    )


def committee_create(request):
    return _committee_form(request)


def committee_edit(request, pk):
    return _committee_form(request, permissions.get_committee_for_edit(request.user, pk))


@require_POST
def review_schedule(request, pk):
    committee = get_object_or_404(Committee, pk=pk)
    require(
        permissions.runs(request.user, committee),
        _("A review is run by the CX leader and the committee's chair and secretary, until it is closed."),
    )
    form = ScheduleForm(request.POST)
    if form.is_valid():
        review = services.review_schedule(
            committee=committee, by=request.user, scheduled_for=form.cleaned_data["scheduled_for"]
        )
        return redirect("committees:review-detail", pk=review.pk)
    messages.error(request, _("Choose a date for the review."))
    return redirect("committees:committee-detail", pk=pk)


def _workspace_or_404(pk) -> Review:
    try:
        return selectors.review_workspace(pk)
    except Review.DoesNotExist:
        raise Http404 from None


@require_safe
def review_detail(request, pk):
    """The review workspace: one page for the whole meeting."""
    review = _workspace_or_404(pk)
    can_run = permissions.can_run_review(request.user, review)
    decision_form = DecisionForm()
    # The form is drawn once per agenda item, and a large agenda has a hundred items: each
    # widget (the owner and department lists hold every person and department) is rendered
    # once here and the same HTML reused by every item — rendering them per item took
    # 2.4 of 3.5 s on the pages bench's agenda of 134 items (issue 22).
    decision_fields = {name: str(decision_form[name]) for name in decision_form.fields}
    return render(
        request,
        "committees/review_detail.html",
        {
            "review": review,
            "items": agenda.item_figures(review),
            "period": agenda.agenda_period(review),
            "can_run": can_run,
            "decision_fields": decision_fields,
            "members": _invitees(review),
            "attendee_ids": {u.pk for u in review.attendees.all()},
        },
    )


def _invitees(review):
    committee = review.committee
    people = {u.pk: u for u in committee.members.all()}
    for person in (committee.chair, committee.secretary):
        if person is not None:
            people[person.pk] = person
    return sorted(people.values(), key=lambda u: u.display_name)


def _back(request, review_pk, anchor=""):
    return redirect(reverse("committees:review-detail", args=[review_pk]) + anchor)


def _run(request, action, review_pk, anchor=""):
    """Run a workspace action; a closed review or bad input comes back as a message."""
    try:
        action()
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(" ".join(exc.messages), status=400)
        messages.error(request, " ".join(exc.messages))
    return _back(request, review_pk, anchor)


@require_POST
def review_open(request, pk):
    review = permissions.get_review_to_run(request.user, pk)
    return _run(request, lambda: services.review_open(review=review, by=request.user), pk)


@require_POST
def item_add(request, pk):
    review = permissions.get_review_to_run(request.user, pk)
    return _run(
        request,
        lambda: services.agenda_add_free(review=review, by=request.user, title=request.POST.get("title", "")),
        pk,
    )


@require_POST
def item_remove(request, pk):
    item = permissions.get_item_to_run(request.user, pk)
    return _run(request, lambda: services.agenda_remove(item=item, by=request.user), item.review_id)


@require_POST
def item_move(request, pk):
    item = permissions.get_item_to_run(request.user, pk)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    return _run(
        request,
        lambda: services.agenda_move(item=item, by=request.user, direction=direction),
        item.review_id,
        f"#item-{item.pk}",
    )


@require_POST
def attendance(request, pk):
    review = permissions.get_review_to_run(request.user, pk)
    allowed = {u.pk: u for u in _invitees(review)}
    chosen = [allowed[i] for i in map(parse_id, request.POST.getlist("attendees")) if i in allowed]
    return _run(
        request, lambda: services.attendance_set(review=review, by=request.user, attendees=chosen), pk
    )


@require_POST
def note_add(request, pk):
    item = permissions.get_item_to_run(request.user, pk)
    return _run(
        request,
        lambda: services.note_add(item=item, by=request.user, text=request.POST.get("text", "")),
        item.review_id,
        f"#item-{item.pk}",
    )


@require_POST
def decision_add(request, pk):
    item = permissions.get_item_to_run(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        text = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        if request.htmx:
            return HttpResponse(text, status=400)
        messages.error(request, text)
        return _back(request, item.review_id, f"#item-{item.pk}")
    return _run(
        request,
        lambda: services.decision_create(item=item, by=request.user, **form.cleaned_data),
        item.review_id,
        f"#item-{item.pk}",
    )


@require_POST
def decision_status(request, pk):
    decision = permissions.get_decision_for_status(request.user, pk)
    try:
        version = int(request.POST.get("version", ""))
        services.decision_set_status(
            decision=decision, by=request.user, version=version, status=request.POST.get("status", "")
        )
    except (ValueError, ValidationError):
        messages.error(request, _("Choose a valid status."))
    except StaleEdit:
        messages.error(request, _("Someone changed this decision meanwhile; review it and try again."))
    return _back(request, decision.item.review_id, f"#item-{decision.item_id}")


@require_POST
def review_close(request, pk):
    review = permissions.get_review_to_run(request.user, pk)
    response = _run(request, lambda: services.review_close(review=review, by=request.user), pk)
    if Review.objects.filter(pk=pk, status=Review.Status.CLOSED).exists():
        messages.success(request, _("The review is closed and the minutes were sent to the members."))
        return redirect("committees:minutes", pk=pk)
    return response


def _minutes_context(pk) -> dict:
    """Closed reviews show the figures frozen at close; an open one is a draft with live numbers."""
    review = _workspace_or_404(pk)
    return {
        "review": review,
        "rows": agenda.item_figures(review),
        "attendees": review.attendees.all(),
        "draft": not review.is_closed,
    }


@require_safe
def minutes(request, pk):
    return render(request, "committees/minutes.html", _minutes_context(pk))


@require_safe
def minutes_pdf(request, pk):
    from weasyprint import HTML

    context = _minutes_context(pk)
    html = render_to_string("committees/minutes_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    date = context["review"].scheduled_for
    response["Content-Disposition"] = f'attachment; filename="minutes-{date:%Y-%m-%d}.pdf"'
    return response


@require_safe
def proposal_list(request):
    proposals = TargetChangeProposal.objects.select_related(
        "metric", "proposed_by", "decided_by", "department"
    )
    return render(
        request,
        "committees/proposal_list.html",
        {
            "proposals": proposals[:200],
            "can_decide": permissions.can_decide_proposals(request.user),
        },
    )


def proposal_detail(request, pk):
    proposal = get_object_or_404(
        TargetChangeProposal.objects.select_related("metric", "proposed_by", "decided_by", "department"),
        pk=pk,
    )
    problem = None
    if request.method == "POST":
        proposal = permissions.get_proposal_to_decide(request.user, pk)
        try:
            version = int(request.POST.get("version", ""))
            if request.POST.get("decision") == "confirm":
                services.proposal_confirm(proposal=proposal, by=request.user, version=version)
                messages.success(request, _("Target applied; the snapshots are being recomputed."))
            elif request.POST.get("decision") == "reject":
                services.proposal_reject(
                    proposal=proposal, by=request.user, version=version, note=request.POST.get("note", "")
                )
                messages.success(request, _("Proposal rejected."))
            else:
                raise ValidationError(_("Confirm or reject."))
            return redirect("committees:proposal-detail", pk=pk)
        except ValueError:
            problem = _("The form is missing its version; reload the page.")
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        except StaleEdit:
            problem = _("Someone decided this proposal meanwhile.")
    elif request.method not in ("GET", "HEAD"):
        raise PermissionDenied
    return render(
        request,
        "committees/proposal_detail.html",
        {
            "proposal": proposal,
            "problem": problem,
            "can_decide": permissions.can_decide_proposals(request.user),
            "current_targets": proposal.metric.targets.select_related("department").order_by("-valid_from"),
        },
    )
