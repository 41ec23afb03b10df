"""One language at a time (DESIGN §7): every page the CX leader and a department head can
open, rendered in Spanish, asks the catalogue for no message it lacks and shows no raw
choice code (`mean`, `monthly`, `at_risk`) where its label belongs."""

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real

from apps.notifications.models import KIND_LABELS
from tests.matrix.routes import ROUTES
from tests.test_permission_matrix import world  # noqa: F401  (the matrix's world, built once)

PAGES = [r for r in ROUTES if not r.api and r.read.get("cx_leader") == 200]


def choice_codes() -> set[str]:
    """Every choice value that is not its own label (a code a reader must never see)."""
    codes = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and re.search("[a-z]", value) and value != str(label):
                    codes.add(value)
    return codes | set(KIND_LABELS)  # notification kinds are codes too


@pytest.fixture
def missing_messages(monkeypatch):
    """Record every message asked of the Spanish catalogue that it does not hold."""
    missing: set[str] = set()
    real_gettext = trans_real.DjangoTranslation.gettext
    real_ngettext = trans_real.DjangoTranslation.ngettext

    def gettext(self, message):
        wanted = self.language() == "es" and message and re.search("[A-Za-z]", message)
        if wanted and self._catalog.get(message) is None:
            missing.add(message.split("\x04")[-1])
        return real_gettext(self, message)

    def ngettext(self, singular, plural, number):
        if self.language() == "es" and self._catalog.get((singular, 0)) is None:
            missing.add(singular)
        return real_ngettext(self, singular, plural, number)

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", gettext)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", ngettext)
    return missing


def raw_codes(html: str, codes: set[str]) -> list[str]:
    """Text nodes that are a choice code, with what surrounds them (formulas in <code>
    name aggregations on purpose)."""
    body = re.sub(r"<(script|style|code)\b.*?</\1>", "", html, flags=re.S)
    return sorted(
        body[max(0, m.start() - 80) : m.end() + 20]
        for m in re.finditer(r">\s*([^<>]+?)\s*<", body)
        if m.group(1) in codes
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["cx_leader", "head_own"])
@pytest.mark.parametrize("route", PAGES, ids=[r.name for r in PAGES])
def test_every_page_is_wholly_spanish(world, route, actor, missing_messages):  # noqa: F811
    if route.read.get(actor) != 200:
        pytest.skip(f"{actor} may not open {route.name}")
    user = world.actors[actor]
    user.language = "es"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    response = client.get(reverse(route.name, kwargs=route.kwargs(world) if route.kwargs else None))
    assert response.status_code == 200
    if not response["Content-Type"].startswith("text/html"):
        pytest.skip("not a page")  # a CSV or PDF: its words are tested with the export
    html = response.content.decode()
    assert sorted(missing_messages) == [], f"{route.name}: untranslated"
    assert raw_codes(html, choice_codes()) == [], f"{route.name}: raw choice codes"
