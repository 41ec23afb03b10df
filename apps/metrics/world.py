"""What one roll-up run reads before it computes: the hierarchy and the organisation as
engine values, plus the id ↔ code maps that turn the engine's results back into rows."""

from __future__ import annotations

from dataclasses import dataclass

from apps.organization.models import Channel, Department

from . import adapters
from .engine.types import Scope
from .models import Metric


@dataclass
class World:
    metrics: dict[str, Metric]
    metric_defs: list
    links: list
    targets: list
    departments: dict[str, str | None]
    channels: list[str]
    dept_ids: dict[str, int]
    chan_ids: dict[str, int]

    @classmethod
    def load(cls) -> World:
        metrics = {m.code: m for m in Metric.objects.filter(archived=False).select_related("owner")}
        depts = list(Department.objects.values_list("pk", "code", "parent_id"))
        code_of = {pk: code for pk, code, _ in depts}
        channels = list(Channel.objects.values_list("pk", "code"))
        links = [x for x in adapters.link_defs() if x.child in metrics and x.parent in metrics]
        targets = [t for t in adapters.target_defs() if t.metric in metrics]
        return cls(
            metrics=metrics,
            metric_defs=[adapters.metric_def(m) for m in metrics.values()],
            links=links,
            targets=targets,
            departments={code: code_of.get(parent) for _pk, code, parent in depts},
            channels=[code for _pk, code in channels],
            dept_ids={code: pk for pk, code, _ in depts},
            chan_ids={code: pk for pk, code in channels},
        )

    def scope_key(self, scope: Scope) -> tuple[str, int]:
        """The engine's scope as the stored (scope_kind, scope_id)."""
        if scope.kind == "org":
            return ("org", 0)
        if scope.kind == "dept":
            return ("dept", self.dept_ids[scope.code])
        return ("channel", self.chan_ids[scope.code])
