"""The plan list's filters: the API's (validated and documented) and the plan list page's
(apps.core.filters.page_filter)."""

from django_filters import rest_framework as filters

from apps.core.filters import IdFilter, SelectorFilterSet

from . import selectors
from .models import ActionPlan

YES = [("1", "yes")]


class PlanFilter(SelectorFilterSet):
    selector = staticmethod(selectors.filter_plans)

    status = filters.ChoiceFilter(choices=ActionPlan.Status.choices, help_text="plan status")
    department = filters.CharFilter(help_text="owner department code")
    contributor = filters.CharFilter(help_text="contributing department code")
    metric = filters.CharFilter(help_text="code of a metric the plan expects to move")
    overdue = filters.ChoiceFilter(choices=YES, help_text="1: open plans past their due date")
    committee = IdFilter(help_text="id of the sponsoring committee")

    class Meta:
        model = ActionPlan
        fields: list = []
