"""Every figure's column header and card carries a short definition (a focusable button
described by a popover, not a title=) that links to its help section."""

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse

from apps.help import content

pytestmark = pytest.mark.django_db


def header_cells(html: str, table_id: str) -> dict[str, str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</thead>', html, re.S).group(0)
    cells = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    return {re.sub(r"<.*", "", c, flags=re.S).strip(): c for c in cells}


def definitions(cell: str) -> list[str]:
    return re.findall(r'href="/help/\w+/#(\w+)"', cell)


def test_the_hierarchy_headers_define_each_figure(login, p, hierarchy):
    html = login(p.erin).get(reverse("metrics:hierarchy")).content.decode()
    cells = header_cells(html, "hierarchy")
    assert definitions(cells["Actual"]) == ["actual"]
    assert definitions(cells["Target"]) == ["target"]
    assert definitions(cells["Score"]) == ["own_score", "driven_score"]
    assert definitions(cells["Status"]) == ["status"]
    assert definitions(cells["Value at stake"]) == ["value_at_stake_path"]
    assert definitions(cells["Impact on top"]) == ["path_impact"]


def test_a_definition_is_a_button_described_by_its_popover(login, p, hierarchy):
    html = login(p.erin).get(reverse("metrics:hierarchy")).content.decode()
    cell = header_cells(html, "hierarchy")["Status"]
    button = re.search(
        r'<button type="button" class="define-toggle" aria-label="([^"]+)" aria-describedby="([^"]+)"', cell
    )
    assert button, cell
    assert button.group(1) == "What is “Status”?"
    popover = re.search(rf'<span class="define-pop" id="{button.group(2)}">(.*?)</span></span>', cell, re.S)
    assert str(content.FIGURES_BY_KEY["status"].short) in popover.group(1)
    assert "title=" not in cell
    ids = re.findall(r'class="define-pop" id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # unique on the page


def test_definitions_are_in_spanish_for_a_spanish_reader(login, p, hierarchy):
    p.erin.language = "es"
    p.erin.save(update_fields=["language"])
    html = login(p.erin).get(reverse("metrics:hierarchy")).content.decode()
    assert "¿Qué es «Estado»?" in html
    assert "Verde en objetivo, ámbar cerca" in html


def test_the_metric_detail_links_to_the_worked_rule(login, p, hierarchy):
    html = login(p.erin).get(reverse("metrics:metric-detail", args=["AHT"])).content.decode()
    section = html.split("How the value at stake is computed", 1)[1]
    assert f'<a class="help-link" href="{reverse("help:area", args=["metric"])}#value_at_stake">' in section
    for key in ("actual", "own_score", "value_at_stake", "gap", "channel_consistency", "path_impact"):
        assert f"#{key}" in html, key


def test_the_overview_and_the_plan_ranking_define_their_figures(login, p, hierarchy):
    client = login(p.erin)
    overview = client.get(reverse("home")).content.decode()
    for key in ("cost_of_not_improving", "actual", "target", "status", "value_at_stake"):
        assert 'href="/help/' in overview and f"#{key}" in overview, key
    ranking = client.get(reverse("actions:plan-ranking")).content.decode()
    assert "/help/plans/#roi" in ranking and "/help/plans/#expected_benefit" in ranking


def test_every_definition_links_to_a_section_its_help_page_has(login, p):
    client = login(p.erin)
    for figure in content.FIGURES:
        html = client.get(reverse("help:area", args=[figure.area])).content.decode()
        assert f'id="{figure.key}"' in html, figure.key


def test_an_unknown_figure_is_a_template_error_not_a_silent_gap():
    with pytest.raises((KeyError, TemplateSyntaxError)):
        Template('{% load help %}{% define "no_such_figure" %}').render(Context({}))


def test_the_metric_detail_defines_its_trend_and_link_headers(login, p, hierarchy):
    html = login(p.erin).get(reverse("metrics:metric-detail", args=["CSAT"])).content.decode()
    for key in ("actual", "target", "status", "link_weight", "link_impact"):
        assert f'href="/help/{content.FIGURES_BY_KEY[key].area}/#{key}"' in html, key


def test_the_feedback_topics_page_defines_a_spike(login, p):
    html = login(p.alice).get(reverse("feedback:theme-list")).content.decode()
    assert 'href="/help/feedback/#spike"' in html
