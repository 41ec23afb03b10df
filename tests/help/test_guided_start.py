"""The first run: an installation without metrics shows the CX leader a guided start on
the overview, each step linking to its page and its help; it goes once a metric exists.
`manage.py demo --empty` makes such an installation."""

import os
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.core import roles
from apps.help import content
from apps.metrics.models import MetricLink
from apps.organization.models import Department, User

pytestmark = pytest.mark.django_db

STEP_PAGES = {
    "departments": "organization:department-list",
    "channels": "organization:channel-list",
    "hierarchy": "metrics:metric-list",
    "targets": "metrics:metric-list",
    "measurements": "metrics:upload",
    "people": "organization:person-list",
}


def guided_start(html: str) -> str:
    found = re.search(r'<section class="panel guided-start".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_an_empty_installation_shows_the_cx_leader_every_step_with_its_page_and_help(login, p):
    assert not MetricLink.objects.exists()  # system metrics may exist, no hierarchy yet
    section = guided_start(login(p.alice).get(reverse("home")).content.decode())
    assert "Getting started" in section
    steps = re.findall(r'<li data-step="(\w+)">(.*?)</li>', section, re.S)
    assert [key for key, _ in steps] == [s.key for s in content.STEPS]
    for key, body in steps:
        assert f'href="{reverse(STEP_PAGES[key])}"' in body, key
        assert 'href="/help/' in body, key
    measurements = dict(steps)["measurements"]
    assert f'href="{reverse("help:csv-template")}"' in measurements


def test_steps_already_done_are_marked(login, p):
    section = guided_start(login(p.alice).get(reverse("home")).content.decode())
    steps = dict(re.findall(r'<li data-step="(\w+)">(.*?)</li>', section, re.S))
    assert Department.objects.exists()  # the personas' departments
    assert "done" in steps["departments"]
    assert "done" not in steps["measurements"]


def test_others_see_a_line_not_the_steps(login, p):
    section = guided_start(login(p.erin).get(reverse("home")).content.decode())
    assert "the CX leader is setting up the metrics" in section
    assert "data-step" not in section


def test_the_guided_start_is_in_spanish_for_a_spanish_reader(login, p):
    p.alice.language = "es"
    p.alice.save(update_fields=["language"])
    section = guided_start(login(p.alice).get(reverse("home")).content.decode())
    assert "Primeros pasos" in section and "Crear los departamentos" in section


def test_the_guided_start_goes_once_the_hierarchy_exists(login, p, hierarchy):
    assert MetricLink.objects.exists()
    html = login(p.alice).get(reverse("home")).content.decode()
    assert guided_start(html) == ""
    assert "data-step" not in html


def test_demo_empty_makes_only_the_cx_leaders_login_and_the_overview_shows_the_guide(client):
    call_command("demo", "--empty", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not MetricLink.objects.exists()
    assert not Department.objects.exists()
    leader = User.objects.get()
    assert roles.is_cx_leader(leader)
    assert leader.check_password("demo-portal-2026")
    client.force_login(leader)
    assert "data-step" in guided_start(client.get(reverse("home")).content.decode())
    call_command("demo", "--empty", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert User.objects.count() == 1  # twice is the same


def test_the_guide_replaces_the_empty_overview_tables(login, p):
    html = login(p.alice).get(reverse("home")).content.decode()
    assert "data-step" in guided_start(html)
    assert 'id="cost-of-not-improving"' not in html
    assert "Top gaps by value at stake" not in html
    assert "<table" not in html


def test_the_hierarchy_shows_the_guide_until_the_first_link(login, p):
    html = login(p.alice).get(reverse("metrics:hierarchy")).content.decode()
    assert "data-step" in guided_start(html)
    # only the system metrics (feedback's closed-loop KPIs), not yet linked to money
    assert "Not yet linked to money" in html


def test_once_linked_the_overview_and_hierarchy_show_their_tables(login, p, hierarchy):
    client = login(p.alice)
    assert 'id="cost-of-not-improving"' in client.get(reverse("home")).content.decode()
    assert 'id="hierarchy"' in client.get(reverse("metrics:hierarchy")).content.decode()
