from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.registry import DEPARTMENT_PAGE, METRIC_DETAIL, MY_WORK, OVERVIEW, NavEntry, registry


class ActionsConfig(AppConfig):
    name = "apps.actions"
    label = "actions"
    verbose_name = _("Action plans")

    def ready(self):
        from . import hooks

        registry.add_nav(NavEntry(_("Plans"), "actions:plan-list", roles.everyone, order=40))
        registry.add_nav(NavEntry(_("Responsibility"), "actions:matrix", roles.everyone, order=50))
        registry.add_section(OVERVIEW, hooks.overview_plans_at_risk, order=10)
        registry.add_section(METRIC_DETAIL, hooks.metric_plans, order=10)
        registry.add_section(DEPARTMENT_PAGE, hooks.department_work, order=10)
        registry.add_digest(hooks.overdue_milestones)
        registry.add_section(MY_WORK, hooks.my_plans, order=10)
        registry.add_search(hooks.search_plans, order=20)
