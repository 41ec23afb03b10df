"""Sign-in, throttling, anonymous access, sessions, language."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_page_request_redirects_to_login(client):
    response = client.get(reverse("organization:department-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_api_request_gets_401_not_a_redirect(client):
    response = client.get("/api/v1/departments/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_health_check_answers_anonymous_load_balancers(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_static_files_are_served_to_anonymous_users(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)


def test_login_with_email_and_password_reaches_home(client, p):
    response = client.post(reverse("login"), {"username": "ALICE@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("landing")  # on to the overview for the CX leader
    assert client.get(reverse("landing"))["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_account_is_locked_at_the_failure_limit(client, p):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = client.post(reverse("login"), {"username": p.hugo.email, "password": "wrong"})
        assert response.status_code == 200
        assert b"Please enter a correct" in response.content
    response = client.post(reverse("login"), {"username": p.hugo.email, "password": "wrong"})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": p.hugo.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_one_failure_below_the_limit_does_not_lock(client, p):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": p.hugo.email, "password": "wrong"})
    response = client.post(reverse("login"), {"username": p.hugo.email, "password": PASSWORD})
    assert response.status_code == 302


def test_session_ends_after_the_absolute_lifetime(client, p, monkeypatch):
    client.force_login(p.erin)
    assert client.get(reverse("home")).status_code == 200
    import time as time_module

    real = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real() + settings.SESSION_ABSOLUTE_SECONDS + 5)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_idle_timeout_is_thirty_minutes_refreshed_on_each_request():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_user_language_choice_renders_pages_in_spanish(client, p):
    client.force_login(p.erin)
    response = client.post(reverse("language-set"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    p.erin.refresh_from_db()
    assert p.erin.language == "es"
    page = client.get(reverse("organization:department-list"))
    assert page["Content-Language"] == "es"
    assert "Departamentos" in page.content.decode()


def test_language_switch_refuses_an_offsite_redirect(client, p):
    client.force_login(p.erin)
    response = client.post(reverse("language-set"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@override_settings(LANGUAGE_CODE="en")
def test_navigation_shows_each_role_what_it_may_use(client, p):
    client.force_login(p.alice)
    leader_page = client.get(reverse("home")).content.decode()
    client.force_login(p.cora)
    contributor_page = client.get(reverse("home")).content.decode()
    assert reverse("organization:person-list") in leader_page
    assert reverse("organization:person-list") not in contributor_page


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("/api/v1/targets/?metric=%00", "api"),
        ("/metrics/?q=a%00b", "page"),
        ("/plans/?department=%00", "page"),
    ],
)
def test_a_nul_character_in_a_query_is_a_400_not_a_server_error(client, p, url, kind):
    client.force_login(p.alice)
    response = client.get(url)
    assert response.status_code == 400
    if kind == "api":
        assert "NUL" in response.json()["detail"]


def test_a_nul_character_in_a_json_body_is_a_400_and_changes_nothing(api, p):
    from apps.metrics.models import Metric

    response = api(p.alice_token).post(
        "/api/v1/metrics/", data='{"code": "X\\u0000", "name": "x"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert not Metric.objects.filter(code__startswith="X").exists()
