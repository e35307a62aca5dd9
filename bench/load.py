"""Load benchmark: Today, Calendar and the counselor's home of a 2,000-client clinic against a
bare route.

    .venv/bin/python bench/load.py [--database-url postgresql://postgres@127.0.0.1:5432/bench]
                                   [--seconds 15] [--connections 16] [--workers 2]

Both apps run under gunicorn with the same settings; wrk (apt-get install wrk) generates the
load from this machine, rotating over 16 signed-in clients (16 counselors for their home).
Prints a table of requests per second and p50/p99 latency, and each page's throughput as a
share of the bare route's.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.big_clinic import TOTP_SECRET  # noqa: E402

LUA = """
cookies = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", nil, {["Cookie"] = cookies[(counter %% #cookies) + 1]})
end
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + ("/healthz" if "portal" in app else "/hello"), timeout=1)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def _post_form(opener, url: str, fields: dict):
    html = opener.open(url).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return opener.open(url, urllib.parse.urlencode({**fields, "csrf_token": token}).encode())


def session_cookie(url: str, email: str, password: str) -> str:
    """Sign in through the pages; a counselor types the authenticator's code too."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    landed = _post_form(opener, url + "/login", {"email": email, "password": password})
    if landed.url.endswith("/login/verify"):
        _post_form(opener, landed.url, {"code": pyotp.TOTP(TOTP_SECRET).now()})
    cookie = next(c for c in jar if c.name == "portal_session")
    return f"portal_session={cookie.value}"


def check_page(url: str, cookie: str) -> None:
    """The page itself must answer, not a redirect to sign in (wrk counts a 302 as a success)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.build_opener(NoRedirect).open(request) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}, not the page")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_wrk(url: str, seconds: int, connections: int, lua: Path | None) -> dict:
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    if lua:
        command += ["-s", str(lua)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def percentile(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "rps": rps,
        "p50": percentile(50),
        "p99": percentile(99),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=None, help="default: a SQLite file in a temporary folder"
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = {
        **os.environ,
        "INSTANCE_PATH": str(workdir),
        "SECRET_KEY": "bench",
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    started = time.monotonic()
    os.environ.update(env)
    from bench.big_clinic import PASSWORD, build, counselor_email, email
    from portal import create_app

    with create_app().app_context():
        counts = build()
    print(f"clinic: {counts} in {time.monotonic() - started:.0f} s")

    portal, portal_url = serve("portal:create_app()", env, args.workers)
    hello, hello_url = serve("bench.hello_app:app", env, args.workers)
    try:
        clients = workdir / "clients.lua"
        cookies = [session_cookie(portal_url, email(i * 97), PASSWORD) for i in range(16)]
        check_page(portal_url + "/today", cookies[0])
        clients.write_text(LUA % ", ".join(f'"{c}"' for c in cookies))
        counselors = workdir / "counselors.lua"
        cookies = [session_cookie(portal_url, counselor_email(i), PASSWORD) for i in range(16)]
        check_page(portal_url + "/care/", cookies[0])
        counselors.write_text(LUA % ", ".join(f'"{c}"' for c in cookies))
        rows = [
            (
                "bare Flask /hello",
                run_wrk(hello_url + "/hello", args.seconds, args.connections, None),
            )
        ]
        for name, path, lua in (
            ("Today", "/today", clients),
            ("Calendar", "/calendar", clients),
            ("Counselor's home", "/care/", counselors),
        ):
            rows.append((name, run_wrk(portal_url + path, args.seconds, args.connections, lua)))
    finally:
        portal.terminate()
        hello.terminate()
    base = rows[0][1]["rps"]
    print(
        f"\n{args.workers} gunicorn workers, {args.connections} connections, "
        f"{args.seconds} s each, database: {env['DATABASE_URL'].split(':')[0]}"
    )
    print(f"{'page':<20}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs bare':>10}{'non-2xx':>9}")
    for name, r in rows:
        print(
            f"{name:<20}{r['rps']:>10.0f}{r['p50']:>10.1f}{r['p99']:>10.1f}"
            f"{r['rps'] / base:>10.2f}{r['errors']:>9}"
        )


if __name__ == "__main__":
    main()
