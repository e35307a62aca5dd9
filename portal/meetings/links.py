"""Which links are meeting links: the video services TSML UI recognises, by host.

Anything else a feed puts in `conference_url` (a Facebook post, a news site, a URL shortener)
is shown as a plain "More information" link, never as "Join", and does not make a meeting online.
"""

from urllib.parse import urlsplit

# Host suffix -> provider, as in TSML UI's settings (code4recovery/tsml-ui src/hooks/settings.tsx).
CONFERENCE_PROVIDERS = {
    "bluejeans.com": "Bluejeans",
    "discord.gg": "Discord",
    "freeconference.com": "Free Conference",
    "freeconferencecall.com": "FreeConferenceCall",
    "goto.com": "GoTo",
    "gotomeet.me": "GoTo",
    "gotomeeting.com": "GoTo",
    "horizon.meta.com": "Virtual Reality",
    "maps.secondlife.com": "Virtual Reality",
    "meet.google.com": "Google Meet",
    "meet.jit.si": "Jitsi",
    "meetings.dialpad.com": "Dialpad",
    "signal.group": "Signal",
    "skype.com": "Skype",
    "slurl.com": "Virtual Reality",
    "teams.live.com": "Teams",
    "teams.microsoft.com": "Teams",
    "vrchat.com": "Virtual Reality",
    "webex.com": "WebEx",
    "zoho.com": "Zoho",
    "zoom.us": "Zoom",
}
# Shorter than this once cleaned, a dial string reaches nobody (TSML UI's check, kept equal so
# our counts match what it shows).
MIN_DIAL_LENGTH = 10


def conference_provider(url: str) -> str | None:
    """Return the video service a link opens, or None when it is not a known meeting link."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for domain, provider in CONFERENCE_PROVIDERS.items():
        if host == domain or host.endswith("." + domain):
            return provider
    return None


def dial_string(value: str) -> str:
    """Keep what a one-tap dial string may hold (digits, +, comma, * and #); "" when too short."""
    kept = "".join(ch for ch in value if ch.isdigit() or ch in "+,*#")[:64]
    return kept if len(kept.replace("*", "")) >= MIN_DIAL_LENGTH else ""
