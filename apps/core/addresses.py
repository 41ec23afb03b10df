"""The client's address as our own proxies saw it, for sign-in throttling and the security log."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The address the outermost of our PORTAL_TRUSTED_PROXY_COUNT proxies saw. Each proxy
    appends the address it received from, so entries left of it are the client's own claims
    and are ignored (a forged header must not choose a lockout bucket or a log line)."""
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.PORTAL_TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < hops:
        # Not through all our proxies (a direct request): only the peer is known.
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
