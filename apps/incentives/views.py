"""Bonus plan pages: list, detail (curves, participants, cost beside value at stake),
the CX leader's editing and amendments, approval, close, results CSV, the participant's
scorecard with a what-if, the printable statement (PDF) and the HR import."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core import history
from apps.core.errors import StaleEdit
from apps.core.forms import form_page
from apps.core.permissions import require
from apps.core.tables import Column, Table, csv_download, export_value

from . import money, payouts, permissions, selectors, services
from .forms import (
    AmendForm,
    ComponentEditForm,
    ComponentForm,
    ImportForm,
    ParticipantEditForm,
    ParticipantForm,
    PlanEditForm,
    PlanForm,
    SendBackForm,
    VersionForm,
)
from .models import IncentivePlan, Participant, PlanComponent

FORM = "incentives/form.html"


def _detail_url(plan) -> str:
    return reverse("incentives:plan-detail", args=[plan.pk])


# -- list and detail ---------------------------------------------------------------------


@require_safe
def plan_list(request):
    user = request.user
    sees_all = permissions.sees_all_payouts(user)
    columns = [
        Column("name", _("Plan"), sort="name", link=_detail_url),
        Column("period", _("Period"), sort="period"),
        Column("status", _("Status"), sort="status", value=lambda p: p.get_status_display()),
        Column("n_components", _("Components"), numeric=True),
    ]
    if sees_all:
        columns += [
            Column("n_participants", _("Participants"), sort="n_participants", numeric=True),
            Column(
                "cost",
                _("Cost at today's attainment"),
                sort="cost",
                numeric=True,
                value=lambda p: money.rounded(p.cost),
                unit=money.currency(),
            ),
        ]
    own = dict(Participant.objects.filter(person_id=user.pk).values_list("plan_id", "pk"))
    if own:
        columns.append(
            Column(
                "mine",
                _("My scorecard"),
                value=lambda p: _("open") if p.pk in own else "",
                link=lambda p: reverse("incentives:scorecard", args=[own[p.pk]]) if p.pk in own else None,
            )
        )
    table = Table(
        request, selectors.plan_rows(user), columns, default_sort="-period", export_name="bonus-plans"
    )
    if table.wants_csv():
        return table.csv_response()
    return render(
        request,
        "incentives/plan_list.html",
        {
            **table.context(),
            "can_create": permissions.can_create_plan(user),
            "sees_all": sees_all,
        },
    )


def _curve(component: PlanComponent) -> dict:
    points = payouts.curve_points(component)
    return {
        "x": [x for x, _y in points],
        "y": [y for _x, y in points],
        "reverse": component.metric.direction == "lower_is_better",
    }


@require_safe
def plan_detail(request, pk):
    plan = permissions.get_plan_for_view(request.user, pk)
    user = request.user
    components = selectors.components_of(plan)
    sees_all = permissions.sees_all_payouts(user)
    context = {
        "plan": plan,
        "components": [(c, _curve(c), f"curve-data-{c.pk}") for c in components],
        "sees_all": sees_all,
        "participants": selectors.participants_for(user, plan),
        "names": selectors.participant_names(plan),
        "own": Participant.objects.filter(plan=plan, person_id=user.pk).first(),
        "can_edit": permissions.can_edit_plan(user, plan),
        "can_amend": permissions.can_amend_participants(user, plan),
        "can_submit": permissions.can_submit(user, plan),
        "can_decide": permissions.can_decide(user, plan),
        "may_approve": services.may_approve(plan, user),
        "can_close": permissions.can_close(user, plan),
        "period_over": timezone.localdate() > plan.period_obj.end,
        "version_form": VersionForm(initial={"version": plan.version}),
        "send_back_form": SendBackForm(),
        "currency": money.currency(),
    }
    if sees_all:
        context["cost"] = selectors.plan_cost(plan)
        context["value_at_stake"] = selectors.value_at_stake(plan, components)
        context["history"] = _plan_history(plan, components)
    return render(request, "incentives/plan_detail.html", context)


def _plan_history(plan, components, limit=50):
    from django.contrib.contenttypes.models import ContentType

    from apps.core.models import HistoryEntry

    cts = ContentType.objects.get_for_models(IncentivePlan, PlanComponent, Participant)
    from django.db.models import Q

    where = Q(content_type=cts[IncentivePlan], object_id=str(plan.pk))
    where |= Q(content_type=cts[PlanComponent], object_id__in=[str(c.pk) for c in components])
    where |= Q(
        content_type=cts[Participant],
        object_id__in=[str(i) for i in plan.participants.values_list("pk", flat=True)],
    )
    return HistoryEntry.objects.filter(where).select_related("actor").order_by("-at", "-pk")[:limit]


# -- plan editing ------------------------------------------------------------------------


def plan_create(request):
    require(permissions.can_create_plan(request.user), _("Only the CX leader creates bonus plans."))
    year = timezone.localdate().year
    form = PlanForm(request.POST or None, initial={"period": str(year)})
    return form_page(
        request,
        form=form,
        service=partial(services.plan_create, by=request.user),
        success_url=_detail_url,
        template=FORM,
        context={"title": _("New bonus plan")},
    )


def plan_edit(request, pk):
    plan = permissions.get_plan_for_edit(request.user, pk)
    form = PlanEditForm(
        request.POST or None, initial={"name": plan.name, "period": plan.period, "version": plan.version}
    )
    return form_page(
        request,
        form=form,
        service=partial(services.plan_update, plan=plan, by=request.user),
        success_url=_detail_url(plan),
        template=FORM,
        context={"title": _("Edit %(name)s") % {"name": plan.name}, "plan": plan},
    )


def _post_action(request, plan, service, **kwargs):
    """A state change by button (send for approval, approve, close)."""
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date; reload it and try again."))
        return redirect(_detail_url(plan))
    try:
        service(plan=plan, by=request.user, version=form.cleaned_data["version"], **kwargs)
    except StaleEdit:
        messages.error(request, _("Someone changed the plan meanwhile; review it and try again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return redirect(_detail_url(plan))


@require_POST
def plan_submit(request, pk):
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(permissions.can_submit(request.user, plan))
    return _post_action(request, plan, services.plan_submit)


@require_POST
def plan_approve(request, pk):
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(permissions.can_decide(request.user, plan) and services.may_approve(plan, request.user))
    return _post_action(request, plan, services.plan_approve)


def plan_send_back(request, pk):
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(permissions.can_decide(request.user, plan))
    return form_page(
        request,
        form=SendBackForm(request.POST or None),
        service=partial(services.plan_send_back, plan=plan, by=request.user),
        success_url=_detail_url(plan),
        template=FORM,
        context={"title": _("Send %(name)s back to draft") % {"name": plan.name}, "plan": plan},
    )


@require_POST
def plan_close(request, pk):
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(permissions.can_close(request.user, plan))
    return _post_action(request, plan, services.plan_close)


# -- components --------------------------------------------------------------------------


def component_add(request, pk):
    plan = permissions.get_plan_for_edit(request.user, pk)
    return form_page(
        request,
        form=ComponentForm(request.POST or None),
        service=partial(services.component_add, plan=plan, by=request.user),
        success_url=_detail_url(plan),
        template=FORM,
        context={"title": _("New component of %(name)s") % {"name": plan.name}, "plan": plan},
    )


def _component_for_edit(request, pk) -> PlanComponent:
    component = get_object_or_404(PlanComponent.objects.select_related("plan", "metric"), pk=pk)
    require(permissions.can_edit_plan(request.user, component.plan), _("Components are fixed once approved."))
    return component


def component_edit(request, pk):
    component = _component_for_edit(request, pk)
    initial = {name: getattr(component, name) for name in services.COMPONENT_FIELDS}
    initial.update(metric=component.metric_id, version=component.version)
    return form_page(
        request,
        form=ComponentEditForm(request.POST or None, initial=initial),
        service=partial(services.component_update, component=component, by=request.user),
        success_url=_detail_url(component.plan),
        template=FORM,
        context={
            "title": _("Edit component %(c)s") % {"c": component},
            "plan": component.plan,
            "history": history.history_for(component),
        },
    )


@require_POST
def component_remove(request, pk):
    component = _component_for_edit(request, pk)
    try:
        services.component_remove(component=component, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(component.plan))


# -- participants ------------------------------------------------------------------------


def participant_add(request, pk):
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(permissions.can_amend_participants(request.user, plan))
    return form_page(
        request,
        form=ParticipantForm(request.POST or None),
        service=partial(services.participant_add, plan=plan, by=request.user),
        success_url=_detail_url(plan),
        template=FORM,
        context={"title": _("Add a participant to %(name)s") % {"name": plan.name}, "plan": plan},
    )


def participant_edit(request, pk):
    participant = permissions.get_participant_for_amend(request.user, pk)
    plan = participant.plan
    if plan.is_draft:
        form_class = ParticipantEditForm
        initial = {
            "department": participant.department_id,
            "target_bonus": participant.target_bonus,
            "cx_share": participant.cx_share,
            "from_date": participant.from_date,
            "to_date": participant.to_date,
        }
        title = _("Edit %(p)s's terms") % {"p": participant.person}
    else:
        form_class = AmendForm
        initial = {"department": participant.department_id, "to_date": participant.to_date}
        title = _("Amend %(p)s: transfer or leave") % {"p": participant.person}
    initial["version"] = participant.version
    return form_page(
        request,
        form=form_class(request.POST or None, initial=initial),
        service=partial(services.participant_update, participant=participant, by=request.user),
        success_url=_detail_url(plan),
        template=FORM,
        context={"title": title, "plan": plan, "history": history.history_for(participant)},
    )


@require_POST
def participant_remove(request, pk):
    participant = permissions.get_participant_for_amend(request.user, pk)
    require(permissions.can_edit_plan(request.user, participant.plan))
    services.participant_remove(participant=participant, by=request.user)
    return redirect(_detail_url(participant.plan))


def participants_import(request, pk):
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(permissions.can_amend_participants(request.user, plan))
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text."))
        else:
            try:
                created = services.participants_import(plan=plan, by=request.user, text=text)
            except services.ImportErrors as exc:
                row_errors = exc.rows
                form.add_error(None, _("Nothing was imported: fix the rows below and upload the file again."))
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("%(n)s participants imported.") % {"n": len(created)})
                return redirect(_detail_url(plan))
    return render(
        request,
        "incentives/import.html",
        {"form": form, "plan": plan, "row_errors": row_errors, "title": _("Import participants")},
    )


# -- results -----------------------------------------------------------------------------


@require_safe
def results_csv(request, pk):
    plan = permissions.get_plan_for_view(request.user, pk)
    components = selectors.components_of(plan)
    # Period and scope lead as in every export; percentages and the bonus as plain decimals
    # rounded as the scorecard shows them (one decimal; the currency's minor unit), units in
    # the header, the provisional flag in words.
    currency = money.currency()
    header = [
        "period",
        "scope",
        "participant",
        "name",
        "department",
        "plan",
        "provisional",
        *[f"{c.metric.code}:{c.scope}:payout_percent (%)" for c in components],
        "attainment (%)",
        "participation",
        f"cx_bonus ({currency})",
    ]

    def rows():
        for result in selectors.results_for(request.user, plan.pk):
            by_component = {c.component_id: c for c in result.components.all()}
            participant = result.participant
            yield [
                plan.period,
                "org",
                participant.person.email,
                participant.person.display_name,
                participant.department.code if participant.department else "",
                plan.name,
                export_value(result.provisional),
                *[
                    export_value(by_component[c.pk].payout_percent, 1) if c.pk in by_component else ""
                    for c in components
                ],
                export_value(result.attainment, 1),
                export_value(result.participation, 3),
                export_value(money.rounded(result.cx_bonus)),
            ]

    return csv_download(f"bonus-results-{plan.period}-{slugify(plan.name)}", header, rows())


def _scorecard_context(request, participant, *, overrides=None):
    plan = participant.plan
    stored = selectors.stored_result(participant)
    what_if = overrides is not None
    if what_if:
        # Start from the stored actuals (frozen ones for a closed plan), change only
        # the components the user typed a value for.
        base = {c.component_id: c.actual for c in stored.components.all()} if stored else {}
        base.update(overrides)
        (figure,) = payouts.figures_for(
            plan, today=timezone.localdate(), participants=[participant], overrides=base
        )
        for component in figure.components:
            component.what_if = component.component.pk in overrides
    elif stored is not None:
        figure = payouts.ParticipantFigure(
            participant=participant,
            attainment=stored.attainment,
            participation=stored.participation,
            cx_bonus=stored.cx_bonus,
            provisional=stored.provisional,
            components=[
                payouts.ComponentFigure(
                    component=c.component,
                    actual=c.actual,
                    threshold=c.threshold,
                    target=c.target,
                    maximum=c.maximum,
                    payout_percent=c.payout_percent,
                    weight=c.weight,
                    prorated=c.threshold / c.component.threshold if c.component.threshold else 1.0,
                )
                for c in stored.components.all()
            ],
        )
    else:
        (figure,) = payouts.figures_for(plan, today=timezone.localdate(), participants=[participant])
    total_weight = figure.total_weight or 1.0
    rows = [(c, c.contribution / total_weight) for c in figure.components]
    return {
        "plan": plan,
        "participant": participant,
        "figure": figure,
        "rows": rows,
        "stored": stored,
        "what_if": what_if,
        "any_no_actual": any(c.no_actual for c in figure.components),
        "currency": money.currency(),
        "generated": timezone.localtime(),
    }


@require_safe
def scorecard(request, pk):
    participant = permissions.get_participant_for_view(request.user, pk)
    return render(request, "incentives/scorecard.html", _scorecard_context(request, participant))


@require_safe
def scorecard_what_if(request, pk):
    """Change a component's actual and see the payout and bonus move (nothing saved)."""
    participant = permissions.get_participant_for_view(request.user, pk)
    overrides = {}
    errors = []
    for component in participant.plan.components.all():
        raw = (request.GET.get(f"actual-{component.pk}") or "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            errors.append(component.pk)
            continue
        if value == value and abs(value) != float("inf"):
            overrides[component.pk] = value
    context = _scorecard_context(request, participant, overrides=overrides)
    context["bad_inputs"] = errors
    template = "incentives/_scorecard_table.html" if request.htmx else "incentives/scorecard.html"
    return render(request, template, context)


@require_safe
def statement_pdf(request, pk):
    from weasyprint import HTML

    participant = permissions.get_participant_for_view(request.user, pk)
    context = _scorecard_context(request, participant)
    html = render_to_string("incentives/statement_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(f"bonus-statement-{participant.plan.period}-{participant.person.display_name}")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
