"""Every change to bonus plans goes through here (DESIGN §3 incentives, STYLE "one door"):
validate, write (version-checked), record history, notify through the outbox, and keep
the plan's computed results current.

State rules: a draft is edited by the CX leader (fields, components, participants) and
sent for approval; an executive approves it or sends it back with a reason — nobody who
edited the plan in its current drafting round may approve it. Once approved, components
are fixed; participants may still be amended (join, leave, transfer), each amendment
recorded and announced to the approver. After the period the plan is closed: pending
roll-ups run, a final computation freezes the results, and nothing changes it again.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core import history
from apps.core.errors import StaleEdit
from apps.core.services import versioned_update
from apps.metrics.engine import incentives as engine
from apps.metrics.engine.periods import Period, period_kinds_for
from apps.notifications.services import notify
from apps.organization.models import Department, User

from . import payouts
from .models import ComponentResult, IncentivePlan, Participant, PayoutResult, PlanComponent

PLAN_KINDS = ("quarter", "year")


# -- helpers -----------------------------------------------------------------------


def parse_plan_period(text: str, *, field: str = "period") -> Period:
    try:
        period = Period.parse(str(text or ""))
    except ValueError:
        period = None
    if period is None or period.kind not in PLAN_KINDS:
        raise ValidationError(
            {
                field: [
                    _("“%(text)s” is not a plan period: use a year (2026) or a quarter (2026-Q2).")
                    % {"text": text}
                ]
            }
        )
    return period


def _finite(value, field: str, errors: dict) -> None:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        errors.setdefault(field, []).append(_("Enter a number."))


def _plan_url(plan: IncentivePlan) -> str:
    return reverse("incentives:plan-detail", args=[plan.pk])


def _require_draft(plan: IncentivePlan, what: str = "") -> None:
    if plan.status != IncentivePlan.Status.DRAFT:
        raise ValidationError(
            what
            or _("The plan is %(status)s: its definition is read-only.")
            % {"status": plan.get_status_display()}
        )


def _fresh(plan: IncentivePlan) -> IncentivePlan:
    return IncentivePlan.objects.select_for_update().get(pk=plan.pk)


def _touch(plan: IncentivePlan, by) -> IncentivePlan:
    """An edit of the plan's definition: bump its version (so an approver looking at an
    older version is refused), remember the editor, and withdraw it from approval."""
    fresh = _fresh(plan)
    editors = list(fresh.editor_ids or [])
    if by is not None and by.pk not in editors:
        editors.append(by.pk)
    IncentivePlan.objects.filter(pk=plan.pk).update(
        version=F("version") + 1, editor_ids=editors, submitted_at=None, submitted_by=None
    )
    fresh.refresh_from_db()
    return fresh


def _check_version(plan: IncentivePlan, version: int | None) -> None:
    if version is not None and plan.version != version:
        raise StaleEdit(plan, plan.version)


_ENGINE_MESSAGES = {
    "weight must be greater than 0": ("weight", gettext_noop("The weight must be greater than 0.")),
    "payout percentages must satisfy 0 ≤ threshold ≤ target ≤ maximum": (
        "threshold_percent",
        gettext_noop("Payout percentages must satisfy 0 ≤ threshold % ≤ target % ≤ maximum %."),
    ),
}


def _validate_component(plan: IncentivePlan, fields: dict, *, exclude_pk: int | None = None) -> None:
    errors: dict[str, list] = {}
    metric = fields["metric"]
    for name in (
        "weight",
        "threshold",
        "target",
        "maximum",
        "threshold_percent",
        "target_percent",
        "maximum_percent",
    ):
        _finite(fields.get(name), name, errors)
    if errors:
        raise ValidationError(errors)
    if fields["scope"] not in PlanComponent.Scope.values:
        errors["scope"] = [_("The scope is organisation or department.")]
    period = plan.period_obj
    if period.kind not in period_kinds_for(metric.frequency):
        errors.setdefault("metric", []).append(
            _("%(code)s is measured %(frequency)s, less often than the plan's period (%(period)s).")
            % {"code": metric.code, "frequency": metric.get_frequency_display(), "period": plan.period}
        )
    definition = payouts.component_def(
        PlanComponent(metric=metric, **{k: v for k, v in fields.items() if k != "metric"})
    )
    for message in engine.validate_component(definition):
        if message in _ENGINE_MESSAGES:
            name, text = _ENGINE_MESSAGES[message]
            errors.setdefault(name, []).append(_(text))
        elif definition.sign > 0:
            errors.setdefault("target", []).append(
                _(
                    "%(code)s is higher-is-better: the threshold must be below the target, "
                    "and the target below the maximum."
                )
                % {"code": metric.code}
            )
        else:
            errors.setdefault("target", []).append(
                _(
                    "%(code)s is lower-is-better: the threshold must be above the target, "
                    "and the target above the maximum."
                )
                % {"code": metric.code}
            )
    duplicate = plan.components.filter(metric=metric, scope=fields["scope"]).exclude(pk=exclude_pk)
    if duplicate.exists():
        errors.setdefault("metric", []).append(_("The plan already has this metric at this scope."))
    if fields["scope"] == PlanComponent.Scope.DEPARTMENT:
        missing = plan.participants.filter(department__isnull=True).select_related("person")
        names = ", ".join(str(p.person) for p in missing[:5])
        if names:
            errors.setdefault("scope", []).append(
                _(
                    "A department-scoped component needs every participant's department; "
                    "missing for: %(names)s."
                )
                % {"names": names}
            )
    if errors:
        raise ValidationError(errors)


COMPONENT_FIELDS = (
    "metric",
    "scope",
    "weight",
    "threshold",
    "target",
    "maximum",
    "threshold_percent",
    "target_percent",
    "maximum_percent",
)


# -- plans ---------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, by, name: str, period: str, components=(), participants=()) -> IncentivePlan:
    """A draft plan, optionally with its components and participants (the API's nested
    create); all-or-nothing."""
    errors = {}
    if not str(name or "").strip():
        errors["name"] = [_("A plan needs a name.")]
    try:
        parsed = parse_plan_period(period)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        parsed = None
    if errors:
        raise ValidationError(errors)
    plan = IncentivePlan.objects.create(
        name=name.strip(), period=str(parsed), author=by, editor_ids=[by.pk] if by else []
    )
    history.record(plan, by=by)
    _replace_nested(plan, by=by, components=components, participants=participants)
    results_recompute(plan=plan)
    return IncentivePlan.objects.get(pk=plan.pk)


def _nested_errors(exc: ValidationError, prefix: str, index: int) -> dict:
    """Errors of one item of a nested list, keyed `components[0].threshold`."""
    if hasattr(exc, "error_dict"):
        return {f"{prefix}[{index}].{name}": messages for name, messages in exc.message_dict.items()}
    return {f"{prefix}[{index}]": exc.messages}


def _replace_nested(plan, *, by, components=None, participants=None) -> None:
    """Set the draft's participants, then its components (so department-scoped components
    see the participants' departments); report errors by list index."""
    errors: dict[str, list] = {}
    if components is not None:
        for old in plan.components.all():
            component_remove(component=old, by=by, recompute=False)
    if participants is not None:
        for old in plan.participants.all():
            participant_remove(participant=old, by=by, recompute=False)
        for index, data in enumerate(participants):
            try:
                participant_add(plan=plan, by=by, recompute=False, **data)
            except ValidationError as exc:
                errors.update(_nested_errors(exc, "participants", index))
    if components is not None:
        for index, data in enumerate(components):
            try:
                component_add(plan=plan, by=by, recompute=False, **data)
            except ValidationError as exc:
                errors.update(_nested_errors(exc, "components", index))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_update(
    *, plan: IncentivePlan, by, version: int, components=None, participants=None, **changes
) -> IncentivePlan:
    """Edit a draft's name or period (and, from the API, replace its components and
    participants)."""
    fresh = _fresh(plan)
    _check_version(fresh, version)
    _require_draft(fresh)
    errors = {}
    wanted = {}
    if "name" in changes:
        if not str(changes["name"] or "").strip():
            errors["name"] = [_("A plan needs a name.")]
        wanted["name"] = str(changes["name"]).strip()
    if "period" in changes:
        try:
            period = parse_plan_period(changes["period"])
            wanted["period"] = str(period)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if "period" in wanted and wanted["period"] != fresh.period:
        new = Period.parse(wanted["period"])
        outside = fresh.participants.exclude(from_date__gte=new.start, to_date__lte=new.end)
        if outside.exists() and participants is None:
            raise ValidationError({"period": [_("Some participants' dates fall outside the new period.")]})
        if components is None:
            too_rare = [
                c.metric.code
                for c in fresh.components.select_related("metric")
                if new.kind not in period_kinds_for(c.metric.frequency)
            ]
            if too_rare:
                raise ValidationError(
                    {
                        "period": [
                            _("Measured less often than the new period: %(codes)s.")
                            % {"codes": ", ".join(too_rare)}
                        ]
                    }
                )
    fresh = versioned_update(fresh, by=by, version=version, changes=wanted)
    _touch(fresh, by)
    fresh = IncentivePlan.objects.get(pk=plan.pk)
    if components is not None or participants is not None:
        _replace_nested(fresh, by=by, components=components, participants=participants)
    results_recompute(plan=fresh)
    return IncentivePlan.objects.get(pk=plan.pk)


