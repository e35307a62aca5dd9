"""The test side of two-step sign-in: an authenticator app, for the test client and for Chromium.

The sign-in helpers go through the real flow: a care-team member's first sign-in sets up an
authenticator from the key the page shows, later ones type its codes. A code is good once, and
the test clock is often frozen, so the app hands out the next unused step within the server's
window of one step either side, then the recovery codes it was given.
"""

import re
import weakref
from datetime import UTC, datetime

import pyotp


class Authenticator:
    """A phone's authenticator app holding one account's key (and its paper recovery codes)."""

    def __init__(self, secret: str):
        self.secret = secret
        self.recovery_codes: list[str] = []
        self.last_step: int | None = None

    def code(self, now: datetime | None = None) -> str:
        """Return a code the server has not accepted before: TOTP if one is left, else paper."""
        totp = pyotp.TOTP(self.secret)
        step = totp.timecode(now or datetime.now(UTC))
        # The current step first: a code of the step before goes stale at the next 30-second
        # boundary, which a slow CI run crossed between typing the code and the server checking.
        for candidate in (step, step + 1):
            if self.last_step is None or candidate > self.last_step:
                self.last_step = candidate
                return totp.generate_otp(candidate)
        return self.recovery_codes.pop()


# Per app (test client) or per server address (browser): a new test's empty database must not
# meet the last test's keys.
_BY_APP: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_BY_SERVER: dict[str, dict[str, Authenticator]] = {}


def authenticators_of(app) -> dict[str, Authenticator]:
    return _BY_APP.setdefault(app, {})


def authenticators_at(base_url: str) -> dict[str, Authenticator]:
    return _BY_SERVER.setdefault(base_url, {})


def secret_on(html: str) -> str:
    return re.search(r"data-secret>([A-Z2-7]+)<", html).group(1)


def codes_on(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", html)


# --- The Flask test client ----------------------------------------------------------------


def enrol(client, email: str, post) -> Authenticator:
    """Set up an authenticator for the signed-in account through the settings pages."""
    html = client.get("/settings/two-step").get_data(as_text=True)
    app = Authenticator(secret_on(html))
    response = post(client, "/settings/two-step", {"code": app.code()})
    assert response.status_code == 200, response.get_data(as_text=True)
    app.recovery_codes = codes_on(response.get_data(as_text=True))
    assert len(app.recovery_codes) == 10
    authenticators_of(client.application)[email.lower()] = app
    return app


def answer(client, email: str, post, next_url: str = "/login/verify"):
    """Type the authenticator's code at the second step of signing in."""
    app = authenticators_of(client.application)[email.lower()]
    return post(client, next_url, {"code": app.code()}, follow_redirects=False)


# --- Chromium -------------------------------------------------------------------------------


def finish_in_browser(page, base_url: str, email: str) -> None:
    """After the password: set up the authenticator (first time) or type its code."""
    path = re.sub(r"^https?://[^/]+", "", page.url)
    keys = authenticators_at(base_url)
    if path.startswith("/login/verify"):
        page.get_by_label("Code").fill(keys[email.lower()].code())
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    elif path.startswith("/settings/two-step"):
        app = Authenticator(page.locator("[data-secret]").inner_text().strip())
        page.get_by_label("Code").fill(app.code())
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        page.wait_for_load_state()
        codes = page.locator(".recovery-codes code").all_inner_texts()
        app.recovery_codes = [c.strip() for c in codes]
        keys[email.lower()] = app
        page.get_by_role("link", name="I have kept them").click()
        page.wait_for_load_state()
