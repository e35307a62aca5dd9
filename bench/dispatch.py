"""Dispatch benchmark: 10,000 due reminders, to nginx over TLS and to a loopback Python service.

    .venv/bin/python bench/dispatch.py [--messages 10000] [--devices 1000] [--threads 8]
        [--processes 2] [--services nginx,python]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_dispatch]

Measures, in one run, messages per second of:
- the machine's limit: encryption (aes128gcm, a new ECDH key per message) and VAPID signing
  alone, no network, one thread; and encryption alone with one token per audience reused;
- the plain approach: a loop calling `pywebpush.webpush()` once per message;
- a real peer: Node's `web-push` library (bench/node_peer/send.mjs), --threads requests in
  flight over a keep-alive agent;
- the dispatcher: `run_pass()` over the outbox (claim, send, record in the database), in one
  worker process, then in --processes worker processes at once (PostgreSQL only).

Every sender sends the same messages (payloads, subscriptions, VAPID key) to each push service:
- "nginx TLS": nginx answering 201 over HTTPS with keep-alive, so the service is not the
  bottleneck. One device in SAMPLE_EVERY is routed by nginx to tests/push_service.py, which
  decrypts and verifies every message it gets there; nginx's access log counts every request.
- "python loopback": tests/push_service.py alone over plain HTTP (the earlier benchmark),
  decrypting one message in 100. Its Python threads share the two cores with the sender, so
  it is part of what is measured; web-push cannot send to it (HTTPS only).
Each run checks that the service received exactly the messages sent; the dispatcher runs also
check the outbox afterwards: every row "sent", tried once, and by exactly one process.
"""

import argparse
import contextlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUBJECT = "mailto:bench@example.org"
TOPIC = "AbCdEfGhIjKlMnOpQrStUvWx"
TTL = 3600
NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
SAMPLE_EVERY = 100
NODE_PEER = ROOT / "bench" / "node_peer"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Skipped(Exception):
    """A row that cannot be measured here; the message says why."""


@dataclass
class Target:
    """A push service as the senders see it: its subscriptions, and what to trust for TLS."""

    name: str
    infos: list[dict]
    ca_file: str = ""

    def sampled(self, count: int) -> int:
        """How many of `count` messages go to devices nginx routes to the verifying service."""
        routed = [i for i, info in enumerate(self.infos) if "/verify/" in info["endpoint"]]
        return sum(len(range(i, count, len(self.infos))) for i in routed)


def serve(conn, devices: int, front_origin: str) -> None:
    """Run the Python push services in this process until told to stop; report what they saw.

    "loopback" is the service the senders reach directly. "sampler" is reached through nginx
    (`front_origin`) and checks every message; it holds the same devices, and since a sender
    signs for the origin it posts to, it checks the VAPID audience against nginx's origin.
    """
    from tests.push_service import FakePushService

    loopback = FakePushService(verify_every=100).start()
    sampler = FakePushService(verify_every=1)
    sampler.origin = front_origin
    sampler.start()
    made = [loopback.new_device() for _ in range(devices)]
    sampler.devices.update(loopback.devices)
    conn.send((sampler.server.server_address[1], [device.info() for device in made]))
    services = {"loopback": loopback, "sampler": sampler}
    while conn.recv() != "stop":
        conn.send({k: (len(s.accepted), list(s.errors)) for k, s in services.items()})
        for service in services.values():
            service.messages.clear()
    for service in services.values():
        service.stop()


