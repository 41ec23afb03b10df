"""A milestone and a decision through the API: the same who-may as their pages (DESIGN §6),
the `version` required, a stale one a 409 that changes nothing."""

import pytest

from apps.actions import services as plan_services
from apps.actions.models import Milestone
from apps.committees.models import Decision
from apps.organization.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestone(p):
    plan = plan_services.plan_create(by=p.alice, title="Shorter calls", owner_department=p.service)
    return plan_services.milestone_create(plan=plan, by=p.alice, title="Script", owner=p.cora)


def test_a_milestone_is_ticked_off_by_its_owner_and_replanned_by_the_head(p, api, milestone):
    _t, cora_token = token_create(user=p.cora, name="cora")
    url = f"/api/v1/milestones/{milestone.pk}/"
    cora = api(cora_token)
    assert cora.get(url).json()["done"] is False
    refused = cora.patch(url, {"title": "Mine now", "version": 1}, format="json")
    assert refused.status_code == 403
    done = cora.patch(url, {"done": True, "version": 1}, format="json")
    assert done.status_code == 200 and done.json()["done"] is True and done.json()["version"] == 2
    stale = api(p.hugo_token).patch(url, {"title": "Script v2", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Milestone.objects.get().title == "Script"
    missing = api(p.hugo_token).patch(url, {"title": "Script v2"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    replanned = api(p.hugo_token).patch(url, {"title": "Script v2", "weight": 3, "version": 2}, format="json")
    assert replanned.status_code == 200 and replanned.json()["weight"] == 3
    _t, wanda_token = token_create(user=p.wanda, name="wanda")  # the other department's head
    assert api(wanda_token).patch(url, {"done": False, "version": 3}, format="json").status_code == 403
    bad = api(p.hugo_token).patch(url, {"weight": 0, "version": 3}, format="json")
    assert bad.status_code == 400 and "weight" in bad.json()


def test_a_decision_status_is_set_by_its_owner_and_a_stale_one_is_a_409(db, api):
    from tests.matrix.world import build_world

    w = build_world()
    decision = w.decision
    _t, mia_token = token_create(user=decision.owner, name="mia")
    url = f"/api/v1/decisions/{decision.pk}/"
    head = api(w.hugo_token).patch(url, {"status": "done", "version": decision.version}, format="json")
    assert head.status_code == 403
    ok = api(mia_token).patch(url, {"status": "done", "version": decision.version}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "done" and ok.json()["done_at"]
    stale = api(mia_token).patch(url, {"status": "open", "version": decision.version}, format="json")
    assert stale.status_code == 409
    assert Decision.objects.get(pk=decision.pk).status == "done"
    text = api(mia_token).patch(url, {"text": "Rewritten", "version": decision.version + 1}, format="json")
    assert text.status_code == 200 and text.json()["text"] == decision.text
