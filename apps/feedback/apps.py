from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import DEPARTMENT_PAGE, MY_WORK, PLAN_DETAIL, NavEntry, registry


class FeedbackConfig(AppConfig):
    name = "apps.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        from apps.metrics.ingest import reserve_source

        from . import hooks, kpis, permissions

        registry.add_nav(NavEntry(_("Feedback"), "feedback:inbox", permissions.can_read, order=67))
        registry.add_section(DEPARTMENT_PAGE, hooks.department_feedback, order=30)
        registry.add_section(MY_WORK, hooks.my_feedback, order=40)
        registry.add_section(PLAN_DETAIL, hooks.plan_feedback, order=50)
        registry.add_digest(hooks.unacknowledged_feedback)
        registry.add_search(hooks.search_feedback, order=60)
        # Nobody uploads rows of the closed-loop KPIs: only kpis.refresh writes them.
        reserve_source(kpis.SOURCE, kpis.CODES)
