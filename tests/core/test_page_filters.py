"""The plan list and the feedback inbox filter through the API's FilterSets
(apps.core.filters.page_filter): the same values are taken, and a value the API refuses with
a 400 is named on the page (400, nothing listed) instead of being ignored; "All" (an empty
value) is no filter."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.actions import services as plan_services
from apps.feedback import ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(p):
    plan_services.plan_create(by=p.alice, title="Service plan", owner_department=p.service, status="active")
    plan_services.plan_create(by=p.alice, title="Web plan", owner_department=p.website, status="blocked")


def test_the_plan_list_takes_what_the_api_takes(client, api, p, plans):
    client.force_login(p.erin)
    url = reverse("actions:plan-list")
    page = client.get(url, {"status": "blocked", "department": "", "committee": "", "metric": ""})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Web plan" in body and "Service plan" not in body
    listed = api(p.alice_token).get("/api/v1/plans/", {"status": "blocked"}).json()["results"]
    assert [plan["title"] for plan in listed] == ["Web plan"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"status": "bogus"}, "status"),
        ({"committee": "abc"}, "committee"),
        ({"committee": "99999999999999999999"}, "committee"),
        ({"overdue": "yes"}, "overdue"),
    ],
)
def test_a_bad_plan_filter_is_named_on_the_page_as_the_api_refuses_it(client, api, p, plans, query, name):
    assert api(p.alice_token).get("/api/v1/plans/", query).status_code == 400
    client.force_login(p.erin)
    page = client.get(reverse("actions:plan-list"), query)
    assert page.status_code == 400
    body = page.content.decode()
    assert "Nothing is listed: this list does not take these filter values." in body
    assert f"<code>{name}={query[name]}</code>" in body
    assert "Web plan" not in body and "Service plan" not in body
    csv = client.get(reverse("actions:plan-list"), {**query, "format": "csv"})
    assert csv.status_code == 400 and csv["Content-Type"].startswith("text/html")


def test_the_inbox_filters_through_the_feedback_filterset(client, api, p):
    now = timezone.now().isoformat()
    rows = [
        {
            "source": "survey",
            "external_id": "F-1",
            "received_at": now,
            "text": "Login loops",
            "topic": "login",
        },
        {
            "source": "survey",
            "external_id": "F-2",
            "received_at": now,
            "text": "Slow invoice",
            "topic": "billing",
        },
    ]
    assert ingest.feedback_ingest(rows=rows, by=p.alice).ok
    client.force_login(p.alice)
    url = reverse("feedback:inbox")
    page = client.get(url, {"topic": "login", "status": "", "age": "", "q": ""})
    assert page.status_code == 200
    assert "Login loops" in page.content.decode() and "Slow invoice" not in page.content.decode()
    for query in ({"age": "5"}, {"status": "nope"}, {"triage": "2"}):
        assert api(p.alice_token).get("/api/v1/feedback/", query).status_code == 400
        page = client.get(url, query)
        body = page.content.decode()
        assert page.status_code == 400, query
        assert "Nothing is listed" in body and "Login loops" not in body and "Slow invoice" not in body
