"""The deployment the README describes, on this machine: the production-shaped test stage.

nginx (Debian's) ends TLS with a certificate made here and runs `deploy/nginx/portal.conf.template`
as shipped; behind it gunicorn with `deploy/gunicorn.conf.py` and two workers, TRUSTED_PROXIES=1,
PostgreSQL, Flask-Limiter's counters in a redis-server started here, and the reminder worker,
which sends to the loopback push service. Everything listens on 127.0.0.1 and stops by itself.
"""

import base64
import datetime as dt
import hashlib
import ipaddress
import os
import shutil
import signal
import socket
import ssl
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal.notifications.vapid import generate_pair
from tests.browser.server import ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
TEMPLATE = ROOT / "deploy" / "nginx" / "portal.conf.template"


def missing_tools() -> list[str]:
    """Name what this machine lacks to run the stage."""
    return [
        name
        for name, path in (("nginx", NGINX), ("redis-server", REDIS))
        if not Path(path).exists()
    ]


def make_certificate(folder: Path) -> tuple[Path, Path, str]:
    """Make a key and a self-signed certificate for localhost; return their paths and SPKI hash.

    Chromium is told to trust exactly this key (--ignore-certificate-errors-spki-list), so
    the page is a secure context, as on a real certificate, and service workers register.
    The validity starts years back, so a test clock moved ahead or back still accepts it.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2045, 1, 1, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return cert_path, key_path, base64.b64encode(hashlib.sha256(spki).digest()).decode()


def fresh_database(base_url: str, name: str) -> str:
    """Drop and create a PostgreSQL database beside the test one; return its URL."""
    admin = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def wait_for_port(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port}: {log.read_text()[-2000:]}")


class Stage:
    """Start and stop the whole deployment; `url` is the HTTPS address people use."""

    def __init__(self, workdir: Path, database_url: str, push_origin: str):
        self.workdir = workdir
        self.https_port, self.http_port = free_port(), free_port()
        self.app_port, self.redis_port = free_port(), free_port()
        self.url = f"https://localhost:{self.https_port}"
        self.cert, self.key, self.spki = make_certificate(workdir)
        self.database_url = database_url
        private_key, self.public_key = generate_pair()
        self.env = {
            **os.environ,
            "INSTANCE_PATH": str(workdir / "instance"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "stage-secret-" + base64.b64encode(os.urandom(24)).decode(),
            "PUBLIC_URL": self.url,
            "TRUSTED_PROXIES": "1",
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.redis_port}",
            "VAPID_PRIVATE_KEY": private_key,
            "VAPID_SUBJECT": "mailto:ops@portal.example.org",
            "PUSH_SERVICE_HOSTS": "127.0.0.1",
            "PUSH_INSECURE_HOSTS": "127.0.0.1",
            "WORKER_INTERVAL_SECONDS": "1",
            "GUNICORN_BIND": f"127.0.0.1:{self.app_port}",
            "WEB_CONCURRENCY": "2",
        }
        self.push_origin = push_origin
        self.processes: dict[str, subprocess.Popen] = {}

    def flask(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "portal", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            raise RuntimeError(f"flask {' '.join(args)}: {result.stdout}{result.stderr}")
        return result.stdout

    def _spawn(self, name: str, command: list[str]) -> tuple[subprocess.Popen, Path]:
        log = self.workdir / f"{name}.log"
        with open(log, "a") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes[name] = process
        return process, log

    def nginx_config(self) -> Path:
        """Render the shipped template with this stage's values, inside a minimal nginx.conf."""
        values = {
            "PORTAL_SERVER_NAME": "localhost",
            "PORTAL_HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
            "PORTAL_HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
            "PORTAL_PUBLIC_URL": self.url,
            "PORTAL_UPSTREAM": f"127.0.0.1:{self.app_port}",
            "PORTAL_TLS_CERT": str(self.cert),
            "PORTAL_TLS_KEY": str(self.key),
            "PORTAL_ACCESS_LOG": str(self.workdir / "nginx-access.log"),
        }
        site = string.Template(TEMPLATE.read_text()).safe_substitute(values)
        assert "${PORTAL_" not in site, "the template names a value the stage does not fill"
        (self.workdir / "portal.conf").write_text(site)
        temp = self.workdir / "nginx-temp"
        temp.mkdir(exist_ok=True)
        main = self.workdir / "nginx.conf"
        main.write_text(
            ("user root;\n" if os.geteuid() == 0 else "") + f"pid {self.workdir / 'nginx.pid'};\n"
            f"error_log {self.workdir / 'nginx-error.log'} warn;\n"
            "worker_processes 1;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "  include /etc/nginx/mime.types;\n"
            f"  client_body_temp_path {temp}/body;\n"
            f"  proxy_temp_path {temp}/proxy;\n"
            f"  fastcgi_temp_path {temp}/fastcgi;\n"
            f"  uwsgi_temp_path {temp}/uwsgi;\n"
            f"  scgi_temp_path {temp}/scgi;\n"
            f"  include {self.workdir / 'portal.conf'};\n"
            "}\n"
        )
        return main

    def start(self) -> "Stage":
        redis, log = self._spawn(
            "redis",
            [
                REDIS,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
        )
        wait_for_port(self.redis_port, redis, "redis-server", log)
        self.flask("db", "upgrade")
        self.flask("seed-demo")
        gunicorn, log = self._spawn(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
            ],
        )
        wait_for_port(self.app_port, gunicorn, "gunicorn", log)
        worker, _ = self._spawn(
            "worker", [sys.executable, "-m", "flask", "--app", "portal", "worker"]
        )
        config = self.nginx_config()
        check = subprocess.run(
            [NGINX, "-t", "-p", str(self.workdir), "-c", str(config)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check.returncode:
            raise RuntimeError("nginx -t refused the shipped configuration:\n" + check.stderr)
        nginx, log = self._spawn(
            "nginx", [NGINX, "-p", str(self.workdir), "-c", str(config), "-g", "daemon off;"]
        )
        wait_for_port(self.https_port, nginx, "nginx", self.workdir / "nginx-error.log")
        self._wait_healthy()
        if worker.poll() is not None:
            raise RuntimeError("the worker exited: " + (self.workdir / "worker.log").read_text())
        return self

    def _wait_healthy(self) -> None:
        context = self.tls_context()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2, context=context) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the stage did not answer /healthz over HTTPS")

    def tls_context(self) -> ssl.SSLContext:
        """Return a TLS context that trusts this stage's certificate, as a browser is told to."""
        return ssl.create_default_context(cafile=str(self.cert))

    def gunicorn_pids(self) -> set[int]:
        """Return the pids of gunicorn's worker processes."""
        master = self.processes["gunicorn"].pid
        found = subprocess.run(
            ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
        )
        return {int(p) for p in found.stdout.split()}

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        for name in ("nginx", "worker", "gunicorn", "redis"):
            process = self.processes.get(name)
            if process and process.poll() is None:
                process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
