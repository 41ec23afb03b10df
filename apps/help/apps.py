from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.registry import NavEntry, registry


class HelpConfig(AppConfig):
    name = "apps.help"
    label = "help"
    verbose_name = _("Help")

    def ready(self):
        registry.add_nav(NavEntry(_("Help"), "help:index", roles.everyone, order=120))