@transaction.atomic
def plan_submit(*, plan: IncentivePlan, by, version: int | None = None) -> IncentivePlan:
    """Send a draft for approval; the executives hear of it."""
    fresh = _fresh(plan)
    _check_version(fresh, version)
    _require_draft(fresh)
    if not fresh.components.exists():
        raise ValidationError(_("Add at least one component before sending the plan for approval."))
    if not fresh.participants.exists():
        raise ValidationError(_("Add at least one participant before sending the plan for approval."))
    before = history.capture(fresh)
    IncentivePlan.objects.filter(pk=plan.pk).update(
        submitted_at=timezone.now(), submitted_by=by, sent_back_reason="", version=F("version") + 1
    )
    fresh.refresh_from_db()
    history.record(fresh, by=by, before=before, note=_("sent for approval"))
    from apps.core import roles

    for user in User.objects.filter(is_active=True, role_grants__role=roles.EXECUTIVE).distinct():
        if user.pk in (fresh.editor_ids or []):
            continue
        notify(
            recipient=user,
            kind="incentive_plan_submitted",
            subject=lambda: _("Bonus plan “%(name)s” awaits your approval") % {"name": fresh.name},
            url=_plan_url(fresh),
        )
    return fresh


@transaction.atomic
def plan_send_back(*, plan: IncentivePlan, by, reason: str, version: int | None = None) -> IncentivePlan:
    """An approver returns the plan to draft with a reason; a new drafting round starts."""
    fresh = _fresh(plan)
    _check_version(fresh, version)
    _require_draft(fresh)
    if not str(reason or "").strip():
        raise ValidationError({"reason": [_("Say why the plan goes back to draft.")]})
    before = history.capture(fresh)
    IncentivePlan.objects.filter(pk=plan.pk).update(
        submitted_at=None,
        submitted_by=None,
        sent_back_reason=reason.strip(),
        editor_ids=[],
        version=F("version") + 1,
    )
    fresh.refresh_from_db()
    history.record(fresh, by=by, before=before, note=_("sent back to draft"))
    notify(
        recipient=fresh.author,
        kind="incentive_plan_sent_back",
        subject=lambda: _("Bonus plan “%(name)s” was sent back to draft") % {"name": fresh.name},
        body=lambda: reason.strip(),
        url=_plan_url(fresh),
    )
    return fresh


