"""Every change to metrics, links and targets goes through here (one door each):
validate with the engine's rules, write, record history, mark the roll-up dirty."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core import history
from apps.core.services import archive_set, versioned_update
from apps.core.validators import check_finite

from . import dirty
from .adapters import link_defs, metric_def, target_def
from .engine import graph
from .engine.periods import FREQUENCIES
from .engine.targets import validate_target
from .engine.types import LinkDef
from .models import DriverEvidence, Metric, MetricLink, Target

# Fields whose change alters the arithmetic of the metric and everything above it.
ARITHMETIC_FIELDS = {"is_monetary", "direction", "aggregation", "frequency"}


def _connected_metric_ids(codes: set[str]) -> set[int]:
    """The metrics whose numbers can change when these metrics' links or arithmetic do:
    their ancestors (scores, value at stake) and descendants (money weights)."""
    links = link_defs()
    affected = codes | graph.ancestors(codes, links) | graph.descendants(codes, links)
    return set(Metric.objects.filter(code__in=affected).values_list("pk", flat=True))


def _validate_metric_fields(fields: dict, *, metric: Metric | None = None) -> None:
    errors = {}
    code = fields.get("code")
    if code is not None:
        try:
            Metric._meta.get_field("code").run_validators(code)
        except ValidationError as exc:
            errors["code"] = exc.messages
        clash = Metric.objects.filter(code__iexact=code)
        if metric is not None:
            clash = clash.exclude(pk=metric.pk)
        if clash.exists():
            errors["code"] = [_("A metric with this code exists.")]
    for name, choices in (
        ("level", Metric.Level),
        ("direction", Metric.Direction),
        ("aggregation", Metric.Aggregation),
        ("frequency", Metric.Frequency),
    ):
        if name in fields and fields[name] not in choices.values:
            errors[name] = [_("Choose one of: %(v)s.") % {"v": ", ".join(choices.values)}]
    if "frequency" in fields and fields["frequency"] not in FREQUENCIES:
        errors["frequency"] = [_("Unknown frequency.")]
    if "name" in fields and not str(fields["name"]).strip():
        errors["name"] = [_("A metric needs a name.")]
    if errors:
        raise ValidationError(errors)


def _graph_defs():
    metrics = list(Metric.objects.filter(archived=False))
    codes = {m.code for m in metrics}
    links = [x for x in link_defs() if x.child in codes and x.parent in codes]
    return [metric_def(m) for m in metrics], links


def _refuse_new_money_top_errors(field: str, metrics, links, *, before) -> None:
    """§4 item 7: a monetary metric that would be a money top must be a `sum` metric; refuse
    the change that makes one (errors the graph already had are not this change's)."""
    new = [e for e in graph.money_top_errors(metrics, links) if e not in before]
    if new:
        raise ValidationError(
            {
                field: [
                    _("A money top must be a sum metric (money per month): %(detail)s.")
                    % {"detail": "; ".join(new)}
                ]
            }
        )


def _check_metric_money_top(metric: Metric, changes: dict) -> None:
    metrics, links = _graph_defs()
    before = graph.money_top_errors(metrics, links)
    merged = {
        "code": changes.get("code", metric.code),
        "direction": changes.get("direction", metric.direction),
        "aggregation": changes.get("aggregation", metric.aggregation),
        "frequency": changes.get("frequency", metric.frequency),
        "is_monetary": changes.get("is_monetary", metric.is_monetary),
    }
    after_def = metric_def(Metric(**merged))
    old_code = metric.code if metric.pk else None
    others = [m for m in metrics if m.code != old_code]
    if old_code and old_code != merged["code"]:
        links = [
            LinkDef(
                merged["code"] if x.child == old_code else x.child,
                merged["code"] if x.parent == old_code else x.parent,
                x.weight,
                x.impact,
            )
            for x in links
        ]
    field = "aggregation" if merged["is_monetary"] else "is_monetary"
    _refuse_new_money_top_errors(field, [*others, after_def], links, before=before)


def _check_link_money_top(child: Metric, parent: Metric, weight, impact, *, exclude_pk=None) -> None:
    metrics, links = _graph_defs()
    before = graph.money_top_errors(metrics, links)
    if exclude_pk is not None:
        old = MetricLink.objects.filter(pk=exclude_pk).values_list("child__code", "parent__code").first()
        links = [x for x in links if (x.child, x.parent) != old]
    links = [*links, LinkDef(child.code, parent.code, weight, impact)]
    _refuse_new_money_top_errors("parent", metrics, links, before=before)


@transaction.atomic
def metric_create(
    *,
    by,
    code: str,
    name: str,
    level: str,
    direction: str,
    aggregation: str,
    frequency: str,
    unit: str = "",
    description: str = "",
    is_monetary: bool = False,
    owner=None,
    owner_department=None,
) -> Metric:
    fields = {
        "code": code,
        "name": name,
        "level": level,
        "direction": direction,
        "aggregation": aggregation,
        "frequency": frequency,
    }
    _validate_metric_fields(fields)
    _check_metric_money_top(Metric(), {**fields, "is_monetary": is_monetary})
    metric = Metric.objects.create(
        **fields,
        unit=unit,
        description=description,
        is_monetary=is_monetary,
        owner=owner,
        owner_department=owner_department,
    )
    history.record(metric, by=by)
    return metric


@transaction.atomic
def metric_update(*, metric: Metric, by, version: int, **changes) -> Metric:
    _validate_metric_fields(changes, metric=metric)
    if "frequency" in changes and changes["frequency"] != metric.frequency and metric.measurements.exists():
        # Stored rows are aligned with the old frequency; changing it would orphan them.
        raise ValidationError({"frequency": _("This metric has measurements; its frequency cannot change.")})
    _check_metric_money_top(metric, changes)
    arithmetic = any(k in ARITHMETIC_FIELDS and changes[k] != getattr(metric, k) for k in changes)
    updated = versioned_update(metric, by=by, version=version, changes=changes)
    if arithmetic:
        dirty.mark_years(_connected_metric_ids({updated.code}))
    return updated


def metric_archive(*, metric: Metric, by, archived: bool = True) -> Metric:
    return archive_set(metric, by=by, archived=archived)


def _validate_link(child: Metric, parent: Metric, weight, impact, *, exclude_pk=None) -> None:
    check_finite(weight=weight, impact=impact, allow_none=False)
    if not weight > 0:
        raise ValidationError({"weight": [_("The weight must be greater than 0.")]})
    if child.pk == parent.pk:
        raise ValidationError({"parent": [_("A metric cannot drive itself.")]})
    others = MetricLink.objects.active().select_related("child", "parent")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = link_defs(others)
    if any(x.child == child.code and x.parent == parent.code for x in existing):
        raise ValidationError(
            {"parent": [_("%(c)s already drives %(p)s.") % {"c": child.code, "p": parent.code}]}
        )
    cycle = graph.find_cycle(existing, LinkDef(child.code, parent.code, weight, impact))
    if cycle:
        raise ValidationError(
            {"parent": [_("This link would close the cycle %(cycle)s.") % {"cycle": " → ".join(cycle)}]}
        )
    _check_link_money_top(child, parent, weight, impact, exclude_pk=exclude_pk)


@transaction.atomic
def link_create(*, by, child: Metric, parent: Metric, weight: float = 1.0, impact: float = 0.0) -> MetricLink:
    _validate_link(child, parent, weight, impact)
    link = MetricLink.objects.filter(child=child, parent=parent, archived=True).first()
    if link is not None:
        link = versioned_update(
            link, by=by, version=link.version, changes={"archived": False, "weight": weight, "impact": impact}
        )
    else:
        link = MetricLink.objects.create(child=child, parent=parent, weight=weight, impact=impact)
        history.record(link, by=by)
    dirty.mark_years(_connected_metric_ids({child.code, parent.code}))
    return link


@transaction.atomic
def link_update(*, link: MetricLink, by, version: int, note: str = "", **changes) -> MetricLink:
    weight = changes.get("weight", link.weight)
    impact = changes.get("impact", link.impact)
    child = changes.get("child", link.child)
    parent = changes.get("parent", link.parent)
    _validate_link(child, parent, weight, impact, exclude_pk=link.pk)
    updated = versioned_update(link, by=by, version=version, changes=changes, note=note)
    dirty.mark_years(_connected_metric_ids({link.child.code, link.parent.code, child.code, parent.code}))
    return updated


def evidence_note(evidence: DriverEvidence) -> str:
    """The history note of an adopted estimate: where the number came from."""
    r2 = "—" if evidence.r_squared is None else f"{evidence.r_squared:.2f}"
    return _("From driver evidence: n = %(n)s, R² = %(r2)s, 95 %% interval %(low)s to %(high)s") % {
        "n": evidence.observations,
        "r2": r2,
        "low": f"{evidence.interval_low:.6g}",
        "high": f"{evidence.interval_high:.6g}",
    }


@transaction.atomic
def link_adopt_evidence(*, link: MetricLink, by, version: int) -> MetricLink:
    """The CX leader adopts the driver evidence's estimate as the link's impact, in one
    step: an ordinary link update (history, roll-up of the money) with the evidence noted."""
    evidence = DriverEvidence.objects.filter(link=link).first()
    if evidence is None or evidence.estimate is None:
        raise ValidationError({"impact": [_("This link has no estimate from driver evidence to adopt.")]})
    return link_update(
        link=link, by=by, version=version, impact=evidence.estimate, note=evidence_note(evidence)
    )


@transaction.atomic
def link_archive(*, link: MetricLink, by) -> MetricLink:
    archived = archive_set(link, by=by, archived=True)
    dirty.mark_years(_connected_metric_ids({link.child.code, link.parent.code}))
    return archived


def _validate_target(target: Target, *, exclude_pk=None) -> None:
    check_finite(value=target.value, baseline=target.baseline, amber_threshold=target.amber_threshold)
    metric = target.metric
    others = Target.objects.filter(metric=metric).select_related("department", "channel")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors = validate_target(
        target_def(target, metric_code=metric.code),
        metric_def(metric),
        [target_def(o, metric_code=metric.code) for o in others],
    )
    if errors:
        raise ValidationError({"__all__": errors})


@transaction.atomic
def target_create(
    *,
    by,
    metric: Metric,
    valid_from,
    value: float,
    valid_to=None,
    department=None,
    channel=None,
    baseline: float | None = None,
    amber_threshold: float = 90.0,
) -> Target:
    target = Target(
        metric=metric,
        valid_from=valid_from,
        valid_to=valid_to,
        department=department,
        channel=channel,
        value=value,
        baseline=baseline,
        amber_threshold=amber_threshold,
    )
    _validate_target(target)
    target.save()
    history.record(target, by=by)
    dirty.mark_range(metric, valid_from, valid_to)
    return target


@transaction.atomic
def target_update(*, target: Target, by, version: int, metric: Metric | None = None, **changes) -> Target:
    """Change a target's dates, scope, value, baseline or amber threshold — never its
    metric: another metric's target is a new target (its history and roll-up differ)."""
    if metric is not None and metric.pk != target.metric_id:
        raise ValidationError({"metric": [_("A target cannot move to another metric.")]})
    proposed = Target.objects.select_related("metric", "department", "channel").get(pk=target.pk)
    old_range = (proposed.valid_from, proposed.valid_to)
    for name, value in changes.items():
        setattr(proposed, name, value)
    _validate_target(proposed, exclude_pk=target.pk)
    updated = versioned_update(target, by=by, version=version, changes=changes)
    dirty.mark_range(proposed.metric, *old_range)
    dirty.mark_range(proposed.metric, updated.valid_from, updated.valid_to)
    return updated
