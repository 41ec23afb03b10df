"""Structured security log lines: logins, failed logins, permission denials."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .addresses import client_ip as trusted_client_ip

log = logging.getLogger("portal.security")


def client_ip(request) -> str:
    """The address the lockout counts (behind our proxy, not the proxy's own)."""
    return (trusted_client_ip(request) or "-") if request is not None else "-"


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    log.info("event=login user_id=%s ip=%s", user.pk, client_ip(request))


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    log.info("event=logout user_id=%s ip=%s", getattr(user, "pk", None), client_ip(request))


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    log.warning("event=login_failed username=%r ip=%s", username[:254], client_ip(request))


def log_permission_denied(request, reason: str = "") -> None:
    user = getattr(request, "user", None)
    log.warning(
        "event=permission_denied user_id=%s method=%s path=%s reason=%s",
        getattr(user, "pk", None),
        request.method,
        request.path,
        reason or "-",
    )