def may_approve(plan: IncentivePlan, user) -> bool:
    """Nobody who edited the plan in its current drafting round may approve it."""
    return user is not None and user.pk not in (plan.editor_ids or [])


@transaction.atomic
def plan_approve(*, plan: IncentivePlan, by, version: int | None = None) -> IncentivePlan:
    fresh = _fresh(plan)
    _check_version(fresh, version)
    _require_draft(fresh)
    if fresh.submitted_at is None:
        raise ValidationError(_("The plan has not been sent for approval."))
    if not may_approve(fresh, by):
        raise ValidationError(
            _("You edited this plan since it was last sent for approval: someone else must approve it.")
        )
    before = history.capture(fresh)
    IncentivePlan.objects.filter(pk=plan.pk).update(
        status=IncentivePlan.Status.APPROVED,
        approved_by=by,
        approved_at=timezone.now(),
        version=F("version") + 1,
    )
    fresh.refresh_from_db()
    history.record(fresh, by=by, before=before)

    def subject():
        return _("Bonus plan “%(name)s” (%(period)s) is approved") % {
            "name": fresh.name,
            "period": fresh.period,
        }

    notify(
        recipient=fresh.author,
        kind="incentive_plan_approved",
        subject=subject,
        url=_plan_url(fresh),
        dedupe_key=f"incentive-approved-author:{fresh.pk}:{fresh.approved_at:%Y%m%d%H%M%S}",
    )
    for participant in fresh.participants.select_related("person"):
        if participant.person_id == fresh.author_id:
            continue
        notify(
            recipient=participant.person,
            kind="incentive_plan_approved",
            subject=subject,
            body=lambda: _("Your scorecard shows your CX components and bonus to date."),
            url=reverse("incentives:scorecard", args=[participant.pk]),
        )
    return fresh


