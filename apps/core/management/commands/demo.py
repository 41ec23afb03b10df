"""Load (or refresh) the demo data and print the demo logins. Safe to run twice."""

import importlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

# Each app with demo data has a `demo.load(stdout)`; they run in this order
# (later apps build on earlier ones).
DEMO_APPS = ["apps.organization"]


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print one login per role."

    def handle(self, *args, **options):
        started = time.monotonic()
        context: dict = {}
        for app in DEMO_APPS:
            if app.removeprefix("apps.") not in {a.split(".")[-1] for a in settings.INSTALLED_APPS}:
                continue
            module = importlib.import_module(f"{app}.demo")
            with transaction.atomic():
                result = module.load(stdout=self.stdout)
            context.update(result or {})
            self.stdout.write(f"  demo data: {app.removeprefix('apps.')} loaded")
        from apps.organization.demo import logins

        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f}s."))
        self.stdout.write("")
        self.stdout.write("Demo logins (e-mail / password):")
        for label, email, password in logins():
            self.stdout.write(f"  {label:<45} {email:<28} {password}")
