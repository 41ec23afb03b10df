from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.registry import NavEntry, registry


def _has_work_home(user) -> bool:
    return not roles.is_system_account(user)


class DashboardsConfig(AppConfig):
    name = "apps.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        registry.add_nav(NavEntry(_("My work"), "my-work", _has_work_home, order=5))
        registry.add_nav(NavEntry(_("Overview"), "home", roles.everyone, order=10))
        registry.add_nav(NavEntry(_("Progress"), "department-progress", roles.everyone, order=15))