@transaction.atomic
def plan_close(
    *, plan: IncentivePlan, by, today: date | None = None, version: int | None = None
) -> IncentivePlan:
    """After the period: run the pending roll-ups, compute the results a last time and
    freeze them. Later roll-ups never change a closed plan's results."""
    from apps.metrics.rollup import rollup_dirty

    today = today or timezone.localdate()
    fresh = _fresh(plan)
    _check_version(fresh, version)
    if fresh.status != IncentivePlan.Status.APPROVED:
        raise ValidationError(_("Only an approved plan can be closed."))
    if today <= fresh.period_obj.end:
        raise ValidationError(
            _("The plan's period ends on %(end)s: it can be closed after that.")
            % {"end": fresh.period_obj.end}
        )
    rollup_dirty(today=today)
    results_recompute(plan=fresh, today=today, force=True)
    now = timezone.now()
    PayoutResult.objects.filter(plan=fresh).update(frozen_at=now, provisional=False)
    before = history.capture(fresh)
    IncentivePlan.objects.filter(pk=plan.pk).update(
        status=IncentivePlan.Status.CLOSED, closed_by=by, closed_at=now, version=F("version") + 1
    )
    fresh.refresh_from_db()
    history.record(fresh, by=by, before=before)
    for participant in fresh.participants.select_related("person"):
        notify(
            recipient=participant.person,
            kind="incentive_plan_closed",
            subject=lambda: (
                _("Bonus plan “%(name)s” (%(period)s) is closed: your final statement")
                % {"name": fresh.name, "period": fresh.period}
            ),
            url=reverse("incentives:scorecard", args=[participant.pk]),
        )
    return fresh


# -- components ----------------------------------------------------------------------


@transaction.atomic
def component_add(
    *,
    plan: IncentivePlan,
    by,
    metric,
    threshold: float,
    target: float,
    maximum: float,
    scope: str = PlanComponent.Scope.ORGANISATION,
    weight: float = 1.0,
    threshold_percent: float | None = None,
    target_percent: float | None = None,
    maximum_percent: float | None = None,
    recompute: bool = True,
) -> PlanComponent:
    plan = _fresh(plan)
    _require_draft(plan, _("Components are fixed once the plan is approved."))
    fields = {
        "metric": metric,
        "scope": scope,
        "weight": weight,
        "threshold": threshold,
        "target": target,
        "maximum": maximum,
        "threshold_percent": engine.DEFAULT_THRESHOLD_PERCENT
        if threshold_percent is None
        else threshold_percent,
        "target_percent": engine.DEFAULT_TARGET_PERCENT if target_percent is None else target_percent,
        "maximum_percent": engine.DEFAULT_MAXIMUM_PERCENT if maximum_percent is None else maximum_percent,
    }
    _validate_component(plan, fields)
    component = PlanComponent.objects.create(plan=plan, **fields)
    history.record(component, by=by)
    _touch(plan, by)
    if recompute:
        results_recompute(plan=plan)
    return component


@transaction.atomic
def component_update(*, component: PlanComponent, by, version: int, **changes) -> PlanComponent:
    plan = _fresh(component.plan)
    _require_draft(plan, _("Components are fixed once the plan is approved."))
    current = PlanComponent.objects.select_related("metric").get(pk=component.pk)
    fields = {name: changes.get(name, getattr(current, name)) for name in COMPONENT_FIELDS}
    _validate_component(plan, fields, exclude_pk=component.pk)
    changed = {k: v for k, v in fields.items() if k in changes}
    if "metric" in changed:
        changed["metric_id"] = changed.pop("metric").pk
    updated = versioned_update(current, by=by, version=version, changes=changed)
    _touch(plan, by)
    results_recompute(plan=plan)
    return updated


