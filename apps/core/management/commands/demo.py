"""Load (or refresh) the demo data and print the demo logins. Safe to run twice."""

import importlib
import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings
from django.utils.module_loading import module_has_submodule


def demo_modules() -> list:
    """Each installed app with demo data has a `demo` module with `load(stdout)` (and may
    have `logins()`); they run in INSTALLED_APPS order, which is the layer order: later
    apps build on earlier ones."""
    return [
        importlib.import_module(f"{config.name}.demo")
        for config in apps.get_app_configs()
        if config.name.startswith("apps.") and module_has_submodule(config.module, "demo")
    ]


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--empty",
            action="store_true",
            help="Load no demo data, only the CX leader's login: a new installation's guided start.",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        modules = demo_modules()
        if options["empty"]:
            self.handle_empty(modules)
            return
        # The demo's first roll-up tells metric owners what turned red; their mail would
        # bury the logins printed below, so the demo's own mail goes nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for module in modules:
                with transaction.atomic():
                    module.load(stdout=self.stdout)
                self.stdout.write(f"  demo data: {module.__name__.split('.')[-2]} loaded")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f}s."))
        self.stdout.write("")
        self.stdout.write("Demo logins (e-mail / password):")
        for module in modules:
            for label, email, password in getattr(module, "logins", list)():
                self.stdout.write(f"  {label:<54} {email:<26} {password}")

    def handle_empty(self, modules) -> None:
        """The apps with a `load_empty()` (organization: the CX leader) make their few rows;
        nothing else is loaded, so the overview shows the guided start."""
        logins = []
        for module in modules:
            if hasattr(module, "load_empty"):
                with transaction.atomic():
                    logins += module.load_empty(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("No demo data loaded: the overview shows the guided start."))
        self.stdout.write("")
        self.stdout.write("Login (e-mail / password):")
        for label, email, password in logins:
            self.stdout.write(f"  {label:<54} {email:<26} {password}")
