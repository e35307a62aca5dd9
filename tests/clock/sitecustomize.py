"""Move the clock of every Python process in a test run to TEST_NOW, then let it tick.

`bin/test` puts this folder on PYTHONPATH when TEST_NOW is set, so pytest, its xdist workers and
every server, CLI command and worker the tests start agree on the moved time:

    TEST_NOW=2027-03-14T01:30:00-05:00 bin/test

Every process moves to TEST_NOW plus the real time since the run began, so they stay in step.
Databases and Chromium keep the real time; nothing in the app asks them for it.
"""

import os

if os.environ.get("TEST_NOW"):
    import time
    from datetime import datetime, timedelta

    import time_machine

    _started = float(os.environ.setdefault("TEST_CLOCK_STARTED", repr(time.time())))
    _now = datetime.fromisoformat(os.environ["TEST_NOW"])
    if _now.tzinfo is None:
        raise SystemExit("TEST_NOW needs an offset, e.g. 2027-03-14T01:30:00-05:00")
    time_machine.travel(_now + timedelta(seconds=time.time() - _started), tick=True).start()
