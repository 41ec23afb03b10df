"""Metric pages: hierarchy report, metric list and detail, administration, upload,
roll-up. Pages read snapshots (selectors), never raw measurements."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core import history
from apps.core.errors import StaleEdit
from apps.core.forms import form_page
from apps.core.permissions import require
from apps.core.tables import Column, Table, csv_download, measure_digits, plain
from apps.organization.models import Department
from apps.organization.selectors import department_codes_from

from . import ingest, permissions, selectors, services
from .evidence.services import parent_evidence
from .forms import LinkForm, MetricForm, TargetForm, UploadForm
from .models import DirtyPeriod, DriverEvidence, Metric, MetricLink, RollupRun, RollupSnapshot
from .scopes import period_scope


@require_safe
def hierarchy(request):
    ps = period_scope(request)
    tree = selectors.Hierarchy(ps.period, ps.scope)
    if request.GET.get("format") == "csv":
        return _hierarchy_csv(tree)
    return render(
        request,
        "metrics/hierarchy.html",
        {"ps": ps, "tops": tree.top_rows(), "unlinked": tree.unlinked_roots(), "tree": tree},
    )


@require_safe
def hierarchy_children(request, code):
    """htmx: the children of one row, with their path impact to the branch's top."""
    ps = period_scope(request)
    tree = selectors.Hierarchy(ps.period, ps.scope)
    if code not in tree.metrics:
        return HttpResponse(status=404)
    root = request.GET.get("root") if request.GET.get("root") in tree.metrics else code
    try:
        depth = max(0, min(int(request.GET.get("depth", "1")), 30))
    except ValueError:
        depth = 1
    path = tuple(x for x in request.GET.get("path", "").split(".") if x)[:32]
    rows = tree.child_rows(code, root, depth, path)
    return render(
        request,
        "metrics/_hierarchy_rows.html",
        {"rows": rows, "ps": ps, "root": tree.metrics[root], "parent_code": code},
    )


def _hierarchy_csv(tree: selectors.Hierarchy) -> HttpResponse:
    """One row per path from a money top (as the hierarchy API), then the metrics not linked
    to money; period and scope on every row, units in the header, status in words, numbers
    as plain decimals rounded as the page shows them."""
    currency = settings.PORTAL_CURRENCY
    header = [
        "period",
        "scope",
        "path",
        "code",
        "name",
        "level",
        "unit",
        "actual",
        "target",
        "score",
        "status",
        f"value_at_stake_along_path_{currency}",
        "impact_on_top_per_unit",
        "top_unit",
        "owner_department",
    ]

    def line(row):
        s = row.snapshot
        unit = currency if row.metric.is_monetary else row.metric.unit
        return [
            str(tree.period),
            tree.scope.label,
            " > ".join(row.path),
            row.metric.code,
            row.metric.name,
            row.metric.get_level_display(),
            unit,
            plain(s.actual, measure_digits(s.actual, row.metric)) if s else None,
            plain(s.target, measure_digits(s.target, row.metric)) if s else None,
            plain(row.score, 0),
            str(RollupSnapshot.Status(row.status).label),
            plain(row.value_along_path, 0) if row.path else _("not linked to money"),
            plain(row.path_impact if row.path_impact is not None else (1.0 if row.path else None), 4),
            (currency if row.top.is_monetary else row.top.unit) if row.top else None,
            row.metric.owner_department.code if row.metric.owner_department else None,
        ]

    def rows():
        for row in tree.path_rows():
            yield line(row)
        for row in tree.flat_rows():
            if not row.linked_to_money:
                yield line(row)

    return csv_download(f"hierarchy-{tree.period}-{tree.scope.label}", header, rows())


@require_safe
def metric_list(request):
    qs = Metric.objects.select_related("owner_department", "owner")
    if request.GET.get("level") in Metric.Level.values:
        qs = qs.filter(level=request.GET["level"])
    if request.GET.get("archived") != "1":
        qs = qs.filter(archived=False)
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
    if (codes := department_codes_from(request.GET)) is not None:
        qs = qs.filter(owner_department__code__in=codes)
    if request.GET.get("leaf") == "1":
        # Leaves only: what the scoreboard's owned value at stake sums.
        qs = qs.filter(pk__in=selectors.leaf_metric_ids())
    status = request.GET.get("status")
    status_period = None
    if status in RollupSnapshot.Status.values:
        # Status at organisation scope in ?period= (the departments scoreboard's counts);
        # a metric with no snapshot there has no data.
        status_period = period_scope(request).period
        at_period = RollupSnapshot.objects.filter(
            period_kind=status_period.kind, period_start=status_period.start, scope_kind="org", scope_id=0
        )
        if status == RollupSnapshot.Status.GREY:
            qs = qs.exclude(pk__in=at_period.exclude(status=status).values("metric_id"))
        else:
            qs = qs.filter(pk__in=at_period.filter(status=status).values("metric_id"))
    table = Table(
        request,
        qs,
        [
            Column(
                "code", _("Code"), sort="code", link=lambda m: reverse("metrics:metric-detail", args=[m.code])
            ),
            Column("name", _("Name"), sort="name"),
            Column("level", _("Level"), sort="level", value=lambda m: m.get_level_display()),
            Column("direction", _("Direction"), value=lambda m: m.get_direction_display()),
            Column(
                "aggregation",
                _("Aggregation"),
                sort="aggregation",
                value=lambda m: m.get_aggregation_display(),
            ),
            Column("frequency", _("Frequency"), sort="frequency", value=lambda m: m.get_frequency_display()),
            Column("unit", _("Unit")),
            Column("owner_department", _("Owner department"), sort="owner_department__name"),
            Column("owner", _("Owner"), sort="owner__display_name"),
        ],
        default_sort="code",
        export_name="metrics",
    )
    if table.wants_csv():
        return table.csv_response()
    return render(
        request,
        "metrics/metric_list.html",
        {
            **table.context(),
            "can_edit": permissions.can_edit_metrics(request.user),
            "levels": Metric.Level.choices,
            "statuses": RollupSnapshot.Status.choices,
            "status_period": status_period,
            "departments": Department.objects.active().order_by("name").values_list("code", "name"),
        },
    )


@require_safe
def metric_detail(request, code):
    metric = get_object_or_404(
        Metric.objects.select_related("owner", "owner_department").prefetch_related(
            Prefetch(
                "parent_links", queryset=MetricLink.objects.select_related("parent").filter(archived=False)
            ),
            Prefetch(
                "child_links", queryset=MetricLink.objects.select_related("child").filter(archived=False)
            ),
            "targets__department",
            "targets__channel",
        ),
        code=code,
    )
    ps = period_scope(request)
    page = selectors.metric_page(metric, ps.period, ps.scope)
    context = {
        "metric": metric,
        "ps": ps,
        "trend": page.trend,
        "current": page.current,
        "by_dept": page.by_dept,
        "by_channel": page.by_channel,
        "consistency": page.consistency,
        "money": page.money,
        "chart": page.chart,
        "by_top": page.by_top,
        "linked_to_money": bool(page.by_top),
        "reconciled_dept": page.reconciled.get("dept"),
        "reconciled_channel": page.reconciled.get("channel"),
        "own_period": _text_or_none(selectors.measured_less_often(metric, ps.period)),
        "history": history.history_for(metric),
        "can_edit": permissions.can_edit_metrics(request.user),
        "detail_sections": selectors.metric_detail_sections(request, metric),
        "evidence": parent_evidence(metric) if metric.child_links.all() else [],
    }
    return render(request, "metrics/metric_detail.html", context)


def _text_or_none(value) -> str | None:
    return None if value is None else str(value)


def _metric_url(metric) -> str:
    return reverse("metrics:metric-detail", args=[metric.code])


def metric_create(request):
    require(
        permissions.can_edit_metrics(request.user),
        _("Only the CX leader edits metrics, driver links and targets."),
    )
    form = MetricForm(
        request.POST or None, initial={"version": 1, "frequency": "monthly", "aggregation": "mean"}
    )
    return form_page(
        request,
        form=form,
        service=partial(services.metric_create, by=request.user),
        success_url=_metric_url,
        template="metrics/form.html",
        context={"title": _("New metric")},
    )


def metric_edit(request, code):
    metric = permissions.get_metric_for_edit(request.user, code)
    fields = [
        "code",
        "name",
        "description",
        "level",
        "unit",
        "is_monetary",
        "direction",
        "aggregation",
        "frequency",
        "owner",
        "owner_department",
    ]
    initial = {f: getattr(metric, f) for f in fields}
    initial.update(owner=metric.owner_id, owner_department=metric.owner_department_id, version=metric.version)
    return form_page(
        request,
        form=MetricForm(request.POST or None, initial=initial),
        service=partial(services.metric_update, metric=metric, by=request.user),
        success_url=_metric_url,  # the code may have changed
        context={"title": _("Edit %(code)s") % {"code": metric.code}, "history": history.history_for(metric)},
        template="metrics/form.html",
    )


def link_create(request):
    require(
        permissions.can_edit_metrics(request.user),
        _("Only the CX leader edits metrics, driver links and targets."),
    )
    initial = {"version": 1, "weight": 1.0, "impact": 0.0}
    for side in ("child", "parent"):
        if code := request.GET.get(side):
            initial[side] = Metric.objects.filter(code=code).values_list("pk", flat=True).first()
    return form_page(
        request,
        form=LinkForm(request.POST or None, initial=initial),
        service=partial(services.link_create, by=request.user),
        success_url=lambda link: _metric_url(link.parent),
        template="metrics/form.html",
        context={"title": _("New driver link")},
    )


