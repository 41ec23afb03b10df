from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "apps.incentives"
    label = "incentives"
    verbose_name = _("Incentives")

    def ready(self):
        from . import hooks  # noqa: F401  (roll-up listener, navigation, my-work section, digest)
