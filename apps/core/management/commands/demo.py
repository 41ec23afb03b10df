"""Load (or refresh) the demo data and print the demo logins. Safe to run twice."""

import importlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings

# Each app with demo data has a `demo.load(stdout)`; they run in this order
# (later apps build on earlier ones).
DEMO_APPS = ["apps.organization", "apps.metrics", "apps.actions", "apps.committees"]


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print one login per role."

    def handle(self, *args, **options):
        started = time.monotonic()
        context: dict = {}
        # The demo's first roll-up tells metric owners what turned red; their mail would
        # bury the logins printed below, so the demo's own mail goes nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._load_all(context)
        from apps.organization.demo import logins

        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f}s."))
        self.stdout.write("")
        self.stdout.write("Demo logins (e-mail / password):")
        for label, email, password in logins():
            self.stdout.write(f"  {label:<54} {email:<26} {password}")

    def _load_all(self, context: dict) -> None:
        for app in DEMO_APPS:
            if app.removeprefix("apps.") not in {a.split(".")[-1] for a in settings.INSTALLED_APPS}:
                continue
            module = importlib.import_module(f"{app}.demo")
            with transaction.atomic():
                result = module.load(stdout=self.stdout)
            context.update(result or {})
            self.stdout.write(f"  demo data: {app.removeprefix('apps.')} loaded")
