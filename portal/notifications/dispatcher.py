"""One dispatch pass: write due reminders to the outbox once, claim them, send, record.

Safe to run in several processes at once: rows are claimed with `SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL (on SQLite the claiming UPDATE holds the database's one write lock), and a
claimed row is marked "sending" in that same short transaction, so no other pass takes it.
A pass renews the lease on the rows it is still sending every PUSH_HEARTBEAT_SECONDS (20);
a pass killed half-way stops renewing, and once PUSH_LEASE_SECONDS (90) have passed the next
pass puts its rows back to "pending" and sends them, while a "10 minutes before" reminder is
still useful. Only the messages in flight at the moment of the kill (accepted by the push
service but not yet recorded, at most FLUSH_SECONDS' worth plus those on the wire) can go
twice, and those carry the same Topic and tag, so the push service and the phone replace
rather than repeat them.
"""

import logging
import queue
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from sqlalchemy import delete, select, update

from ..accounts.models import User
from ..addresses import public_base
from ..extensions import db
from ..schedule.visibility import record_sent_reminders
from . import reminders as reminder_rules
from .delivery import Outcome, Outgoing, PushSender, retry_after_seconds
from .models import OutboxMessage, PushSubscription
from .vapid import vapid

log = logging.getLogger("portal.notifications")

FLUSH_EVERY = 64
FLUSH_SECONDS = 0.2
RETRYABLE_STATUSES = {500, 502, 503, 504}
KEY_COLUMNS = ("user_id", "subscription_id", "kind", "object_ref", "occurrence")


@dataclass
class PassReport:
    """What one pass did, for the command line and the tests."""

    queued: int = 0
    withdrawn: int = 0
    expired: int = 0
    reopened: int = 0
    sent: list = field(default_factory=list)  # outbox row ids
    retried: int = 0
    failed: int = 0
    gone: int = 0

    @property
    def counts(self) -> dict:
        return {
            "queued": self.queued,
            "sent": len(self.sent),
            "retry": self.retried,
            "failed": self.failed,
            "gone": self.gone,
            "expired": self.expired,
            "withdrawn": self.withdrawn,
            "reopened": self.reopened,
        }


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(OutboxMessage).on_conflict_do_nothing()


def enqueue(items: list, now: datetime) -> list[int]:
    """Write each due reminder once per device of its person; return the ids of new rows."""
    due = [r for r in items if r.due_at <= now < r.not_after]
    if not due:
        return []
    devices: dict[int, list[int]] = {}
    for sub_id, user_id in db.session.execute(
        select(PushSubscription.id, PushSubscription.user_id).where(
            PushSubscription.user_id.in_({r.user_id for r in due})
        )
    ):
        devices.setdefault(user_id, []).append(sub_id)
    rows = {}
    for r in due:
        for sub_id in devices.get(r.user_id, []):
            row = {
                "user_id": r.user_id,
                "subscription_id": sub_id,
                "kind": r.kind,
                "object_ref": r.object_ref,
                "occurrence": r.occurrence,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": r.due_at,
                "not_after": r.not_after,
                "urgency": r.urgency,
                "payload": r.payload,
                "topic": r.topic,
                "created_at": now,
                "last_error": "",
            }
            rows[tuple(row[c] for c in KEY_COLUMNS)] = row
    # The same order in every process, so concurrent passes never deadlock on each other.
    ordered = [rows[k] for k in sorted(rows)]
    new_ids = []
    for i in range(0, len(ordered), 1000):
        result = db.session.execute(_insert().returning(OutboxMessage.id), ordered[i : i + 1000])
        new_ids.extend(result.scalars().all())
    db.session.commit()
    return new_ids


def reconcile(kinds: tuple[str, ...], items: list, now: datetime) -> int:
    """Bring queued rows of a source's kinds in line with what it says now; count withdrawals.

    A row whose reminder changed (a moved session, new preferences) gets the new time and text;
    one whose reminder is gone (a cancelled session, a reminder turned off) is withdrawn; a
    withdrawn one that is wanted again is put back.
    """
    wanted = {r.key: r for r in items}
    rows = db.session.execute(
        select(OutboxMessage).where(
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.status.in_(("pending", "withdrawn")),
            OutboxMessage.not_after > now,
        )
    ).scalars()
    withdrawn = 0
    for row in rows:
        r = wanted.get((row.user_id, row.kind, row.object_ref, row.occurrence))
        if r is None:
            values = {"status": "withdrawn"} if row.status == "pending" else {}
            withdrawn += bool(values)
        else:
            values = {
                "status": "pending",
                "payload": r.payload,
                "topic": r.topic,
                "urgency": r.urgency,
                "not_after": r.not_after,
                # A row already tried keeps its back-off (or Retry-After), unless moved later.
                "next_attempt_at": (
                    r.due_at if row.claimed_at is None else max(r.due_at, row.next_attempt_at)
                ),
            }
            values = {k: v for k, v in values.items() if getattr(row, k) != v}
        if values:
            # Re-checked in the WHERE: another pass may have claimed the row meanwhile.
            db.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.status.in_(("pending", "withdrawn")),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    db.session.commit()
    return withdrawn


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["PUSH_LEASE_SECONDS"])