def link_edit(request, pk):
    link = permissions.get_link_for_edit(request.user, pk)
    evidence_row = DriverEvidence.objects.filter(link=link).first()
    initial = {
        "child": link.child_id,
        "parent": link.parent_id,
        "weight": link.weight,
        "impact": link.impact,
        "version": link.version,
    }
    return form_page(
        request,
        form=LinkForm(request.POST or None, initial=initial),
        service=partial(services.link_update, link=link, by=request.user),
        success_url=_metric_url(link.parent),
        context={
            "title": _("Edit link %(link)s") % {"link": link},
            "history": history.history_for(link),
            "archive_url": reverse("metrics:link-archive", args=[pk]),
            # The driver evidence beside the stated impact (DESIGN §4 item 13).
            "link_evidence": {
                "link": link,
                "evidence": evidence_row,
                "can_adopt": permissions.can_adopt_evidence(request.user),
            },
        },
        template="metrics/form.html",
    )


@require_POST
def link_adopt_evidence(request, pk):
    """The CX leader adopts the evidence's estimate as the link's impact (one step)."""
    link = permissions.get_link_for_adopting_evidence(request.user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponse(_("The form is missing its version; reload the page."), status=400)
    try:
        updated = services.link_adopt_evidence(link=link, by=request.user, version=version)
    except StaleEdit:
        messages.error(request, _("Someone changed this link meanwhile; here is its current state."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "The impact of %(link)s is now the estimate from driver evidence, %(impact)s; "
                "the money is being recomputed."
            )
            % {"link": updated, "impact": f"{updated.impact:.6g}"},
        )
    return redirect("metrics:link-edit", pk=pk)


@require_POST
def link_archive(request, pk):
    link = permissions.get_link_for_edit(request.user, pk)
    services.link_archive(link=link, by=request.user)
    messages.success(request, _("Link removed (archived)."))
    return redirect("metrics:metric-detail", code=link.parent.code)


def target_create(request, code):
    metric = permissions.get_metric_for_edit(request.user, code)
    return form_page(
        request,
        form=TargetForm(request.POST or None, initial={"version": 1, "amber_threshold": 90.0}),
        service=partial(services.target_create, by=request.user, metric=metric),
        success_url=_metric_url(metric),
        template="metrics/form.html",
        context={"title": _("New target for %(code)s") % {"code": metric.code}},
    )


def target_edit(request, pk):
    target = permissions.get_target_for_edit(request.user, pk)
    fields = ["valid_from", "valid_to", "value", "baseline", "amber_threshold"]
    initial = {f: getattr(target, f) for f in fields}
    initial.update(department=target.department_id, channel=target.channel_id, version=target.version)
    return form_page(
        request,
        form=TargetForm(request.POST or None, initial=initial),
        service=partial(services.target_update, target=target, by=request.user),
        success_url=_metric_url(target.metric),
        context={
            "title": _("Edit target of %(code)s") % {"code": target.metric.code},
            "history": history.history_for(target),
        },
        template="metrics/form.html",
    )


def upload(request):
    """CSV upload for department heads (their department's rows) and the CX leader."""
    require(
        permissions.can_ingest(request.user) and not request.user.is_system,
        _("Measurements are uploaded by the CX leader and department heads (their department's rows)."),
    )
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    problem = None
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            result = ingest.measurements_ingest_csv(upload_file.file, by=request.user)
        except ingest.BatchTooLarge as exc:
            problem = _("A file may hold at most %(n)s rows; split it.") % {"n": exc.limit}
        except ingest.BadPayload as exc:
            problem = str(exc)
        except UnicodeDecodeError:
            problem = _("The file is not UTF-8 text (save it as CSV UTF-8).")
        if result is not None and result.ok:
            messages.success(
                request,
                _("%(created)s rows created, %(updated)s updated; the roll-up is queued.")
                % {"created": result.created, "updated": result.updated},
            )
    return render(
        request,
        "metrics/upload.html",
        {"form": form, "result": result, "problem": problem, "codes": selectors.upload_codes()},
    )


def rollup_page(request):
    """Start a full roll-up (CX leader) and watch its progress (htmx polling)."""
    if request.method == "POST":
        require(permissions.can_run_rollup(request.user))
        from .runs import request_full_rollup

        request_full_rollup(by=request.user)
        messages.success(request, _("A full roll-up is queued."))
        return redirect("metrics:rollup")
    context = {
        "runs": RollupRun.objects.select_related("requested_by")[:10],
        "pending": DirtyPeriod.objects.count(),
        "can_run": permissions.can_run_rollup(request.user),
    }
    template = "metrics/_rollup_status.html" if request.htmx else "metrics/rollup.html"
    return render(request, template, context)
