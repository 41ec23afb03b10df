from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "apps.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        from . import hooks  # noqa: F401  (nav, department and my-work sections, digest, search)