@transaction.atomic
def component_remove(*, component: PlanComponent, by, recompute: bool = True) -> None:
    plan = _fresh(component.plan)
    _require_draft(plan, _("Components are fixed once the plan is approved."))
    history.record(
        plan, by=by, before=history.capture(plan), note=_("component removed: %(c)s") % {"c": component}
    )
    ComponentResult.objects.filter(component=component).delete()
    component.delete()
    _touch(plan, by)
    if recompute:
        results_recompute(plan=plan)


# -- participants ----------------------------------------------------------------------


def _validate_participant(plan: IncentivePlan, fields: dict, *, exclude_pk: int | None = None) -> dict:
    errors: dict[str, list] = {}
    period = plan.period_obj
    person = fields.get("person")
    if person is None:
        errors["participant"] = [_("Choose a person.")]
    elif getattr(person, "is_system", False) or not person.is_active:
        errors["participant"] = [_("%(p)s cannot take part in a bonus plan.") % {"p": person}]
    elif plan.participants.filter(person=person).exclude(pk=exclude_pk).exists():
        errors["participant"] = [_("%(p)s already takes part in this plan.") % {"p": person}]
    bonus = fields.get("target_bonus")
    if bonus is None or not isinstance(bonus, int | float) or not math.isfinite(bonus) or bonus < 0:
        errors["target_bonus"] = [_("The target bonus is an amount of 0 or more.")]
    share = fields.get("cx_share")
    if (
        share is None
        or not isinstance(share, int | float)
        or not math.isfinite(share)
        or not 0 <= share <= 100
    ):
        errors["cx_share"] = [_("The CX share is a percentage from 0 to 100.")]
    first, last = fields.get("from_date"), fields.get("to_date")
    if first is None or not period.contains(first):
        errors["from"] = [
            _("The start date must lie within the plan's period (%(s)s to %(e)s).")
            % {"s": period.start, "e": period.end}
        ]
    if last is None or not period.contains(last):
        errors["to"] = [
            _("The end date must lie within the plan's period (%(s)s to %(e)s).")
            % {"s": period.start, "e": period.end}
        ]
    if first and last and last < first and "from" not in errors and "to" not in errors:
        errors["to"] = [_("The end date is before the start date.")]
    if (
        fields.get("department") is None
        and plan.components.filter(scope=PlanComponent.Scope.DEPARTMENT).exists()
    ):
        errors["department"] = [
            _(
                "The plan has a department-scoped component: the participant needs a department "
                "(none is set, and they have no primary department)."
            )
        ]
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def participant_add(
    *,
    plan: IncentivePlan,
    by,
    person=None,
    participant=None,
    target_bonus: float,
    cx_share: float,
    department=None,
    from_date: date | None = None,
    to_date: date | None = None,
    recompute: bool = True,
    **aliases,
) -> Participant:
    """Add a participant (on a draft; on an approved plan this is a "join" amendment,
    announced to the approver). The department defaults to their primary department;
    the dates to the whole period."""
    plan = _fresh(plan)
    if plan.is_closed:
        raise ValidationError(_("The plan is closed: it is read-only."))
    person = person or participant
    from_date = aliases.get("from", from_date)
    to_date = aliases.get("to", to_date)
    period = plan.period_obj
    fields = _validate_participant(
        plan,
        {
            "person": person,
            "department": department or getattr(person, "primary_department", None),
            "target_bonus": target_bonus,
            "cx_share": cx_share,
            "from_date": from_date or period.start,
            "to_date": to_date or period.end,
        },
    )
    row = Participant.objects.create(plan=plan, **fields)
    history.record(row, by=by)
    if plan.is_draft:
        _touch(plan, by)
    else:
        _announce_amendment(
            plan, by, _("%(p)s joined the plan from %(d)s") % {"p": person, "d": row.from_date}
        )
    if recompute:
        results_recompute(plan=plan)
    return row


AMENDABLE = ("department", "to_date")


