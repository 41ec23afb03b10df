from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.registry import DEPARTMENT_PAGE, NavEntry, registry


class MetricsConfig(AppConfig):
    name = "apps.metrics"
    label = "metrics"
    verbose_name = _("Metrics")

    def ready(self):
        from . import hooks, permissions
        from .evidence import hooks as evidence_hooks  # noqa: F401  (driver evidence after each roll-up)

        def may_upload(user) -> bool:
            # A system account ingests through the API, not the upload page.
            return permissions.can_ingest(user) and not roles.is_system_account(user)

        registry.add_nav(NavEntry(_("Hierarchy"), "metrics:hierarchy", roles.everyone, order=20))
        registry.add_nav(NavEntry(_("Metrics"), "metrics:metric-list", roles.everyone, order=30))
        registry.add_nav(NavEntry(_("Upload"), "metrics:upload", may_upload, order=70))
        registry.add_search(hooks.search_metrics, order=10)
        # The department page lists the metrics a department owns, first (before its plans).
        registry.add_section(DEPARTMENT_PAGE, hooks.department_metrics, order=5)
