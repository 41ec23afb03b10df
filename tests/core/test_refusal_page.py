"""The 403 page says what the user tried, who may do it, and links back."""

import pytest

from tests.matrix.world import build_world

pytestmark = pytest.mark.django_db


def test_the_403_page_names_what_was_tried_who_may_and_links_back(client):
    world = build_world()
    client.force_login(world.wanda)
    url = f"/plans/{world.plan_own.pk}/edit/"
    response = client.get(url, HTTP_REFERER="http://testserver/plans/")
    assert response.status_code == 403
    page = response.content.decode()
    assert f"You tried to open {url}." in page
    assert "the head of the plan&#x27;s department" in page
    assert 'id="refusal-back" href="http://testserver/plans/"' in page


def test_an_htmx_refusal_is_a_short_fragment_with_the_reason(client):
    world = build_world()
    client.force_login(world.carl)
    response = client.post(
        f"/plans/milestones/{world.milestone_own.pk}/done/",
        {"version": 1, "done": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "data-refusal" in body and "<html" not in body
    assert "Updating a milestone is for the CX leader" in body
