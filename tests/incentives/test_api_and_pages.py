"""Incentives API (field names of the issue, 400 with field errors, 409 on stale, never a
500) and pages (bounded queries, what-if, PDF, no inline scripts, tables that scroll)."""

import re
from datetime import date

import pytest
from django.urls import reverse

from apps.incentives import services
from apps.incentives.models import IncentivePlan, Participant

API = "/api/v1/incentive-plans/"


@pytest.fixture
def leader_api(api, p):
    return api(p.alice_token)


def plan_body(**changes):
    body = {
        "name": "CX 2025",
        "period": "2025",
        "components": [
            {
                "metric": "CSAT",
                "scope": "organisation",
                "weight": 2,
                "threshold": 4.0,
                "target": 4.3,
                "maximum": 4.6,
            },
            {
                "metric": "AHT",
                "scope": "department",
                "weight": 1,
                "threshold": 320,
                "target": 300,
                "maximum": 270,
                "threshold_percent": 40,
                "target_percent": 100,
                "maximum_percent": 160,
            },
        ],
        "participants": [
            {
                "participant": "hugo@example.com",
                "department": "SERVICE",
                "target_bonus": 10000,
                "cx_share": 20,
            },
            {
                "participant": "cora@example.com",
                "target_bonus": 5000,
                "cx_share": 10,
                "from": "2025-07-01",
                "to": "2025-12-31",
            },
        ],
    }
    body.update(changes)
    return body


