"""Uptime arithmetic on known timelines: the method the page states, checked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notify.render.uptime import uptime

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
WINDOW_MINUTES = 90 * 24 * 60


def ago(days: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(days=days, minutes=minutes)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], 100.0),
        ([(ago(10), ago(10) + timedelta(minutes=129.6), "critical")], 99.9),  # 129.6 min of 129,600
        ([(ago(10), ago(9), "critical")], 98.88),  # one day of 90: 98.888… rounded down
        ([(ago(10), ago(9), "major")], 99.44),  # a partial outage counts half: 99.444…
        ([(ago(10), ago(9), "minor")], 99.88),  # degraded counts a tenth: 99.888…
        ([(ago(10), ago(9), "maintenance")], 100.0),  # maintenance not at all
        ([(ago(100), ago(89), "critical")], 98.88),  # only the part inside the 90 days
        ([(ago(200), ago(150), "critical")], 100.0),  # wholly before the window
        ([(ago(10), ago(9), "critical"), (ago(10), ago(9), "major")], 98.88),  # overlap: the worse, once
        ([(ago(10), ago(8), "major"), (ago(9.5), ago(9), "critical")], 98.61),  # 0.5 d full + 1.5 d half = 1.25 d
        ([(ago(0, 1), NOW, "critical")], 99.99),  # one minute down never rounds up to 100
    ],
)
def test_known_timelines(spans, expected):
    assert uptime(spans, NOW) == expected
