"""What apps contribute to each other's pages comes from apps.core.registry, filled in
each app's AppConfig.ready(); the navigation is what it was when core listed it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.registry import DEPARTMENT_PAGE, METRIC_DETAIL, MY_WORK, OVERVIEW, registry
from apps.metrics.signals import metric_turned_red

EVERYONE = [
    "My work",
    "Overview",
    "Progress",
    "Hierarchy",
    "Metrics",
    "Plans",
    "Responsibility",
    "Committees",
    "Bonus plans",
    "Feedback",
]
ORGANISATION = ["Organisation"]
CX_LEADER = [*EVERYONE, "Upload", *ORGANISATION, "People", "Channels", "API", "Help"]
HEAD = [*EVERYONE, "Upload", *ORGANISATION, "API", "Help"]
OTHERS = [*EVERYONE, *ORGANISATION, "API", "Help"]


def labels(user) -> list[str]:
    return [str(item["label"]) for item in registry.navigation(user)]


@pytest.mark.django_db
def test_navigation_per_role_keeps_its_entries_labels_and_order(p):
    assert labels(p.alice) == CX_LEADER
    assert labels(p.hugo) == HEAD
    assert labels(p.erin) == OTHERS
    assert labels(p.cora) == OTHERS
    assert labels(p.sam) == []


@pytest.mark.django_db
def test_navigation_links_where_the_entries_say(p):
    urls = {str(item["label"]): item["url"] for item in registry.navigation(p.alice)}
    assert urls["Overview"] == reverse("home")
    assert urls["Upload"] == reverse("metrics:upload")
    assert urls["API"] == reverse("api-docs")


@pytest.mark.django_db
def test_the_page_shows_the_registered_navigation(p, login):
    html = login(p.hugo).get(reverse("home")).content.decode()
    nav = html.split('<nav id="main-nav" aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    positions = [nav.index(f">{label}</a>") for label in HEAD if label != "API"]
    assert positions == sorted(positions)
    assert ">People</a>" not in nav
    assert ">API</a>" not in nav  # in the user menu


def test_each_app_fills_its_sections_and_digest_sources():
    def names(area):
        return [f"{s.__module__}.{s.__name__}" for _order, s in registry.section_lists[area]]

    assert names(OVERVIEW) == ["apps.actions.hooks.overview_plans_at_risk"]
    assert names(METRIC_DETAIL) == ["apps.actions.hooks.metric_plans"]
    assert names(DEPARTMENT_PAGE) == [
        "apps.metrics.hooks.department_metrics",
        "apps.actions.hooks.department_work",
        "apps.committees.hooks.department_decisions",
        "apps.feedback.hooks.department_feedback",
        "apps.incentives.hooks.department_plans",
    ]
    assert [f"{s.__module__}.{s.__name__}" for s in registry.digest_sources] == [
        "apps.actions.hooks.overdue_milestones",
        "apps.committees.hooks.overdue_decisions",
        "apps.incentives.hooks.plans_awaiting_approval",
        "apps.feedback.hooks.unacknowledged_feedback",
    ]


def test_each_app_fills_my_work_and_the_search_box():
    assert [f"{s.__module__}.{s.__name__}" for _order, s in registry.section_lists[MY_WORK]] == [
        "apps.actions.hooks.my_plans",
        "apps.committees.hooks.my_decisions",
        "apps.feedback.hooks.my_feedback",
        "apps.incentives.hooks.my_scorecards",
    ]
    assert [f"{s.__module__}.{s.__name__}" for _order, s in registry.search_sources] == [
        "apps.metrics.hooks.search_metrics",
        "apps.actions.hooks.search_plans",
        "apps.committees.hooks.search_committees",
        "apps.organization.hooks.search_departments",
        "apps.organization.hooks.search_people",
        "apps.incentives.hooks.search_plans",
        "apps.feedback.hooks.search_feedback",
    ]


def test_metric_breaches_are_heard_by_notifications_not_sent_by_metrics():
    modules = {getattr(r[1](), "__module__", None) for r in metric_turned_red.receivers}
    assert "apps.notifications.receivers" in modules
    assert "apps.committees.hooks" in modules
    assert not any(m and m.startswith("apps.metrics") for m in modules)