def test_the_api_creates_a_draft_with_nested_components_and_participants(p, bonus, leader_api):
    response = leader_api.post(API, plan_body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft"
    assert data["components"][1] == {
        "metric": "AHT",
        "scope": "department",
        "weight": 1.0,
        "threshold": 320.0,
        "target": 300.0,
        "maximum": 270.0,
        "threshold_percent": 40.0,
        "target_percent": 100.0,
        "maximum_percent": 160.0,
    }
    cora = next(x for x in data["participants"] if x["participant"] == "cora@example.com")
    assert cora == {
        "participant": "cora@example.com",
        "department": "SERVICE",
        "target_bonus": 5000.0,
        "cx_share": 10.0,
        "from": "2025-07-01",
        "to": "2025-12-31",
    }
    results = leader_api.get(f"/api/v1/incentive-results/?plan={data['id']}").json()["results"]
    hugo = next(r for r in results if r["participant"] == "hugo@example.com")
    assert set(hugo) == {
        "participant",
        "department",
        "plan",
        "period",
        "provisional",
        "components",
        "attainment",
        "cx_bonus",
        "currency",
    }
    assert hugo["department"] == "SERVICE" and hugo["plan"] == data["id"] and hugo["period"] == "2025"
    assert set(hugo["components"][0]) == {
        "metric",
        "scope",
        "actual",
        "payout_percent",
        "weight",
        "no_actual",
    }
    # CSAT 125 %, AHT 310 s with 40 % at the threshold: 40 + 60 × 10/20 = 70 %.
    assert hugo["attainment"] == pytest.approx((2 * 125 + 70) / 3)
    assert hugo["cx_bonus"] == round(10000 * 0.2 * (320 / 3) / 100, 2)
    assert hugo["currency"] == "EUR"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (plan_body(period="2025-13"), "period"),
        (plan_body(name=""), "name"),
        (
            plan_body(components=[{"metric": "AHT", "threshold": 270, "target": 300, "maximum": 320}]),
            "components[0].target",
        ),
        (plan_body(components=[{"metric": "NOPE", "threshold": 1, "target": 2, "maximum": 3}]), "components"),
        (
            plan_body(
                participants=[
                    {"participant": "hugo@example.com", "target_bonus": 1, "cx_share": 1},
                    {"participant": "hugo@example.com", "target_bonus": 2, "cx_share": 2},
                ]
            ),
            "participants[1].participant",
        ),
        (
            plan_body(participants=[{"participant": "x@y.z", "target_bonus": 1, "cx_share": 1}]),
            "participants",
        ),
        (
            plan_body(participants=[{"participant": "hugo@example.com", "target_bonus": -1, "cx_share": 1}]),
            "participants",
        ),
        (
            plan_body(
                participants=[
                    {
                        "participant": "hugo@example.com",
                        "target_bonus": 1,
                        "cx_share": 1,
                        "from": "2024-01-01",
                    }
                ]
            ),
            "participants[0].from",
        ),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_writes_nothing(p, bonus, leader_api, body, field):
    before = IncentivePlan.objects.count()
    response = leader_api.post(API, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert IncentivePlan.objects.count() == before


def test_a_stale_version_is_a_409_and_an_approved_plan_refuses_writes(p, bonus, leader_api, api):
    plan_id = leader_api.post(API, plan_body(), format="json").json()["id"]
    version = IncentivePlan.objects.get(pk=plan_id).version
    ok = leader_api.patch(f"{API}{plan_id}/", {"name": "Renamed", "version": version}, format="json")
    assert ok.status_code == 200
    stale = leader_api.patch(f"{API}{plan_id}/", {"name": "Again", "version": version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == IncentivePlan.objects.get(pk=plan_id).version
    assert leader_api.patch(f"{API}{plan_id}/", {"name": "No version"}, format="json").status_code == 400
    assert leader_api.post(f"{API}{plan_id}/submit/", {}, format="json").status_code == 200
    from apps.organization.services import token_create

    _t, erin_token = token_create(user=p.erin, name="erin")
    approved = api(erin_token).post(f"{API}{plan_id}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    version = IncentivePlan.objects.get(pk=plan_id).version
    refused = leader_api.patch(
        f"{API}{plan_id}/",
        {"components": [{"metric": "CSAT", "threshold": 1, "target": 2, "maximum": 3}], "version": version},
        format="json",
    )
    assert refused.status_code == 403
    assert IncentivePlan.objects.get(pk=plan_id).components.count() == 2
    # Close after the period.
    closed = leader_api.post(f"{API}{plan_id}/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"name": None, "period": None},
        {"name": "x" * 500, "period": "2025"},
        {"name": "n", "period": "2025", "components": "nope"},
        {
            "name": "n",
            "period": "2025",
            "components": [{"metric": "CSAT", "threshold": "a", "target": 2, "maximum": 3}],
        },
        '{"name": "n", "period": "2025", "components": '
        '[{"metric": "CSAT", "threshold": 1e999, "target": 2, "maximum": 3}]}',
        {"name": "n", "period": "2025", "participants": [{"participant": None}]},
        {"name": "n", "period": "\x00"},
    ],
)
def test_garbage_is_never_a_server_error(p, bonus, leader_api, body):
    if isinstance(body, str) and body.startswith("{"):
        response = leader_api.post(API, body, content_type="application/json")
    else:
        response = leader_api.post(API, body, format="json")
    assert 400 <= response.status_code < 500, response.content
    assert leader_api.get("/api/v1/incentive-results/?plan=abc").status_code == 400
    assert leader_api.get("/api/v1/incentive-results/?plan=99999999999999999999999").status_code == 400


# -- pages ------------------------------------------------------------------------------


@pytest.fixture
def filled(p, bonus):
    for person, amount in ((p.hugo, 10000), (p.cora, 6000), (p.wanda, 8000)):
        services.participant_add(plan=bonus.plan, by=p.alice, person=person, target_bonus=amount, cx_share=20)
    for i in range(4):
        services.plan_create(by=p.alice, name=f"Plan {i}", period=f"2026-Q{i + 1}")
    return bonus.plan


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def test_pages_run_a_bounded_number_of_queries_and_have_no_inline_scripts(
    p, filled, login, django_assert_max_num_queries
):
    client = login(p.alice)
    hugo = Participant.objects.get(plan=filled, person=p.hugo)
    for url, limit in (
        (reverse("incentives:plan-list"), 14),
        (reverse("incentives:plan-detail", args=[filled.pk]), 24),
        (reverse("incentives:scorecard", args=[hugo.pk]), 16),
        (reverse("incentives:results-csv", args=[filled.pk]), 14),
    ):
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert not INLINE_SCRIPT.search(text), url
        assert "onclick=" not in text and "onload=" not in text
    detail = client.get(reverse("incentives:plan-detail", args=[filled.pk])).content.decode()
    # Every table sits in a box that scrolls sideways on a 390 px screen.
    assert detail.count("<table") == detail.count('<div class="table-wrap"><table')
    assert "incentives/curves.js" in detail and 'id="curve-data-' in detail


def test_the_plan_detail_query_count_does_not_grow_with_participants(
    p, filled, login, django_assert_max_num_queries
):
    client = login(p.alice)
    url = reverse("incentives:plan-detail", args=[filled.pk])
    with django_assert_max_num_queries(24):
        client.get(url)
    extra = type(p.alice).objects.create_user(
        "z@example.com", "pw-Secret-123", display_name="Zed", primary_department=p.service
    )
    for i in range(10):
        person = type(p.alice).objects.create_user(
            f"p{i}@example.com", "pw-Secret-123", display_name=f"P{i}", primary_department=p.service
        )
        services.participant_add(plan=filled, by=p.alice, person=person, target_bonus=100, cx_share=10)
    assert extra
    with django_assert_max_num_queries(24):
        assert client.get(url).status_code == 200


def test_what_if_changes_the_payout_and_bonus_and_saves_nothing(p, filled, login):
    hugo = Participant.objects.get(plan=filled, person=p.hugo)
    client = login(p.hugo)
    stored = hugo.result.cx_bonus
    csat = filled.components.get(metric__code="CSAT")
    response = client.get(
        reverse("incentives:what-if", args=[hugo.pk]), {f"actual-{csat.pk}": "4.6"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="scorecard-figures">')
    # CSAT at its maximum pays 150 %: (2 × 150 + 75) / 3 = 125 % → 10,000 × 0.2 × 1.25 = 2,500.
    assert "2,500.00" in text and "150.0 %" in text
    hugo.result.refresh_from_db()
    assert hugo.result.cx_bonus == stored
    # Without htmx the whole page comes back.
    assert (
        "<html"
        in client.get(
            reverse("incentives:what-if", args=[hugo.pk]), {f"actual-{csat.pk}": "x"}
        ).content.decode()
    )


def test_the_statement_is_a_pdf(p, filled, login):
    hugo = Participant.objects.get(plan=filled, person=p.hugo)
    response = login(p.hugo).get(reverse("incentives:statement-pdf", args=[hugo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_the_leader_drafts_sends_and_an_executive_approves_through_the_pages(p, filled, client):
    client.force_login(p.alice)
    filled.refresh_from_db()
    assert (
        client.post(
            reverse("incentives:plan-submit", args=[filled.pk]), {"version": filled.version}
        ).status_code
        == 302
    )
    filled.refresh_from_db()
    assert filled.submitted_at is not None
    client.force_login(p.erin)
    page = client.get(reverse("incentives:plan-detail", args=[filled.pk])).content.decode()
    assert reverse("incentives:plan-approve", args=[filled.pk]) in page
    client.post(reverse("incentives:plan-approve", args=[filled.pk]), {"version": filled.version})
    filled.refresh_from_db()
    assert filled.status == "approved" and filled.approved_by == p.erin
    # Components read-only on the page: no edit links any more.
    client.force_login(p.alice)
    page = client.get(reverse("incentives:plan-detail", args=[filled.pk])).content.decode()
    assert "/components/" not in page
    assert (
        client.post(
            reverse("incentives:plan-close", args=[filled.pk]), {"version": filled.version}
        ).status_code
        == 302
    )
    filled.refresh_from_db()
    assert filled.status == "closed"
    assert filled.period_obj.end < date.today()


def test_the_hr_import_page_shows_every_row_error_and_imports_nothing(p, bonus, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(p.alice)
    body = (
        b"email,department,target_bonus,cx_share,from,to\n"
        b"nobody@example.com,,1,1,,\nhugo@example.com,NOPE,1,1,,\n"
    )
    response = client.post(
        reverse("incentives:participants-import", args=[bonus.plan.pk]),
        {"file": SimpleUploadedFile("hr.csv", body, content_type="text/csv")},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "no active person with this e-mail" in text and "unknown department NOPE" in text
    assert not bonus.plan.participants.exists()


def test_my_work_section_lists_ones_own_scorecards_only(p, filled, rf):
    from apps.incentives.hooks import my_scorecards

    section = my_scorecards(rf.get("/"), p.hugo)
    assert [x.person_id for x in section["participations"]] == [p.hugo.pk]
    assert my_scorecards(rf.get("/"), p.carl) is None


def test_department_section_and_search_show_only_plans_the_viewer_may_see(p, filled, rf):
    from apps.incentives.hooks import department_plans, search_plans

    request = rf.get("/")
    request.user = p.alice
    assert [x.pk for x in department_plans(request, p.service)["bonus_plans"]] == [filled.pk]
    request.user = p.carl  # takes part in nothing
    assert department_plans(request, p.service) is None
    assert search_plans(p.hugo, "bonus")[1] and not search_plans(p.carl, "bonus")[1]
