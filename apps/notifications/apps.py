from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # receivers: the metric owner hears of a breach (metrics announce, we listen);
        # tasks: registers the mail task that services queue by name.
        from . import receivers, tasks  # noqa: F401
