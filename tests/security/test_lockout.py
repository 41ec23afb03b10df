"""Sign-in throttling at its limits: case variants share one count, a victim is not locked
out from everywhere by one attacker address, password spraying from one address is
throttled, and the address is the one our proxy saw (a forged header chooses nothing)."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from apps.core.addresses import client_ip
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = 429


def _try(client, username, password="wrong", **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def test_case_variants_of_an_email_share_one_failure_count(client, p):
    email = p.hugo.email  # stored in lower case
    variants = [email, email.upper(), f"  {email.title()} ", email.capitalize()]
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, variants[i % len(variants)]).status_code == 200
    assert _try(client, email.swapcase()).status_code == LOCKED
    # Locked under every spelling, even with the right password.
    for spelling in (email, email.upper(), email.title()):
        response = _try(client, spelling, PASSWORD)
        assert response.status_code == LOCKED
    assert "_auth_user_id" not in client.session


def test_one_failure_below_the_limit_with_mixed_case_still_signs_in(client, p):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(client, p.hugo.email.upper())
    assert _try(client, p.hugo.email.title(), PASSWORD).status_code == 302


def test_an_account_locked_from_one_address_still_signs_in_from_another(client, p):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, p.hugo.email, REMOTE_ADDR="203.0.113.66")
    assert _try(client, p.hugo.email, PASSWORD, REMOTE_ADDR="203.0.113.66").status_code == LOCKED
    assert _try(client, p.hugo.email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_password_spraying_from_one_address_is_locked_at_the_address_limit(client, p):
    limit = settings.PORTAL_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    attacker = {"REMOTE_ADDR": "203.0.113.99"}
    for i in range(limit - 1):
        assert _try(client, f"person{i}@example.com", **attacker).status_code == 200
    assert _try(client, "one-more@example.com", **attacker).status_code == LOCKED
    # Every account is refused from that address, even with its right password ...
    assert _try(client, p.hugo.email, PASSWORD, **attacker).status_code == LOCKED
    # ... and nobody else is affected.
    assert _try(client, p.hugo.email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_successful_sign_in_does_not_reset_the_address_counter(client, p):
    limit = settings.PORTAL_ADDRESS_FAILURE_LIMIT
    attacker = {"REMOTE_ADDR": "203.0.113.98"}
    for i in range(limit - 1):
        _try(client, f"person{i}@example.com", **attacker)
    assert _try(client, p.hugo.email, PASSWORD, **attacker).status_code == 302
    client.logout()
    assert _try(client, "next@example.com", **attacker).status_code == LOCKED


@override_settings(PORTAL_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_the_client_address_is_the_one_the_proxy_appended(client, p):
    proxy = "172.18.0.5"
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        # The attacker forges a different left-hand address each time: ignored.
        forged = f"10.9.8.{i}, 203.0.113.50"
        assert _try(client, p.hugo.email, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forged).status_code == 200
    response = _try(client, p.hugo.email, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.50")
    assert response.status_code == LOCKED
    # The victim, through the same proxy from their own address, signs in.
    response = _try(client, p.hugo.email, PASSWORD, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert response.status_code == 302


def test_client_address_ignores_forwarded_for_unless_behind_a_trusted_proxy(rf):
    request = rf.post("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    with override_settings(PORTAL_TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "198.51.100.1"
    with override_settings(PORTAL_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "6.6.6.6"
        forged = rf.post("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.1")
        assert client_ip(forged) == "203.0.113.1"
        garbage = rf.post("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="not-an-address")
        assert client_ip(garbage) == "172.18.0.5"
        direct = rf.post("/", REMOTE_ADDR="198.51.100.1")
        assert client_ip(direct) == "198.51.100.1"
    with override_settings(PORTAL_TRUSTED_PROXY_COUNT=2):
        two = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.1, 10.0.0.1")
        assert client_ip(two) == "203.0.113.1"


def test_the_security_log_names_the_address_the_lockout_counts(client, p, caplog):
    """Behind our proxy the log line carries the client's address, not the proxy's."""
    with (
        override_settings(PORTAL_TRUSTED_PROXY_COUNT=1),
        caplog.at_level("WARNING", logger="portal.security"),
    ):
        _try(client, p.hugo.email, REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    line = next(r.getMessage() for r in caplog.records if "event=login_failed" in r.getMessage())
    assert "ip=203.0.113.7" in line
    assert "172.18.0.5" not in line and "6.6.6.6" not in line
