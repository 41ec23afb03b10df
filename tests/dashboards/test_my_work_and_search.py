"""Every role has a home (DESIGN §7): heads and contributors land on their work, which lists
their plans, milestones, decisions, feedback to acknowledge and scorecards; one search box
over metrics, plans, committees, departments and people, each result one the reader may open;
"API" in the user menu, not the main navigation."""

import re

import pytest
from django.urls import reverse

from apps.actions import services as plan_services
from tests.matrix.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build_world()


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("actor", "lands_on"),
    [("alice", "home"), ("erin", "home"), ("hugo", "my-work"), ("cora", "my-work")],
)
def test_signing_in_lands_heads_and_contributors_on_their_work(client, w, actor, lands_on):
    user = getattr(w, actor)
    response = client.post(
        reverse("login"), {"username": user.email, "password": "pw-Secret-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(lands_on)


def test_a_head_sees_their_plans_and_a_contributor_their_milestones(client, w):
    hugo_page = signed_in(client, w.hugo).get(reverse("my-work")).content.decode()
    assert "Shorter calls" in hugo_page  # the plan Hugo owns
    assert "Fix checkout" not in hugo_page  # Wanda's
    client.logout()
    cora_page = signed_in(client, w.cora).get(reverse("my-work")).content.decode()
    assert 'id="my-milestones"' in cora_page and "Script" in cora_page
    assert "Hotfix" not in cora_page  # Carl's milestone


def test_a_done_milestone_leaves_my_work(client, w):
    plan_services.milestone_set_done(
        milestone=w.milestone_own, by=w.cora, version=w.milestone_own.version, done=True
    )
    page = signed_in(client, w.cora).get(reverse("my-work")).content.decode()
    assert 'id="my-milestones"' not in page


def test_a_member_sees_the_decision_assigned_to_them(client, w):
    page = signed_in(client, w.mia).get(reverse("my-work")).content.decode()
    assert 'id="my-decisions"' in page and "Mia reports" in page
    assert "Mia closes it" in page  # a closed review's decisions are follow-ups still open
    client.logout()
    assert 'id="my-decisions"' not in signed_in(client, w.hugo).get(reverse("my-work")).content.decode()


def test_nothing_due_says_so_and_links_to_the_overview(client, w):
    page = signed_in(client, w.erin).get(reverse("my-work")).content.decode()
    assert 'id="nothing-due"' in page and f'href="{reverse("home")}"' in page


def test_api_is_in_the_user_menu_not_the_main_navigation(client, w):
    for actor in (w.erin, w.cora, w.alice):
        html = signed_in(client, actor).get(reverse("home")).content.decode()
        main_nav = re.search(r'<nav id="main-nav".*?</nav>', html, re.S).group(0)
        user_menu = re.search(r'<div class="user" id="user-menu">.*?</div>', html, re.S).group(0)
        assert reverse("api-docs") not in main_nav
        assert reverse("api-docs") in user_menu
        assert reverse("my-work") in main_nav
        client.logout()


def test_the_api_docs_link_back_to_the_portal(client, w):
    html = signed_in(client, w.erin).get(reverse("api-docs")).content.decode()
    assert f'href="{reverse("home")}"' in html and "Back to the portal" in html


def groups_of(html: str) -> dict[str, list[str]]:
    found = {}
    for label, body in re.findall(
        r'<section class="panel search-group"><h2>(.*?)</h2>(.*?)</section>', html, re.S
    ):
        found[label] = re.findall(r'<a href="[^"]+">(.*?)</a>', body)
    return found


def test_search_groups_metrics_plans_committees_departments_and_people(client, w):
    client = signed_in(client, w.erin)
    assert groups_of(client.get(reverse("search"), {"q": "handle"}).content.decode())["Metrics"] == [
        "Handle time (AHT)"
    ]
    assert "AHT" in " ".join(
        groups_of(client.get(reverse("search"), {"q": "aht"}).content.decode())["Metrics"]
    )
    assert groups_of(client.get(reverse("search"), {"q": "checkout"}).content.decode())["Action plans"] == [
        "Fix checkout"
    ]
    assert groups_of(client.get(reverse("search"), {"q": "contact centre"}).content.decode())[
        "Committees"
    ] == ["Contact centre group"]
    assert groups_of(client.get(reverse("search"), {"q": "website"}).content.decode())["Departments"] == [
        "Website (WEBSITE)"
    ]
    people = groups_of(client.get(reverse("search"), {"q": "hugo"}).content.decode())["People"]
    assert len(people) == 1 and people[0].startswith("Hugo Head — Customer Service")


def test_a_person_links_to_where_the_reader_may_go(client, w):
    html = signed_in(client, w.cora).get(reverse("search"), {"q": "hugo"}).content.decode()
    assert reverse("organization:department-detail", args=[w.service.pk]) in html
    assert reverse("organization:person-edit", args=[w.hugo.pk]) not in html  # only the CX leader edits
    client.logout()
    html = signed_in(client, w.alice).get(reverse("search"), {"q": "hugo"}).content.decode()
    assert reverse("organization:person-edit", args=[w.hugo.pk]) in html


def test_bonus_plans_are_found_only_by_those_who_may_see_them(client, w):
    name = w.bonus_approved.name  # Hugo takes part; Wanda does not
    found = groups_of(signed_in(client, w.hugo).get(reverse("search"), {"q": name}).content.decode())
    assert any(name in hit for hit in found["Bonus plans"])
    client.logout()
    found = groups_of(signed_in(client, w.wanda).get(reverse("search"), {"q": name}).content.decode())
    assert "Bonus plans" not in found


def test_an_empty_or_hostile_query_finds_nothing_and_never_fails(client, w):
    client = signed_in(client, w.erin)
    assert "search-group" not in client.get(reverse("search")).content.decode()
    for q in ("%", "_", "'; drop table x; --", "<script>alert(1)</script>", "x" * 5000):
        response = client.get(reverse("search"), {"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_is_in_spanish_for_a_spanish_reader(client, w):
    w.erin.language = "es"
    w.erin.save(update_fields=["language"])
    html = signed_in(client, w.erin).get(reverse("search"), {"q": "handle"}).content.decode()
    assert "Métricas" in html and "resultado" in html


def test_a_participant_sees_their_scorecard_in_my_work(client, w):
    page = signed_in(client, w.cora).get(reverse("my-work")).content.decode()
    section = page.split('id="my-scorecards"', 1)[1]
    assert w.bonus_approved.name in section
