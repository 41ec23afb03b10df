"""Help pages: one per area, in English and Spanish from the same entries, for signed-in
users only; every figure's section carries its rule, example and limits."""

import pytest
from django.urls import reverse

from apps.help import content

pytestmark = pytest.mark.django_db

AREA_TITLES_ES = {
    "start": "Primeros pasos",
    "overview": "Resumen ejecutivo",
    "hierarchy": "Jerarquía de métricas",
    "metric": "Detalle de la métrica",
    "plans": "Planes de acción",
    "incentives": "Incentivos",
    "feedback": "Opinión de los clientes",
    "measurements": "Mediciones",
}


def test_every_area_has_a_spanish_title_here():
    assert set(AREA_TITLES_ES) == set(content.AREAS_BY_KEY)


@pytest.mark.parametrize("area", sorted(AREA_TITLES_ES))
def test_every_help_page_renders_in_english(login, p, area):
    response = login(p.erin).get(reverse("help:area", args=[area]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{content.AREAS_BY_KEY[area].title}</h1>" in html
    for figure in content.figures_of(area):
        assert f'id="{figure.key}"' in html
        assert "<h3>Rule</h3>" in html and "<h3>What it does not mean</h3>" in html


@pytest.mark.parametrize("area", sorted(AREA_TITLES_ES))
def test_every_help_page_renders_in_spanish(login, p, area):
    p.erin.language = "es"
    p.erin.save(update_fields=["language"])
    response = login(p.erin).get(reverse("help:area", args=[area]))
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    html = response.content.decode()
    assert f"<h1>{AREA_TITLES_ES[area]}</h1>" in html
    if content.figures_of(area):
        assert "<h3>Regla</h3>" in html and "<h3>Lo que no significa</h3>" in html
        assert "<h3>Rule</h3>" not in html


def test_the_help_index_lists_every_area_in_both_languages(login, p):
    html = login(p.hugo).get(reverse("help:index")).content.decode()
    assert "<h1>Help</h1>" in html
    for area in content.AREAS:
        assert reverse("help:area", args=[area.key]) in html
    p.hugo.language = "es"
    p.hugo.save(update_fields=["language"])
    html = login(p.hugo).get(reverse("help:index")).content.decode()
    assert "<h1>Ayuda</h1>" in html and "Primeros pasos" in html


def test_spanish_text_keeps_every_formula(login, p):
    """A formula left out of a translation would make the two languages disagree."""
    p.erin.language = "es"
    p.erin.save(update_fields=["language"])
    html = login(p.erin).get(reverse("help:area", args=["hierarchy"])).content.decode()
    assert "<code>100 × (real − base) / (objetivo − base)</code>" in html
    assert "<code>Σ peso × puntuación / Σ peso</code>" in html


def test_an_unknown_help_page_is_not_found(login, p):
    assert login(p.erin).get("/help/nothing-here/").status_code == 404


def test_help_needs_a_signed_in_user(client):
    response = client.get(reverse("help:area", args=["hierarchy"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_csv_template_has_the_upload_columns(login, p):
    response = login(p.hugo).get(reverse("help:csv-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header = response.content.decode().splitlines()[0]
    assert header == "metric,period_start,department,channel,source,value,sample_size"


def test_the_help_page_runs_a_bounded_number_of_queries(login, p, django_assert_max_num_queries):
    client = login(p.erin)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("help:area", args=["metric"])).status_code == 200
