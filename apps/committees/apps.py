from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.registry import DEPARTMENT_PAGE, MY_WORK, NavEntry, registry


class CommitteesConfig(AppConfig):
    name = "apps.committees"
    label = "committees"
    verbose_name = _("Committees")

    def ready(self):
        from . import hooks  # also connects the breach listener (tell_the_chairs)

        registry.add_nav(NavEntry(_("Committees"), "committees:committee-list", roles.everyone, order=60))
        registry.add_section(DEPARTMENT_PAGE, hooks.department_decisions, order=20)
        registry.add_digest(hooks.overdue_decisions)
        registry.add_section(MY_WORK, hooks.my_decisions, order=20)
        registry.add_search(hooks.search_committees, order=30)
