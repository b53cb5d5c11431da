"""Each component's uptime over the last 90 days, from the published incidents, by a stated method.

    an incident counts from its start to its resolution (or now, while it is open), at the highest
    severity any of its published updates gave it:
        major outage (critical)      100 % of that time is downtime
        partial outage (major)        50 %
        degraded performance (minor)  10 %
        maintenance                    0 %, planned and announced
    where incidents on one component overlap, the worse one counts, never both

uptime = 100 × (1 − downtime / the 90 days), rounded down to two decimals, so an outage never
rounds up to a perfect 100.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

WINDOW = timedelta(days=90)
WEIGHT = {"critical": 1.0, "major": 0.5, "minor": 0.1, "maintenance": 0.0}
METHOD = (
    "Uptime over 90 days, from published incidents: a major outage counts in full, a partial outage as "
    "half, degraded performance as a tenth, maintenance not at all; overlapping incidents count once, "
    "at the worse."
)


def uptime(spans: Iterable[tuple[datetime, datetime, str]], now: datetime, window: timedelta = WINDOW) -> float:
    """Percent of the window up, given (start, end, level) spans of one component's incidents."""
    begin = now - window
    clipped = [(max(s, begin), min(e, now), WEIGHT.get(level, 0.0)) for s, e, level in spans]
    clipped = [(s, e, w) for s, e, w in clipped if e > s and w > 0]
    moments = sorted({m for s, e, _ in clipped for m in (s, e)})
    down = 0.0
    for left, right in itertools.pairwise(moments):
        worst = max((w for s, e, w in clipped if s <= left and e >= right), default=0.0)
        down += worst * (right - left).total_seconds()
    percent = 100.0 * (1 - down / window.total_seconds())
    return math.floor(percent * 100) / 100
