"""Soak and fault run: N clients use the app for T seconds while a reminder worker is killed.

    .venv/bin/python bench/soak.py --database-url postgresql://postgres@127.0.0.1:5432/soak \
        [--users 50] [--seconds 60] [--web-workers 2]

Everything runs on this machine (loopback only) and stops by itself: gunicorn with the shipped
settings, two `flask worker` processes sending to the loopback push service of the tests, and N
simulated clients (threads) that sign in and loop over Today, the calendar, the check-in (a real
form post, resubmitted with the same idempotency key now and then, as a phone's outbox does) and
the homework list. Every client has a session an hour and a few seconds away, so each has one
reminder due during the run. A third of the way in, one worker is killed with SIGKILL mid-pass
and a new one started.

Prints requests, errors, p50/p95 per page, and the integrity checks: reminders lost or sent twice
(per device and tag, at the push service), check-ins per client per day (must be one), and
idempotency keys answered twice.
"""

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "soak test words 2026"  # noqa: S105 (the simulated clients' own, on loopback)


class FormReader(HTMLParser):
    """Collect a page's check-in form the way a person would fill it: first choice of each."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "data-outbox" in a:
            self.in_form = True
        if not self.in_form or tag != "input" or not a.get("name"):
            return
        kind = a.get("type", "text")
        if kind == "hidden" or (kind == "radio" and a["name"] not in self.values):
            self.values[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def prepare(database_url: str, users: int, seconds: float) -> dict:
    """Make a fresh database: the demo clinic plus N clients, each with a session an hour away.

    The sessions are spread so their "1 hour before" reminders fall due one after another
    through the run, and the killed worker dies in the middle of sending some of them.
    """
    import psycopg

    admin, name = database_url.rsplit("/", 1)
    with psycopg.connect(database_url.replace(name, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = base_env(database_url)
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "portal", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    os.environ.update(env)
    from portal import create_app
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from portal.schedule.models import SessionSeries
    from portal.timeutil import clinic_zone, utcnow

    app = create_app()
    emails = []
    with app.app_context():
        counselor = db.session.query(User).filter_by(email="counselor@example.org").one()
        hashed = hash_password(PASSWORD)
        for n in range(users):
            start = utcnow() + timedelta(minutes=60, seconds=5 + n * seconds / users)
            start = start.astimezone(clinic_zone())
            person = User(
                email=f"soak{n}@example.test",
                name=f"Soak {n}",
                role="client",
                password_hash=hashed,
                counselor_id=counselor.id,
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                SessionSeries(
                    kind="individual",
                    title="Individual session",
                    client_id=person.id,
                    facilitator_id=counselor.id,
                    timezone=str(clinic_zone()),
                    start_date=start.date(),
                    start_time=start.time().replace(microsecond=0),
                    duration_minutes=50,
                    place="Room 1",
                )
            )
            emails.append(person.email)
        db.session.commit()
    return {"app": app, "emails": emails}


def base_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "soak-secret",
        "INSTANCE_PATH": str(ROOT / "instance" / "soak"),
        "PUSH_INSECURE_HOSTS": "127.0.0.1",
        "PUSH_SERVICE_HOSTS": "127.0.0.1",
        "WORKER_INTERVAL_SECONDS": "1",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_ADDRESS_LIMIT": "100000 per minute",
    }


class Client(threading.Thread):
    """One simulated client on their phone."""

    def __init__(self, base: str, email: str, until: float, results: dict, lock):
        super().__init__(daemon=True)
        self.base, self.email, self.until = base, email, until
        self.results, self.lock = results, lock
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, label: str, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        status, text = 0, ""
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            status = e.code
        except OSError:
            status = -1
        with self.lock:
            self.results[label].append((time.perf_counter() - started, status))
        return text

    def run(self):
        page = self.call("GET /login", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if not token:
            return
        self.call(
            "POST /login",
            "/login",
            {
                "csrf_token": token.group(1),
                "email": self.email,
                "password": PASSWORD,
            },
        )
        kept = None
        while time.monotonic() < self.until:
            self.call("GET /today", "/today")
            self.call("GET /calendar", "/calendar")
            form = FormReader()
            form.feed(self.call("GET /checkin", "/checkin"))
            if form.values:
                if kept and random.random() < 0.3:  # the phone's outbox sends it again
                    form.values = kept
                self.call("POST /checkin", "/checkin", form.values)
                kept = form.values
            self.call("GET /homework", "/homework")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()

    from tests.browser.server import free_port
    from tests.push_service import FakePushService

    setup = prepare(args.database_url, args.users, args.seconds)
    push = FakePushService(verify_every=1).start()
    app = setup["app"]
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.notifications.models import PushSubscription
    from portal.notifications.reminders import default_preferences

    with app.app_context():
        for email in setup["emails"]:
            person = db.session.query(User).filter_by(email=email).one()
            device = push.new_device()
            db.session.add(
                PushSubscription(
                    user_id=person.id,
                    endpoint=device.endpoint,
                    p256dh=device.p256dh,
                    auth=device.info()["keys"]["auth"],
                    device_label="soak",
                )
            )
            prefs = default_preferences(person.id)
            prefs.quiet_start = prefs.quiet_end = None  # the run may fall in the night
            db.session.add(prefs)
        db.session.commit()

    env = base_env(args.database_url)
    port = free_port()
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(args.web_workers))
    logs = open(ROOT / "instance" / "soak.log", "w")  # noqa: SIM115
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=logs,
        stderr=logs,
    )
    worker_cmd = [sys.executable, "-m", "flask", "--app", "portal", "worker"]
    workers = [
        subprocess.Popen(worker_cmd, cwd=ROOT, env=env, stdout=logs, stderr=logs) for _ in range(2)
    ]
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)

    results, lock = defaultdict(list), threading.Lock()
    until = time.monotonic() + args.seconds
    clients = [Client(base, e, until, results, lock) for e in setup["emails"]]
    for c in clients:
        c.start()
    time.sleep(args.seconds / 3)
    workers[0].send_signal(signal.SIGKILL)  # mid-pass: it runs one every second
    workers[0].wait()
    workers.append(subprocess.Popen(worker_cmd, cwd=ROOT, env=env, stdout=logs, stderr=logs))
    for c in clients:
        c.join(timeout=args.seconds + 60)
    time.sleep(100)  # past the 90-second lease: a dead pass's claims are sent by now
    for w in workers[1:]:
        w.send_signal(signal.SIGTERM)
        w.wait(timeout=30)
    web.send_signal(signal.SIGTERM)
    web.wait(timeout=30)
    push.stop()
    report(args, results, push, app, len(setup["emails"]))


def report(args, results, push, app, devices: int) -> None:
    from sqlalchemy import func, select

    from portal.checkins.models import CheckIn
    from portal.extensions import db

    print(
        f"\n{args.users} clients for {args.seconds:.0f} s, {args.web_workers} gunicorn "
        "workers, 2 reminder workers (one killed with SIGKILL a third of the way in)\n"
    )
    print(f"| {'request':<15} | {'count':>7} | {'errors':>6} | {'p50 ms':>7} | {'p95 ms':>7} |")
    print(f"| {'-' * 15} | {'-' * 7}: | {'-' * 6}: | {'-' * 7}: | {'-' * 7}: |")
    total = errors = 0
    for label in sorted(results):
        rows = results[label]
        times = sorted(t * 1000 for t, _ in rows)
        bad = sum(1 for _, s in rows if s < 0 or s >= 500)
        total, errors = total + len(rows), errors + bad
        p95 = times[int(len(times) * 0.95) - 1] if len(times) > 1 else times[0]
        print(
            f"| {label:<15} | {len(rows):>7} | {bad:>6} | "
            f"{statistics.median(times):>7.1f} | {p95:>7.1f} |"
        )
    per_device = Counter((m.token, (m.payload or {}).get("tag")) for m in push.accepted)
    session_reminders = Counter(token for (token, _tag) in per_device)
    with app.app_context():
        doubled_checkins = db.session.execute(
            select(CheckIn.client_id, CheckIn.day, func.count())
            .group_by(CheckIn.client_id, CheckIn.day)
            .having(func.count() > 1)
        ).all()
    print(f"\nrequests {total}, errors (5xx or no answer) {errors}")
    print(
        f"reminders: {devices} devices, {len(session_reminders)} reached, "
        f"{devices - len(session_reminders)} lost, "
        f"{sum(c - 1 for c in per_device.values())} sent twice; "
        f"{len(push.errors)} failed the push service's checks"
    )
    print(f"check-ins: {len(doubled_checkins)} client-days with more than one")


if __name__ == "__main__":
    main()