def _maintain(now: datetime, report: PassReport) -> None:
    """Give back rows of a killed pass whose lease ran out, and expire what is too late."""
    report.reopened = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - _lease())
        .values(status="pending")
    ).rowcount
    report.expired += db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.not_after <= now)
        .values(status="expired")
    ).rowcount
    db.session.commit()


def collect(now: datetime, report: PassReport) -> None:
    """Ask every source what is due, and write it to the outbox."""
    with _url_context():
        for source in reminder_rules.sources():
            try:
                items = source.due(now)
            except Exception:
                # A broken source must not withdraw its rows or stop the others.
                db.session.rollback()
                log.exception("reminder source %s failed", source.name)
                continue
            report.withdrawn += reconcile(source.kinds, items, now)
            new_ids = enqueue(items, now)
            if new_ids:
                log.info("source %s queued outbox rows %s", source.name, new_ids)
            report.queued += len(new_ids)


def claim(now: datetime, limit: int | None = None, ids: list[int] | None = None) -> list[int]:
    """Take up to `limit` due pending rows for this pass, in one short transaction."""
    limit = limit or current_app.config["PUSH_CLAIM_BATCH"]
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.not_after > now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        due = due.where(OutboxMessage.id.in_(ids))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    result = list(claimed.scalars())
    db.session.commit()
    return result


def _load(ids: list[int]) -> list[Outgoing]:
    rows = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.subscription_id,
            PushSubscription.endpoint,
            PushSubscription.p256dh,
            PushSubscription.auth,
            OutboxMessage.payload,
            OutboxMessage.not_after,
            OutboxMessage.urgency,
            OutboxMessage.topic,
            OutboxMessage.attempts,
        )
        .outerjoin(PushSubscription, PushSubscription.id == OutboxMessage.subscription_id)
        .where(OutboxMessage.id.in_(ids))
    )
    return [Outgoing(*row) for row in rows]


def _backoff(attempts: int) -> timedelta:
    """Wait 30 s, 2 min, 8 min, 30 min… between tries of the same message."""
    return timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 1800))


def _verdict(outcome: Outcome, now: datetime) -> dict:
    """Turn one outcome into the new state of its row."""
    message = outcome.message
    values = {"id": message.row_id, "last_status": outcome.status, "ttl": outcome.ttl}
    values["last_error"] = outcome.error[:200]
    status = outcome.status
    if outcome.skipped == "expired":
        return {**values, "status": "expired"}
    if outcome.skipped == "paused" or status == 429:
        # Not the message's fault: it does not count as a try.
        wait_for = timedelta(seconds=retry_after_seconds(outcome.retry_after))
        later = {"next_attempt_at": now + wait_for, "attempts": message.attempts - 1}
        if now + wait_for >= message.not_after:
            return {**values, "status": "expired"}
        return {**values, "status": "pending", **later}
    if status is not None and 200 <= status <= 202:
        return {**values, "status": "sent", "sent_at": now}
    if status in (404, 410):
        return {**values, "status": "gone"}
    if status is None or status in RETRYABLE_STATUSES:
        later = now + _backoff(message.attempts)
        if message.attempts >= current_app.config["PUSH_MAX_ATTEMPTS"]:
            return {**values, "status": "failed"}
        if later >= message.not_after:
            return {**values, "status": "expired"}
        return {**values, "status": "pending", "next_attempt_at": later}
    return {**values, "status": "failed"}  # 400, 401, 403, 413…: trying again will not help


def record(outcomes: list[Outcome], now: datetime, report: PassReport) -> None:
    """Write what happened to a few messages, in one transaction."""
    if not outcomes:
        return
    verdicts = [_verdict(o, now) for o in outcomes]
    for v in verdicts:
        log.info(
            "outbox row %s %s (push service answered %s)", v["id"], v["status"], v["last_status"]
        )
    db.session.execute(update(OutboxMessage), verdicts)
    by_id = {o.message.row_id: o.message for o in outcomes}
    delivered, gone = set(), set()
    for v in verdicts:
        message = by_id[v["id"]]
        if v["status"] == "sent":
            delivered.add(message.subscription_id)
            report.sent.append(message.row_id)
        elif v["status"] == "gone":
            gone.add(message.subscription_id)
            report.gone += 1
        elif v["status"] == "pending":
            report.retried += 1
        elif v["status"] == "failed":
            report.failed += 1
        else:
            report.expired += 1
    if delivered - {None}:
        db.session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(delivered - {None}))
            .values(last_success_at=now)
        )
    if gone - {None}:
        forget_devices(gone - {None})
    db.session.commit()
    log_family_disclosures([v["id"] for v in verdicts if v["status"] == "sent"], now)


