"""The portal's WSGI application on the bench's clock (``bench/pages.py`` serves this).

The synthetic enterprise ends on 2025-12-31 (``generate.LAST_DAY``) and pages open on the
last closed month, the ROI ranking reads the last closed period's gaps: on the real date
they would show periods with no data. ``BENCH_NOW`` (ISO date-time) moves Django's clock
(``django.utils.timezone.now``, which ``localdate`` and ``localtime`` read) to that instant
plus the time elapsed since start, so the server sees the day after the generated range.
Nothing else differs from ``config.wsgi`` (production settings come from the environment).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta


def shift_clock(iso: str | None) -> timedelta:
    """Move ``django.utils.timezone.now`` to ``iso`` (+ elapsed time); returns the offset."""
    from django.utils import timezone

    if not iso:
        return timedelta(0)
    real_now = getattr(timezone, "_bench_real_now", timezone.now)
    offset = real_now() - datetime.fromisoformat(iso)

    def now():
        return real_now() - offset

    timezone._bench_real_now = real_now
    timezone.now = now
    return offset


shift_clock(os.environ.get("BENCH_NOW"))

from config.wsgi import application  # noqa: E402  (after the clock is set)

__all__ = ["application"]