@transaction.atomic
def participant_update(*, participant: Participant, by, version: int, **changes) -> Participant:
    """On a draft every field may change; on an approved plan only the amendments:
    leave (`to_date`) and transfer (`department`)."""
    plan = _fresh(participant.plan)
    if plan.is_closed:
        raise ValidationError(_("The plan is closed: it is read-only."))
    current = Participant.objects.select_related("person", "department").get(pk=participant.pk)
    if "from" in changes:
        changes["from_date"] = changes.pop("from")
    if "to" in changes:
        changes["to_date"] = changes.pop("to")
    changes.pop("person", None)
    changes.pop("participant", None)
    if not plan.is_draft:
        refused = [k for k in changes if k not in AMENDABLE and changes[k] != getattr(current, k)]
        if refused:
            raise ValidationError(
                {
                    k: [_("Once the plan is approved only the department and the end date can be amended.")]
                    for k in refused
                }
            )
    fields = {
        name: changes.get(name, getattr(current, name))
        for name in ("department", "target_bonus", "cx_share", "from_date", "to_date")
    }
    _validate_participant(plan, {"person": current.person, **fields}, exclude_pk=current.pk)
    wanted = {
        ("department_id" if k == "department" else k): (v.pk if k == "department" and v else v)
        for k, v in fields.items()
        if k in changes
    }
    updated = versioned_update(current, by=by, version=version, changes=wanted)
    if plan.is_draft:
        _touch(plan, by)
    else:
        notes = []
        if "to_date" in changes and changes["to_date"] != current.to_date:
            notes.append(_("%(p)s leaves the plan on %(d)s") % {"p": current.person, "d": changes["to_date"]})
        if "department" in changes and changes["department"] != current.department:
            notes.append(_("%(p)s transferred to %(d)s") % {"p": current.person, "d": changes["department"]})
        if notes:
            _announce_amendment(plan, by, "; ".join(str(n) for n in notes))
    results_recompute(plan=plan)
    return updated


@transaction.atomic
def participant_remove(*, participant: Participant, by, recompute: bool = True) -> None:
    plan = _fresh(participant.plan)
    _require_draft(plan, _("Once the plan is approved a participant leaves by an end date, not by removal."))
    history.record(
        plan,
        by=by,
        before=history.capture(plan),
        note=_("participant removed: %(p)s") % {"p": participant.person},
    )
    participant.delete()
    _touch(plan, by)
    if recompute:
        results_recompute(plan=plan)


def _announce_amendment(plan: IncentivePlan, by, text: str) -> None:
    history.record(plan, by=by, before=history.capture(plan), note=_("amendment: %(t)s") % {"t": text})
    if plan.approved_by_id and plan.approved_by_id != getattr(by, "pk", None):
        notify(
            recipient=plan.approved_by,
            kind="incentive_plan_amended",
            subject=lambda: _("Bonus plan “%(name)s” amended") % {"name": plan.name},
            body=lambda: str(text),
            url=_plan_url(plan),
        )


# -- HR import --------------------------------------------------------------------------

IMPORT_COLUMNS = ("email", "department", "target_bonus", "cx_share", "from", "to")
_HEADER_ALIASES = {"e-mail": "email", "mail": "email", "target bonus": "target_bonus", "cx share": "cx_share"}


