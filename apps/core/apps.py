from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self):
        from . import schema, signals  # noqa: F401  (OpenAPI auth extension, security logging)
