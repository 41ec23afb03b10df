"""The one form door (core.forms.form_page) and the rules that moved out of view closures
into services and permissions.py."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from apps.actions import services as plan_services
from apps.actions.models import ActionPlan
from apps.committees import services as committee_services
from apps.organization.models import User


def _plan_form(p, **changes):
    return {
        "title": "Shorter queues",
        "owner_department": p.service.pk,
        "status": "draft",
        "effort": "M",
        "version": 1,
        **changes,
    }


def test_a_head_cannot_create_a_plan_for_another_department_through_the_service(p):
    with pytest.raises(PermissionDenied):
        plan_services.plan_create(by=p.wanda, title="Not mine", owner_department=p.service)
    assert not ActionPlan.objects.filter(title="Not mine").exists()


def test_a_head_cannot_move_a_plan_to_another_department_through_the_service(p):
    plan = plan_services.plan_create(by=p.hugo, title="Mine", owner_department=p.service)
    with pytest.raises(PermissionDenied):
        plan_services.plan_update(plan=plan, by=p.hugo, version=1, owner_department=p.website)
    assert ActionPlan.objects.get(pk=plan.pk).owner_department == p.service
    # Keeping the department is no move: the head edits their plan as before.
    plan_services.plan_update(plan=plan, by=p.hugo, version=1, owner_department=p.service, title="Still")
    assert ActionPlan.objects.get(pk=plan.pk).title == "Still"


def test_a_committee_decision_drafts_a_plan_for_the_department_it_names(p):
    committee = committee_services.committee_create(by=p.alice, name="Board", chair=p.erin)
    review = committee_services.review_schedule(
        committee=committee, by=p.alice, scheduled_for=timezone.localdate()
    )
    committee_services.review_open(review=review, by=p.erin)
    item = committee_services.agenda_add_free(review=review, by=p.erin, title="Queues")
    # Erin (executive, chair) heads no department, yet the committee decides the plan.
    committee_services.decision_create(
        item=item, by=p.erin, kind="create_action_plan", text="Cut queues", owner_department=p.website
    )
    assert ActionPlan.objects.get(title="Cut queues").owner_department == p.website


def test_the_api_refusal_says_which_department_rule_was_broken(api, p):
    client = api(p.hugo_token)
    response = client.post(
        "/api/v1/plans/",
        {"title": "Other's", "owner_department": "WEBSITE", "status": "draft", "effort": "M"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "You may create plans only for your own department."
    assert not ActionPlan.objects.filter(title="Other's").exists()


def test_the_plan_form_shows_field_errors_and_saves_nothing(client, p):
    client.force_login(p.hugo)
    response = client.post(reverse("actions:plan-create"), _plan_form(p, title="", cost_estimate="nan"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_title_errors"' in body and 'id="id_cost_estimate_errors"' in body
    assert not ActionPlan.objects.exists()


def test_the_plan_form_creates_and_redirects_to_the_new_plan(client, p):
    client.force_login(p.hugo)
    response = client.post(reverse("actions:plan-create"), _plan_form(p))
    plan = ActionPlan.objects.get(title="Shorter queues")
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:plan-detail", args=[plan.pk])


def test_the_person_form_creates_a_person_with_roles_in_one_service_call(client, p):
    client.force_login(p.alice)
    response = client.post(
        reverse("organization:person-create"),
        {
            "email": "New.Head@example.com",
            "display_name": "New Head",
            "language": "es",
            "is_active": "on",
            "roles": ["contributor"],
            "headed_departments": [p.website.pk],
            "version": 1,
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="new.head@example.com")
    grants = set(person.role_grants.values_list("role", "department__code"))
    assert grants == {("contributor", None), ("department_head", "WEBSITE")}


def test_a_stale_person_edit_changes_neither_fields_nor_roles(client, p):
    client.force_login(p.alice)
    response = client.post(
        reverse("organization:person-edit", args=[p.carl.pk]),
        {
            "email": p.carl.email,
            "display_name": "Carl Renamed",
            "language": "en",
            "is_active": "on",
            "roles": ["executive"],
            "version": p.carl.version + 5,
        },
    )
    assert response.status_code == 200
    assert "Someone else saved this" in response.content.decode()
    p.carl.refresh_from_db()
    assert p.carl.display_name != "Carl Renamed"
    assert not p.carl.role_grants.filter(role="executive").exists()