def log_family_disclosures(sent_ids: list[int], now: datetime) -> None:
    """A session reminder sent to a family member discloses a date: log it with its consent."""
    if not sent_ids:
        return
    rows = db.session.execute(
        select(User, OutboxMessage.object_ref)
        .join(OutboxMessage, OutboxMessage.user_id == User.id)
        .where(
            OutboxMessage.id.in_(sent_ids),
            User.role == "family",
            OutboxMessage.kind.in_(("session_lead", "session_evening")),
        )
    )
    series_by_person: dict = {}
    for person, ref in rows:
        series_by_person.setdefault(person, set()).add(int(ref.split(":", 1)[1]))
    for person, series_ids in series_by_person.items():
        record_sent_reminders(person, series_ids, now)


def forget_devices(subscription_ids: set[int]) -> None:
    """Delete subscriptions a push service called gone; their queued rows can never go."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.subscription_id.in_(subscription_ids),
            OutboxMessage.status == "pending",
        )
        .values(status="gone")
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.subscription_id.in_(subscription_ids))
        .values(subscription_id=None)
    )
    db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(subscription_ids)))


def new_sender() -> PushSender:
    """Make a sender with this app's key, subject, timeout, threads and trusted certificates."""
    config = current_app.config
    return PushSender(
        vapid(),
        config["VAPID_SUBJECT"],
        timeout=config["PUSH_TIMEOUT_SECONDS"],
        threads=config["PUSH_SEND_THREADS"],
        ca_file=config["PUSH_CA_FILE"],
    )


def deliver(ids: list[int], now: datetime, sender: PushSender, report: PassReport) -> None:
    """Send claimed rows through the sender, recording results as they come in."""
    started = time.monotonic()
    in_flight = set(ids)
    last_beat = started
    # Each finished send lands here: taking them one by one is constant work per message, where
    # waiting on the whole set again after each (concurrent.futures.wait) grew with the batch.
    finished: queue.SimpleQueue = queue.SimpleQueue()
    waiting = 0
    for message in _load(ids):
        if message.endpoint is None:  # the device was removed after the row was claimed
            finished.put(_done(Outcome(message, status=410)))
        else:
            sender.submit(message, started, now).add_done_callback(finished.put)
        waiting += 1
    done_so_far, last_flush = [], time.monotonic()
    while waiting:
        try:
            done_so_far.append(finished.get(timeout=FLUSH_SECONDS).result())
            waiting -= 1
        except queue.Empty:
            pass
        if len(done_so_far) >= FLUSH_EVERY or time.monotonic() - last_flush >= FLUSH_SECONDS:
            in_flight -= {o.message.row_id for o in done_so_far}
            record(done_so_far, now, report)
            done_so_far, last_flush = [], time.monotonic()
        if time.monotonic() - last_beat >= current_app.config["PUSH_HEARTBEAT_SECONDS"]:
            last_beat = time.monotonic()
            _renew_lease(in_flight, now + timedelta(seconds=last_beat - started))
    record(done_so_far, now, report)


def _renew_lease(ids: set[int], at: datetime) -> None:
    """Tell other passes these rows are still being sent (as of the pass's own clock)."""
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "sending")
            .values(claimed_at=at)
        )
        db.session.commit()


def _done(outcome: Outcome) -> Future:
    future = Future()
    future.set_result(outcome)
    return future


def run_pass(now: datetime, stop=None, sender: PushSender | None = None) -> PassReport:
    """Run one pass as of `now`: maintain, collect, then claim and send until nothing is due."""
    report = PassReport()
    own_sender = sender is None
    sender = sender or new_sender()
    try:
        _maintain(now, report)
        collect(now, report)
        while not (stop and stop.is_set()):
            ids = claim(now)
            if not ids:
                break
            deliver(ids, now, sender, report)
    finally:
        if own_sender:
            sender.close()
    return report


def send_now(items: list, now: datetime) -> PassReport:
    """Queue reminders and send just those rows right away (the test notification)."""
    report = PassReport()
    ids = enqueue(items, now)
    report.queued = len(ids)
    claimed = claim(now, limit=len(ids), ids=ids) if ids else []
    if claimed:
        sender = new_sender()
        try:
            deliver(claimed, now, sender, report)
        finally:
            sender.close()
    return report


class _url_context:
    """Let sources build URLs outside a request (the worker, the command line)."""

    def __enter__(self):
        self.ctx = None
        if not has_request_context():
            self.ctx = current_app.test_request_context(base_url=public_base())
            self.ctx.push()

    def __exit__(self, *exc):
        if self.ctx is not None:
            self.ctx.pop()
