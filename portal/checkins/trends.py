"""The last 30 days of craving, mood and confidence, laid out for a chart drawn on the server."""

from datetime import date, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from ..dates import format_day
from ..extensions import db
from .forms import MOOD_LABELS
from .models import CheckIn

DAYS = 30
# The chart's drawing box, in SVG user units; the SVG scales to the screen's width.
WIDTH, HEIGHT = 300, 90
LEFT, RIGHT, TOP, BOTTOM = 26, 6, 8, 18


def _series_specs():
    return [
        ("craving", _("Craving"), 0, 10),
        ("mood", _("Mood"), 1, 5),
        ("confidence", _("Confidence"), 0, 10),
    ]


def _point(index: int, value: int, low: int, high: int) -> tuple[float, float]:
    x = LEFT + index * (WIDTH - LEFT - RIGHT) / (DAYS - 1)
    y = TOP + (high - value) * (HEIGHT - TOP - BOTTOM) / (high - low)
    return round(x, 1), round(y, 1)


def _runs(values: list[int | None], low: int, high: int) -> list[str]:
    """Return polyline point lists for each run of consecutive days; a missed day breaks a line."""
    runs, current = [], []
    for index, value in enumerate(values):
        if value is None:
            current = []
            continue
        if not current:
            runs.append(current)
        x, y = _point(index, value, low, high)
        current.append(f"{x},{y}")
    return [" ".join(run) for run in runs if len(run) > 1]


def _describe(name: str, title: str, values: list[int], days: list[date]) -> str:
    """Say in words what the chart of one measure shows."""
    present = [(v, d) for v, d in zip(values, days, strict=True) if v is not None]
    if not present:
        return _("%(what)s: no check-ins yet.", what=title)
    average = sum(v for v, _d in present) / len(present)
    high_v, high_d = max(present, key=lambda p: (p[0], p[1]))
    low_v, low_d = min(present, key=lambda p: (p[0], p[1]))
    if name == "mood":
        labels = dict(MOOD_LABELS)
        return _(
            "%(what)s: mostly “%(label)s”. Best “%(best)s” on %(best_day)s, lowest “%(low)s” "
            "on %(low_day)s.",
            what=title,
            label=labels[round(average)],
            best=labels[high_v],
            best_day=format_day(high_d, "month_day"),
            low=labels[low_v],
            low_day=format_day(low_d, "month_day"),
        )
    return _(
        "%(what)s: average %(avg)s out of 10, highest %(high)s on %(high_day)s, lowest %(low)s "
        "on %(low_day)s.",
        what=title,
        avg=format_decimal(average, "0.0"),  # "6.5" in both; CLDR knows
        high=high_v,
        high_day=format_day(high_d, "month_day"),
        low=low_v,
        low_day=format_day(low_d, "month_day"),
    )


def trend_context(client, today: date) -> dict:
    """Build everything `checkins/_trend.html` needs for one client's last 30 days."""
    start = today - timedelta(days=DAYS - 1)
    checkins = {
        c.day: c
        for c in db.session.scalars(
            select(CheckIn).where(
                CheckIn.client_id == client.id, CheckIn.day >= start, CheckIn.day <= today
            )
        )
    }
    days = [start + timedelta(days=i) for i in range(DAYS)]
    charts = []
    for name, title, low, high in _series_specs():
        values = [getattr(checkins[d], name) if d in checkins else None for d in days]
        charts.append(
            {
                "name": name,
                "title": title,
                "lines": _runs(values, low, high),
                "dots": [_point(i, v, low, high) for i, v in enumerate(values) if v is not None],
                "ticks": [(v, _point(0, v, low, high)[1]) for v in (low, high)],
                "summary": _describe(name, title, values, days),
            }
        )
    moods = dict(MOOD_LABELS)
    return {
        "start": start,
        "end": today,
        "count": len(checkins),
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "charts": charts,
        "rows": [
            (c.day, moods[c.mood], c.craving, c.confidence, c.flagged)
            for c in sorted(checkins.values(), key=lambda c: c.day, reverse=True)
        ],
    }
