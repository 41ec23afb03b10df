from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "apps.actions"
    label = "actions"
    verbose_name = _("Action plans")

    def ready(self):
        from . import hooks  # noqa: F401  (overview, metric and department sections; digest)
