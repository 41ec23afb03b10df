"""Write docs/numbers.md from the help text (apps/help/content.py)."""

from django.core.management.base import BaseCommand

from apps.help.markdown import DOCS_FILE, numbers_markdown


class Command(BaseCommand):
    help = "Write docs/numbers.md from the help pages' text (apps/help/content.py)."

    def handle(self, *args, **options):
        DOCS_FILE.write_text(numbers_markdown(), encoding="utf-8")
        self.stdout.write(f"wrote {DOCS_FILE}")
