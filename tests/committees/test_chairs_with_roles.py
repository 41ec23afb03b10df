"""A committee's chair runs its reviews whatever else they are: an executive or a
department head who chairs gets the chair's rights on that committee only, and an
executive or head who does not chair it gets none (DESIGN §6; the permission matrix's
chair is a plain contributor)."""

from datetime import date

import pytest
from django.urls import reverse

from apps.committees import services
from apps.committees.models import AgendaItem, Review
from tests.matrix.harness import database_digest

pytestmark = pytest.mark.django_db

CHAIRS = {"executive": "erin", "own department's head": "hugo", "another department's head": "wanda"}


def _committee(p, chair):
    committee = services.committee_create(
        by=p.alice, name=f"Chaired by {chair.display_name}", chair=chair, scope_departments=[p.service]
    )
    review = services.review_schedule(committee=committee, by=p.alice, scheduled_for=date(2025, 6, 1))
    return committee, review


@pytest.mark.parametrize("who", sorted(CHAIRS))
def test_an_executive_or_head_who_chairs_runs_the_review(client, p, who):
    chair = getattr(p, CHAIRS[who])
    _committee_obj, review = _committee(p, chair)
    client.force_login(chair)
    assert client.post(reverse("committees:review-open", args=[review.pk])).status_code == 302
    assert Review.objects.get(pk=review.pk).status == Review.Status.IN_SESSION
    response = client.post(reverse("committees:item-add", args=[review.pk]), {"title": "Chair's item"})
    assert response.status_code == 302
    assert AgendaItem.objects.filter(review=review, title="Chair's item").exists()
    assert client.post(reverse("committees:review-close", args=[review.pk])).status_code == 302
    assert Review.objects.get(pk=review.pk).status == Review.Status.CLOSED


@pytest.mark.parametrize("who", sorted(CHAIRS))
def test_the_same_role_without_the_chair_may_not_run_it(client, p, who):
    # Someone else chairs; the executive or head is refused and nothing changes.
    _committee_obj, review = _committee(p, p.chad)
    client.force_login(getattr(p, CHAIRS[who]))
    before = database_digest()
    assert client.post(reverse("committees:review-open", args=[review.pk])).status_code == 403
    assert client.post(reverse("committees:item-add", args=[review.pk]), {"title": "x"}).status_code == 403
    assert database_digest() == before


def test_chairing_one_committee_gives_no_rights_on_another(client, p):
    _mine, _my_review = _committee(p, p.erin)
    _other, other_review = _committee(p, p.chad)
    client.force_login(p.erin)
    before = database_digest()
    assert client.post(reverse("committees:review-open", args=[other_review.pk])).status_code == 403
    assert database_digest() == before
