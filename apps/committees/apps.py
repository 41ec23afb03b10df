from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "apps.committees"
    label = "committees"
    verbose_name = _("Committees")

    def ready(self):
        from . import hooks  # noqa: F401  (breach listener, department section, digest)
