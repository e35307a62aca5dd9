"""Dispatch benchmark: 10,000 due reminders to a loopback push service.

    .venv/bin/python bench/dispatch.py [--messages 10000] [--devices 1000] [--threads 8]
                                       [--database-url postgresql://postgres@127.0.0.1:5432/x]

Measures, in one run, messages per second of:
- the machine's limit: encryption (aes128gcm, a new ECDH key per message) and VAPID signing
  alone, no network, one thread; and encryption alone with one token per audience reused;
- the plain approach: a loop calling `pywebpush.webpush()` once per message;
- the dispatcher: `run_pass()` over 10,000 outbox rows (claim, send, record in the database).

The push service is tests/push_service.py in its own process; it answers 201 and decrypts and
verifies one message in 100 (all of them would make it, not the sender, the bottleneck).
"""

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUBJECT = "mailto:bench@example.org"


def serve(conn, devices: int) -> None:
    """Run the push service in this process until told to stop; report what it saw."""
    from tests.push_service import FakePushService

    service = FakePushService(verify_every=100).start()
    conn.send((service.origin, [service.new_device().info() for _ in range(devices)]))
    while conn.recv() != "stop":
        conn.send((len(service.accepted), list(service.errors)))
        service.messages.clear()
    service.stop()


def payload(i: int) -> str:
    return json.dumps(
        {
            "title": "Reminder",
            "body": "Reminder: appointment at 6:00 PM",
            "url": f"/c/{i}",
            "tag": "AbCdEfGhIjKlMnOpQrStUvWx",
        }
    )


def machine_limit(infos, key, count: int):
    """Encrypt and sign per message, no network: the most one thread could do."""
    from py_vapid import Vapid02
    from pywebpush import WebPusher

    vapid = Vapid02.from_string(key)
    origin = infos[0]["endpoint"].split("/push/")[0]
    started = time.perf_counter()
    for i in range(count):
        WebPusher(infos[i % len(infos)]).encode(payload(i).encode(), "aes128gcm")
        vapid.sign({"sub": SUBJECT, "aud": origin, "exp": int(time.time()) + 43200})
    signed = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(count):
        WebPusher(infos[i % len(infos)]).encode(payload(i).encode(), "aes128gcm")
    return signed, time.perf_counter() - started


def plain_loop(infos, key, count: int) -> float:
    """The plain approach: pywebpush.webpush() once per message, a fresh claims dict each."""
    from pywebpush import webpush

    started = time.perf_counter()
    for i in range(count):
        webpush(
            infos[i % len(infos)],
            payload(i),
            vapid_private_key=key,
            vapid_claims={"sub": SUBJECT},
            ttl=3600,
            headers={"Urgency": "high", "Topic": "AbCdEfGhIjKlMnOpQrStUvWx"},
        )
    return time.perf_counter() - started


def dispatcher(infos, key, count: int, threads: int, database_url: str):
    """Fill the outbox with `count` due rows over the devices, then time one pass."""
    from sqlalchemy import insert

    from portal import create_app
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.notifications.dispatcher import enqueue, run_pass
    from portal.notifications.models import PushSubscription
    from portal.notifications.reminders import Reminder

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "VAPID_PRIVATE_KEY": key,
            "VAPID_SUBJECT": SUBJECT,
            "PUSH_INSECURE_HOSTS": ["127.0.0.1"],
            "PUSH_SEND_THREADS": threads,
        }
    )
    now = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"b{i}@example.test",
                    "name": "B",
                    "role": "client",
                    "is_admin": False,
                    "active": True,
                    "created_at": now,
                }
                for i in range(len(infos))
            ],
        )
        ids = list(db.session.scalars(db.select(User.id).order_by(User.id)))
        db.session.execute(
            insert(PushSubscription),
            [
                {
                    "user_id": uid,
                    "endpoint": info["endpoint"],
                    "p256dh": info["keys"]["p256dh"],
                    "auth": info["keys"]["auth"],
                    "device_label": "",
                    "created_at": now,
                }
                for uid, info in zip(ids, infos, strict=True)
            ],
        )
        db.session.commit()
        per_device = -(-count // len(ids))
        reminders = [
            Reminder(
                uid,
                "bench",
                f"series:{k}",
                "20261123T230000Z.0",
                now,
                now + timedelta(hours=1),
                payload(k),
                "AbCdEfGhIjKlMnOpQrStUvWx",
                "high",
            )
            for k in range(per_device)
            for uid in ids
        ][:count]
        started = time.perf_counter()
        enqueue(reminders, now)
        queued = time.perf_counter() - started
        started = time.perf_counter()
        report = run_pass(now)
        elapsed = time.perf_counter() - started
        db.drop_all()
        db.engine.dispose()
    assert len(report.sent) == count, report.counts
    return queued, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from portal.notifications.vapid import generate_pair

    key, _public = generate_pair()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, args.devices), daemon=True)
    server.start()
    _origin, infos = parent.recv()

    def served(expected: int) -> None:
        parent.send("count")
        accepted, errors = parent.recv()
        assert errors == [], errors[:3]
        assert accepted == expected, (accepted, expected)

    n = args.messages
    signed, encrypted = machine_limit(infos, key, n)
    plain = plain_loop(infos, key, n)
    served(n)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}"
        queued, dispatched = dispatcher(infos, key, n, args.threads, url)
    served(n)
    parent.send("stop")
    server.join(10)

    rows = [
        ("machine limit: encrypt + sign each, no network (1 thread)", signed),
        ("machine limit: encrypt, token reused, no network (1 thread)", encrypted),
        ("plain loop: pywebpush.webpush() per message", plain),
        (f"dispatcher: run_pass(), {args.threads} threads, claim+send+record", dispatched),
    ]
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{n} messages over {len(infos)} devices; {os.cpu_count()} CPUs; {database}")
    print(f"{'approach':66} {'seconds':>8} {'msg/s':>8} {'x plain':>8}")
    for name, seconds in rows:
        print(f"{name:66} {seconds:8.2f} {n / seconds:8.0f} {plain / seconds:8.2f}")
    print(f"(writing the {n} rows to the outbox, not counted above: {queued:.2f} s)")


if __name__ == "__main__":
    main()
