"""Failed sign-in throttling (django-axes): which name is counted, from which address,
and the two counters.

- The name is the e-mail as sign-in matches it (stripped, case-insensitive), so
  `Contributor@Demo.CX` and `contributor@demo.cx` share one count.
- The address is the client's as the trusted proxy saw it (the right-most entry of
  `X-Forwarded-For` that our own proxies appended), never what a client claims: behind a
  TLS proxy every request comes from the proxy's address, and a forged header must not
  choose the bucket.
- Two counters: an account is locked from one address after AXES_FAILURE_LIMIT failures
  (so an attacker cannot lock a victim out from everywhere), and an address is locked for
  every account after PORTAL_ADDRESS_FAILURE_LIMIT failures (password spraying: many
  accounts, few tries each).
"""

import unicodedata

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def normalise_login(value) -> str | None:
    """The e-mail as the sign-in form and the user manager match it."""
    if value is None:
        return None
    return unicodedata.normalize("NFKC", str(value)).strip().lower() or None


def lockout_username(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return normalise_login(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalise_login(data.get(field))


class PortalLockoutHandler(AxesDatabaseHandler):
    """AXES_LOCKOUT_PARAMETERS is [[username, ip_address], ip_address]: the first counter has
    the limit AXES_FAILURE_LIMIT, the second PORTAL_ADDRESS_FAILURE_LIMIT. Axes compares one
    number with one limit, so the address count is scaled onto the account limit: with
    integer division, scaled >= L exactly when address_failures >= address_limit."""

    def get_failures(self, request, credentials=None) -> int:
        account, address = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        limit = settings.AXES_FAILURE_LIMIT
        return max(account, address * limit // settings.PORTAL_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A successful sign-in clears that account's failures from that address only: one
        # valid account must not wipe the address counter that throttles spraying.
        account = self.filter_user_attempts(request, credentials)[0]
        count, _ = account.delete()
        return count