class ImportErrors(ValidationError):
    """The file was refused whole; `rows` lists {row, field, message}."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        super().__init__([f"row {r['row']}: {r['field']}: {r['message']}" for r in rows])


def _number(text: str):
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@transaction.atomic
def participants_import(*, plan: IncentivePlan, by, text: str) -> list[Participant]:
    """Participants from an HR file (CSV: email, department, target_bonus, cx_share,
    from, to). All-or-nothing: any bad row refuses the file with every row's reason."""
    plan = _fresh(plan)
    if plan.is_closed:
        raise ValidationError(_("The plan is closed: it is read-only."))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [
        _HEADER_ALIASES.get((h or "").strip().lower(), (h or "").strip().lower())
        for h in reader.fieldnames or []
    ]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise ImportErrors([{"row": 1, "field": c, "message": _("missing column")} for c in missing])
    reader.fieldnames = header
    people = {u.email.lower(): u for u in User.objects.filter(is_active=True, is_system=False)}
    departments = {d.code.upper(): d for d in Department.objects.filter(archived=False)}
    errors: list[dict] = []
    parsed = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        row_errors = []
        email = (row.get("email") or "").strip().lower()
        person = people.get(email)
        if person is None:
            row_errors.append(("email", _("no active person with this e-mail")))
        elif email in seen:
            row_errors.append(("email", _("also on row %(n)s") % {"n": seen[email]}))
        seen.setdefault(email, number)
        code = (row.get("department") or "").strip().upper()
        department = departments.get(code) if code else None
        if code and department is None:
            row_errors.append(("department", _("unknown department %(c)s") % {"c": code}))
        bonus, share = _number(row.get("target_bonus") or ""), _number(row.get("cx_share") or "")
        if bonus is None:
            row_errors.append(("target_bonus", _("not a number")))
        if share is None:
            row_errors.append(("cx_share", _("not a number")))
        dates = {}
        for column in ("from", "to"):
            raw = (row.get(column) or "").strip()
            try:
                dates[column] = parse_date(raw) if raw else None
            except ValueError:
                dates[column] = None
            if raw and dates[column] is None:
                row_errors.append((column, _("not a date (YYYY-MM-DD)")))
        if not row_errors:
            try:
                _validate_participant(
                    plan,
                    {
                        "person": person,
                        "department": department or person.primary_department,
                        "target_bonus": bonus,
                        "cx_share": share,
                        "from_date": dates["from"] or plan.period_obj.start,
                        "to_date": dates["to"] or plan.period_obj.end,
                    },
                )
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    row_errors.extend((field_name, m) for m in messages)
        errors.extend({"row": number, "field": f, "message": str(m)} for f, m in row_errors)
        parsed.append((person, department, bonus, share, dates))
    if not parsed and not errors:
        errors.append({"row": 2, "field": "email", "message": _("the file has no rows")})
    if errors:
        raise ImportErrors(errors)
    created = [
        participant_add(
            plan=plan,
            by=by,
            person=person,
            department=department,
            target_bonus=bonus,
            cx_share=share,
            from_date=dates["from"],
            to_date=dates["to"],
            recompute=False,
        )
        for person, department, bonus, share, dates in parsed
    ]
    results_recompute(plan=plan)
    return created


# -- results ------------------------------------------------------------------------------


@transaction.atomic
def results_recompute(*, plan: IncentivePlan, today: date | None = None, force: bool = False) -> int:
    """Store every participant's figures (unrounded). A closed plan's results are frozen:
    nothing recomputes them (only `plan_close` itself, before it sets the status)."""
    plan = IncentivePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_closed and not force:
        return 0
    today = today or timezone.localdate()
    figures = payouts.figures_for(plan, today=today)
    now = timezone.now()
    PayoutResult.objects.filter(plan=plan).exclude(participant__in=[f.participant for f in figures]).delete()
    stored = {r.participant_id: r for r in PayoutResult.objects.filter(plan=plan)}
    for figure in figures:
        values = {
            "attainment": figure.attainment,
            "participation": figure.participation,
            "cx_bonus": figure.cx_bonus,
            "provisional": figure.provisional,
            "computed_at": now,
        }
        result = stored.get(figure.participant.pk)
        if result is None:
            result = PayoutResult.objects.create(plan=plan, participant=figure.participant, **values)
        else:
            PayoutResult.objects.filter(pk=result.pk).update(**values)
        ComponentResult.objects.filter(result=result).delete()
        ComponentResult.objects.bulk_create(
            [
                ComponentResult(
                    result=result,
                    component=c.component,
                    actual=c.actual,
                    threshold=c.threshold,
                    target=c.target,
                    maximum=c.maximum,
                    payout_percent=c.payout_percent,
                    weight=c.weight,
                )
                for c in figure.components
            ]
        )
    return len(figures)


def payouts_after_rollup(*, metric_ids, periods) -> int:
    """The payouts job: every plan that is not closed, whose period and metrics a roll-up
    touched, is recomputed (drafts too, so an approver sees the cost). Idempotent."""
    wanted = {str(p) for p in periods}
    plans = IncentivePlan.objects.exclude(status=IncentivePlan.Status.CLOSED).filter(period__in=wanted)
    if metric_ids is not None:
        plans = plans.filter(components__metric_id__in=list(metric_ids))
    count = 0
    for plan in plans.distinct():
        results_recompute(plan=plan)
        count += 1
    return count
