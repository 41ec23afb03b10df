import pytest

from tests.personas import make_personas


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture
def p(personas):
    """Short alias: p.alice, p.hugo, p.service ..."""
    return personas


@pytest.fixture
def login(client):
    """login(user) signs the test client in as that user and returns it."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api(db):
    """api(token) returns an APIClient authenticated with that raw token (or anonymous)."""
    from rest_framework.test import APIClient

    def _api(token=None):
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return _api
