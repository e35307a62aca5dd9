"""One clock: only views, CLI commands, the worker and the request's session layer read it.

Rules take `now` from their caller, so a test can run them at any instant and the suite passes
whatever day it runs (see CLINIC_INSTANTS in conftest and TEST_NOW in the README).
"""

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[1] / "portal"
# Where reading the clock belongs: the edges that receive a request, a command or a tick.
MAY_READ_THE_CLOCK = {
    "views.py",
    "consent_views.py",
    "factor_views.py",
    "passkey_views.py",
    "access.py",  # each request's loaders, which answer 404 "as of now"
    "care_views.py",
    "cli.py",
    "worker.py",
    "frame.py",  # the page's own "as of" time
    "timeutil.py",
    "accounts/sessions.py",  # the session layer of every request (idle and absolute timeouts)
    "notifications/delivery.py",  # the sender's back-off between retries of one HTTP request
    "accounts/throttle.py",  # how long a rate limit still holds (the limiter keeps epoch times)
}
CLOCK_CALLS = {"utcnow", "now", "today", "time"}
# Modules that may still read the wall clock outside those edges: none. A module listed here
# may only read it that many times, and the count may only go down.
STILL_READ_THE_CLOCK: dict[str, int] = {}


def _reads_the_clock(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
            if name == "utcnow" or (name in CLOCK_CALLS and owner in {"datetime", "date", "time"}):
                lines.append(node.lineno)
    return lines


def test_rules_take_now_from_their_caller():
    found = {}
    for path in sorted(PORTAL.rglob("*.py")):
        relative = path.relative_to(PORTAL).as_posix()
        if path.name in MAY_READ_THE_CLOCK or relative in MAY_READ_THE_CLOCK:
            continue
        lines = _reads_the_clock(ast.parse(path.read_text()))
        if lines:
            found[relative] = lines
    worse = {
        f"portal/{name}": lines
        for name, lines in found.items()
        if len(lines) > STILL_READ_THE_CLOCK.get(name, 0)
    }
    assert worse == {}, "read the clock in a view and pass `now` down"
    fixed = {
        name
        for name in STILL_READ_THE_CLOCK
        if len(found.get(name, [])) < STILL_READ_THE_CLOCK[name]
    }
    assert fixed == set(), "lower STILL_READ_THE_CLOCK for these: they read the clock less now"