class Nginx:
    """nginx on 127.0.0.1 over TLS, as a child process with its own prefix under `folder`.

    /push/ answers 201 at once; /verify/ goes to the sampling Python service. The access log
    has one line per request, its status, and is how the runs count what nginx received.
    """

    def __init__(self, folder: Path, port: int, sampler_port: int):
        from tests.browser.stage import make_certificate

        self.folder, self.port, self.sampler_port = folder, port, sampler_port
        self.origin = f"https://127.0.0.1:{port}"
        self.cert, self.key, _spki = make_certificate(folder)
        self.log = folder / "nginx-access.log"
        self.process: subprocess.Popen | None = None
        self._read = 0

    def config(self) -> Path:
        temp = self.folder / "nginx-temp"
        temp.mkdir(exist_ok=True)
        path = self.folder / "nginx.conf"
        # Running as root, nginx would hand its workers to "nobody", who cannot write here.
        path.write_text(
            ("user root;\n" if os.geteuid() == 0 else "") + f"pid {self.folder / 'nginx.pid'};\n"
            f"error_log {self.folder / 'nginx-error.log'} warn;\n"
            "worker_processes 1;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"  client_body_temp_path {temp}/body;\n"
            f"  proxy_temp_path {temp}/proxy;\n"
            f"  fastcgi_temp_path {temp}/fastcgi;\n"
            f"  uwsgi_temp_path {temp}/uwsgi;\n"
            f"  scgi_temp_path {temp}/scgi;\n"
            "  log_format status '$status';\n"
            f"  access_log {self.log} status;\n"
            # Push services keep a sender's connection for its whole batch.
            "  keepalive_requests 1000000;\n"
            "  keepalive_timeout 120s;\n"
            f"  upstream sampler {{ server 127.0.0.1:{self.sampler_port}; keepalive 16; }}\n"
            "  server {\n"
            f"    listen 127.0.0.1:{self.port} ssl;\n"
            f"    ssl_certificate {self.cert};\n"
            f"    ssl_certificate_key {self.key};\n"
            "    location /push/ {\n"
            '      add_header Location "/message/$request_id";\n'
            "      return 201;\n"
            "    }\n"
            "    location /verify/ {\n"
            "      proxy_pass http://sampler;\n"
            "      proxy_http_version 1.1;\n"
            '      proxy_set_header Connection "";\n'
            "    }\n"
            "  }\n"
            "}\n"
        )
        return path

    def start(self) -> "Nginx":
        from tests.browser.stage import wait_for_port

        config = self.config()
        prefix = ["-p", str(self.folder), "-c", str(config)]
        check = subprocess.run(
            [NGINX, "-t", *prefix], capture_output=True, text=True, timeout=30, check=False
        )
        if check.returncode:
            raise Skipped(f"nginx -t refused the configuration: {check.stderr.strip()[-300:]}")
        with open(self.folder / "nginx-stdout.log", "w") as out:
            self.process = subprocess.Popen(
                [NGINX, *prefix, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.process, "nginx", self.folder / "nginx-error.log")
        return self

    def received(self, expected: int) -> list[str]:
        """Return the statuses of the requests logged since the last call (waiting for stragglers).

        nginx writes a request's log line after sending its answer, so the last few can lag
        the sender's count by a moment.
        """
        deadline = time.monotonic() + 3
        while True:
            with open(self.log, "rb") as f:
                f.seek(self._read)
                text = f.read()
            lines = text.decode().splitlines()
            if len(lines) >= expected or time.monotonic() > deadline:
                self._read += len(text)
                return lines
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # finish and close connections, then exit
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def payload(i: int) -> str:
    return json.dumps(
        {
            "title": "Reminder",
            "body": "Reminder: appointment at 6:00 PM",
            "url": f"/c/{i}",
            "tag": TOPIC,
        }
    )


def machine_limit(infos, key, payloads):
    """Encrypt and sign per message, no network: the most one thread could do."""
    from py_vapid import Vapid02
    from pywebpush import WebPusher

    vapid = Vapid02.from_string(key)
    origin = infos[0]["endpoint"].split("/push/")[0]
    started = time.perf_counter()
    for i, text in enumerate(payloads):
        WebPusher(infos[i % len(infos)]).encode(text.encode(), "aes128gcm")
        vapid.sign({"sub": SUBJECT, "aud": origin, "exp": int(time.time()) + 43200})
    signed = time.perf_counter() - started
    started = time.perf_counter()
    for i, text in enumerate(payloads):
        WebPusher(infos[i % len(infos)]).encode(text.encode(), "aes128gcm")
    return signed, time.perf_counter() - started


@contextlib.contextmanager
def requests_trusting(ca_file: str):
    """Make `requests` (pywebpush's default transport) trust the bench's certificate."""
    if not ca_file:
        yield
        return
    before = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = ca_file
    try:
        yield
    finally:
        if before is None:
            del os.environ["REQUESTS_CA_BUNDLE"]
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = before


def plain_loop(target: Target, key, payloads) -> float:
    """The plain approach: pywebpush.webpush() once per message, a fresh claims dict each."""
    from pywebpush import webpush

    infos = target.infos
    with requests_trusting(target.ca_file):
        started = time.perf_counter()
        for i, text in enumerate(payloads):
            webpush(
                infos[i % len(infos)],
                text,
                vapid_private_key=key,
                vapid_claims={"sub": SUBJECT},
                ttl=TTL,
                headers={"Urgency": "high", "Topic": TOPIC},
            )
        return time.perf_counter() - started


def node_peer(target: Target, key, public, payloads, threads: int, folder: Path) -> float:
    """Send with Node's web-push (bench/node_peer/send.mjs); return the seconds it reports."""
    if not target.ca_file:
        raise Skipped("web-push sends over HTTPS only (it calls https.request)")
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise Skipped(f"{'node' if not node else 'npm'} is not on PATH")
    if not (NODE_PEER / "node_modules" / "web-push").is_dir():
        print("Installing bench/node_peer's packages (npm ci) ...", flush=True)
        install = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_PEER,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if install.returncode:
            raise Skipped(f"npm ci failed: {(install.stderr or install.stdout).strip()[-300:]}")
    job = folder / "node-job.json"
    job.write_text(
        json.dumps(
            {
                "subject": SUBJECT,
                "publicKey": public,
                "privateKey": key,
                "subscriptions": target.infos,
                "payloads": payloads,
                "ttl": TTL,
                "urgency": "high",
                "topic": TOPIC,
                "concurrency": threads,
                "caFile": target.ca_file,
            }
        )
    )
    run = subprocess.run(
        [node, str(NODE_PEER / "send.mjs"), str(job)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if run.returncode:
        raise RuntimeError(f"send.mjs failed: {run.stderr.strip()[-2000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["failures"] == 0, result
    assert result["sent"] == len(payloads), result
    return result["seconds"]


def app_config(target: Target, key: str, threads: int, database_url: str) -> dict:
    """The settings a deployment sending to this push service would have."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench",
        "VAPID_PRIVATE_KEY": key,
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_SERVICE_HOSTS": ["127.0.0.1"],
        # The Python service speaks plain HTTP, nginx HTTPS on a port other than 443: both need
        # 127.0.0.1 here, the setting for a local test push service.
        "PUSH_INSECURE_HOSTS": ["127.0.0.1"],
        "PUSH_CA_FILE": target.ca_file,
        "PUSH_SEND_THREADS": threads,
    }


def fill_outbox(config: dict, infos, payloads) -> float:
    """Make one person per device and queue message i for device i % devices; time the queueing."""
    from sqlalchemy import insert

    from portal import create_app
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.notifications.dispatcher import enqueue
    from portal.notifications.models import PushSubscription
    from portal.notifications.reminders import Reminder
    from portal.notifications.subscriptions import check_endpoint

    app = create_app(config)
    with app.app_context():
        for info in infos:
            check_endpoint(info["endpoint"])  # the app would have taken this subscription
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
                    "created_at": NOW,
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
                    "created_at": NOW,
                }
                for uid, info in zip(ids, infos, strict=True)
            ],
        )
        db.session.commit()
        reminders = [
            Reminder(
                ids[i % len(ids)],
                "bench",
                f"series:{i // len(ids)}",
                "20261123T230000Z.0",
                NOW,
                NOW + timedelta(hours=1),
                text,
                TOPIC,
                "high",
            )
            for i, text in enumerate(payloads)
        ]
        started = time.perf_counter()
        enqueue(reminders, NOW)
        queued = time.perf_counter() - started
        db.engine.dispose()
    return queued


def worker(config: dict, log_file: str, barrier, results) -> None:
    """One dispatcher process: connect, wait for the others, run one pass, report its rows."""
    try:
        from portal import create_app
        from portal.extensions import db
        from portal.notifications.dispatcher import run_pass

        app = create_app(config)
        # The dispatcher logs every row, as in production; to a file, not over the table.
        logging.getLogger().handlers[:] = [logging.FileHandler(log_file)]
        with app.app_context():
            db.session.execute(db.select(1))  # connected before the clock starts
            db.session.commit()
            barrier.wait(timeout=120)
            report = run_pass(NOW)
            db.session.close()
            db.engine.dispose()
        results.put((report.sent, ""))
    except Exception:
        barrier.abort()  # so the others and the timer do not wait for this one
        results.put(([], traceback.format_exc()))


def dispatcher(config: dict, count: int, processes: int, folder: Path) -> float:
    """Time `processes` worker processes passing over a filled outbox; check each row went once."""
    context = multiprocessing.get_context("spawn")  # nothing of this process's engine shared
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    children = [
        context.Process(
            target=worker, args=(config, str(folder / f"worker-{n}.log"), barrier, results)
        )
        for n in range(processes)
    ]
    for child in children:
        child.start()
    try:
        try:
            barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            raise RuntimeError(results.get(timeout=30)[1]) from None
        started = time.perf_counter()
        reports = [results.get(timeout=900) for _ in children]
        elapsed = time.perf_counter() - started
    finally:
        for child in children:
            child.join(30)
            if child.is_alive():
                child.terminate()
                child.join(5)
    errors = [error for _sent, error in reports if error]
    assert not errors, errors[0]
    shares = [len(sent) for sent, _error in reports]
    sent = {row for rows, _error in reports for row in rows}
    assert sum(shares) == len(sent) == count, (shares, len(sent), count)
    if processes > 1:
        print(f"  rows sent by each process: {shares}", flush=True)
        assert min(shares) > 0, "one process sent everything: the run tested no concurrency"
    check_outbox(config, count)
    return elapsed


def check_outbox(config: dict, count: int) -> None:
    """Every row sent, each tried once; then leave the database empty for the next run."""
    from sqlalchemy import func

    from portal import create_app
    from portal.extensions import db
    from portal.notifications.models import OutboxMessage

    app = create_app(config)
    with app.app_context():
        by_status = dict(
            db.session.execute(
                db.select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        tries = db.session.scalar(db.select(func.sum(OutboxMessage.attempts)))
        assert by_status == {"sent": count}, by_status
        assert tries == count, (tries, count)
        # The reads above hold locks that DROP TABLE, on another connection, would wait for.
        db.session.close()
        db.drop_all()
        db.engine.dispose()


class Run:
    """One benchmark run: the push services, the senders, and the rows measured so far."""

    def __init__(self, args, folder: Path, database_url: str):
        from portal.notifications.vapid import generate_pair
        from tests.browser.server import free_port

        self.args, self.folder, self.database_url = args, folder, database_url
        self.key, self.public = generate_pair()
        self.payloads = [payload(i) for i in range(args.messages)]
        self.rows: list[tuple[str, str, float | None, str]] = []  # service, sender, s, why skipped
        self.queued: list[float] = []
        self.nginx: Nginx | None = None
        self.nginx_port = free_port()
        self.pipe, child = multiprocessing.Pipe()
        self.server = multiprocessing.Process(
            target=serve,
            args=(child, args.devices, f"https://127.0.0.1:{self.nginx_port}"),
            daemon=True,
        )
        self.server.start()
        self.sampler_port, self.infos = self.pipe.recv()

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    def target(self, name: str) -> Target:
        if name == "python":
            return Target("python loopback", self.infos)
        if not Path(NGINX).exists():
            raise Skipped(f"nginx is not installed ({NGINX})")
        self.nginx = Nginx(self.folder, self.nginx_port, self.sampler_port).start()
        routed = []
        for i, info in enumerate(self.infos):
            token = info["endpoint"].rsplit("/", 1)[-1]
            path = "verify" if i % SAMPLE_EVERY == 0 else "push"
            routed.append({**info, "endpoint": f"{self.nginx.origin}/{path}/{token}"})
        return Target("nginx TLS", routed, str(self.nginx.cert))

    def received(self, target: Target) -> None:
        """Check the service got exactly the messages sent, all accepted, the sampled ones valid."""
        n = self.args.messages
        self.pipe.send("count")
        seen = self.pipe.recv()
        for _accepted, errors in seen.values():
            assert errors == [], errors[:3]
        if target.ca_file:
            statuses = self.nginx.received(n)
            assert len(statuses) == n, (len(statuses), n)
            assert set(statuses) == {"201"}, set(statuses)
            assert seen["sampler"][0] == target.sampled(n), (seen, target.sampled(n))
        else:
            assert seen["loopback"][0] == n, (seen, n)

    def measure(self, service: str, sender: str, run) -> None:
        """Time one sender on one service (`run` returns seconds), or note why it was skipped."""
        print(f"{service}: {sender} ...", flush=True)
        try:
            self.rows.append((service, sender, run(), ""))
        except Skipped as e:
            self.rows.append((service, sender, None, str(e)))

    def all(self) -> None:
        args = self.args
        signed, encrypted = machine_limit(self.infos, self.key, self.payloads)
        self.rows.append(("none", "machine limit: encrypt + sign each (1 thread)", signed, ""))
        self.rows.append(("none", "machine limit: encrypt, token reused (1 thread)", encrypted, ""))
        for name in args.services.split(","):
            try:
                target = self.target(name)
            except Skipped as e:
                self.rows.append((name, "every sender", None, str(e)))
                continue
            self.measure(
                target.name,
                "plain loop: pywebpush.webpush() per message",
                lambda t=target: self.checked(t, plain_loop(t, self.key, self.payloads)),
            )
            self.measure(
                target.name,
                f"Node web-push, {args.threads} in flight, keep-alive",
                lambda t=target: self.checked(
                    t, node_peer(t, self.key, self.public, self.payloads, args.threads, self.folder)
                ),
            )
            for processes in sorted({1, args.processes}):
                plural = "es" if processes > 1 else ""
                self.measure(
                    target.name,
                    f"dispatcher: {processes} process{plural}, "
                    f"{args.threads} in flight each, run_pass()",
                    lambda t=target, p=processes: self.dispatched(t, p),
                )

    def checked(self, target: Target, seconds: float) -> float:
        self.received(target)
        return seconds

    def dispatched(self, target: Target, processes: int) -> float:
        if processes > 1 and not self.postgres:
            raise Skipped(
                "several worker processes are for PostgreSQL (claims with FOR UPDATE SKIP "
                "LOCKED); SQLite has one write lock for all"
            )
        config = app_config(target, self.key, self.args.threads, self.database_url)
        self.queued.append(fill_outbox(config, target.infos, self.payloads))
        return self.checked(target, dispatcher(config, self.args.messages, processes, self.folder))

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        with contextlib.suppress(OSError):  # the service may be gone already (SIGTERM)
            self.pipe.send("stop")
        self.server.join(10)
        if self.server.is_alive():
            self.server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--services", default="nginx,python", help="nginx, python or both")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if set(args.services.split(",")) - {"nginx", "python"}:
        parser.error("--services: nginx, python, or nginx,python")

    # `timeout` and CI stop a run with SIGTERM: exit through the `finally`s, which stop nginx,
    # the push service and the workers, instead of leaving them running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if url.startswith("postgresql://"):  # SQLAlchemy would look for psycopg2
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        run = Run(args, Path(tmp), url)
        try:
            run.all()
        finally:
            run.stop()
    report(
        run.rows,
        args.messages,
        len(run.infos),
        "PostgreSQL" if run.postgres else "SQLite",
        run.queued,
    )


def report(rows, n: int, devices: int, database: str, queued: list[float]) -> None:
    """Print the table in Markdown, ready for bench/README.md."""
    plain = {service: s for service, sender, s, _ in rows if sender.startswith("plain") and s}
    first_plain = next(iter(plain.values()), None)
    print()
    print(f"{n} messages over {devices} devices; {os.cpu_count()} CPUs; {database}")
    print()
    print("| push service | sender | msg/s | × plain loop |")
    print("| --- | --- | ---: | ---: |")
    skipped = []
    for service, sender, seconds, reason in rows:
        if seconds is None:
            print(f"| {service} | {sender} | skipped | |")
            skipped.append(f"{service}, {sender}: skipped, {reason}")
            continue
        baseline = plain.get(service, first_plain)
        ratio = f"{baseline / seconds:.2f}" if baseline else ""
        print(f"| {service} | {sender} | {n / seconds:.0f} | {ratio} |")
    print()
    print("× plain loop: against the plain loop on the same push service (the machine limits:")
    print("against the first push service's).")
    for line in skipped:
        print(line)
    if queued:
        print(
            f"(writing the {n} rows to the outbox, not counted above: "
            f"{min(queued):.2f}–{max(queued):.2f} s)"
        )


if __name__ == "__main__":
    main()
