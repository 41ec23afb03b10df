"""Every URL against every actor, reads and writes (DESIGN §6)."""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import path, reverse

from tests.matrix.harness import LOGIN, REFUSED, all_url_names, database_digest, missing_expectations
from tests.matrix.routes import ROUTES
from tests.matrix.world import build_world

CASES = [
    pytest.param(route, actor, kind, id=f"{route.name}-{actor}-{kind}")
    for route in ROUTES
    for actor in route.actors
    for kind in ("read", "write")
]


def _client(route, actor, world):
    if route.api:
        from rest_framework.test import APIClient

        client = APIClient()
    else:
        from django.test import Client

        client = Client()
    if actor == "system":
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {world.sam_token}"
    elif actor != "anonymous":
        client.force_login(world.actors[actor])
    return client


def _outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return response.status_code


def test_every_url_has_an_expectation_for_every_actor():
    assert missing_expectations(ROUTES) == []


def test_harness_fails_when_a_url_lacks_an_expectation():
    urlpatterns = [path("brand-new/", lambda r: None, name="brand-new"), *_project_patterns()]
    module = type("urls", (), {"urlpatterns": urlpatterns})
    with override_settings(ROOT_URLCONF=module):
        names = all_url_names()
    assert "brand-new" in names
    assert "brand-new" in missing_expectations(ROUTES, names)


def _project_patterns():
    from config import urls

    return urls.urlpatterns


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world is built once per module inside an outer transaction; each test runs in
    a savepoint of it (pytest-django's own atomic) and rolls back, so every test sees the
    same world (Django's setUpTestData pattern)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "actor", "kind"), CASES)
def test_permission_matrix(world, route, actor, kind):
    client = _client(route, actor, world)
    url = reverse(route.name, kwargs=route.kwargs(world) if route.kwargs else None) + route.query
    if kind == "read":
        expected = route.read[actor]
        response = client.get(url)
        assert _outcome(response) == expected, f"GET {url} as {actor}"
        return
    expected = route.write[actor]
    data = route.data(world) if route.data else {}
    before = database_digest()
    method = getattr(client, route.write_method)
    if route.content_type:
        response = method(url, data=data, content_type=route.content_type)
    elif route.json:
        response = method(url, data, format="json")
    else:
        response = method(url, data)
    assert _outcome(response) == expected, (
        f"{route.write_method.upper()} {url} as {actor}: {response.content[:300]!r}"
    )
    if expected in REFUSED or actor in route.unchanged:
        assert database_digest() == before, f"refused write to {url} as {actor} changed rows"
