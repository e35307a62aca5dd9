"""The worker: a dispatch pass every few seconds until told to stop, and hourly housekeeping."""

import logging
import signal
import threading
import time

from flask import Flask

from ..accounts.sessions import purge_expired
from ..extensions import db
from ..meetings.importer import refresh_due_sources
from ..timeutil import utcnow
from .dispatcher import new_sender, run_pass

log = logging.getLogger("portal.notifications")
PURGE_EVERY = 3600


def run_worker(app: Flask, interval: float, stop: threading.Event, echo=print) -> None:
    """Run passes until `stop` is set; a pass in progress finishes its batch first."""
    last_purge = None
    with app.app_context():
        sender = new_sender()
    try:
        while not stop.is_set():
            with app.app_context():
                try:
                    report = run_pass(utcnow(), stop=stop, sender=sender)
                    if report.sent or report.failed or report.gone:
                        echo(_summary(report))
                    if last_purge is None or time.monotonic() - last_purge >= PURGE_EVERY:
                        purged = purge_expired()
                        last_purge = time.monotonic()
                        if purged:
                            echo(f"Deleted {purged} expired sessions.")
                        # Meeting feeds: each is fetched only when its own interval has passed.
                        for source, result in refresh_due_sources(utcnow()):
                            echo(f"Meeting feed {source.name}: {result}")
                except Exception:
                    # The database may be restarting; try again next time rather than die.
                    db.session.rollback()
                    log.exception("dispatch pass failed")
                finally:
                    db.session.remove()
            stop.wait(interval)
    finally:
        sender.close()


def _summary(report) -> str:
    return ", ".join(f"{k} {v}" for k, v in report.counts.items() if v)


def stop_on_signals() -> threading.Event:
    """Return an event that SIGTERM and SIGINT set, so the worker ends cleanly."""
    stop = threading.Event()

    def handle(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop
