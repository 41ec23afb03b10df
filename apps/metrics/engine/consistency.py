"""Channel consistency of a metric in a period (DESIGN §4 item 11)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .scoring import clamp


def channel_consistency(channel_actuals: Iterable[float | None]) -> float | None:
    """§4 item 11: ``clamp(100 × (1 − (max − min) / |mean|), 0, 100)`` over channel actuals.

    Needs at least 2 channels with an actual (channels without one are left out), else None.
    The mean is unweighted. When the mean is 0: 100 if max = min, else 0.
    """
    values = [v for v in channel_actuals if v is not None]
    if len(values) < 2:
        return None
    mean = math.fsum(values) / len(values)
    spread = max(values) - min(values)
    if mean == 0:
        return 100.0 if spread == 0 else 0.0
    return clamp(100.0 * (1.0 - spread / abs(mean)), 0.0, 100.0)
