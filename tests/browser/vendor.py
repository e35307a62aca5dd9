"""A local copy of the pinned htmx from the npm registry, for a browser with no CDN."""

import base64
import hashlib
import shutil
import subprocess
import tarfile
from pathlib import Path

from portal.config import HTMX_SRI, HTMX_VERSION

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "npm"


def htmx_file() -> Path:
    """Return the path of htmx.min.js of the pinned version, fetching the package once."""
    target = CACHE / f"htmx.org-{HTMX_VERSION}" / "package" / "dist" / "htmx.min.js"
    if not target.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise FileNotFoundError("npm is needed once to fetch htmx.org from the npm registry")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "pack", f"htmx.org@{HTMX_VERSION}", "--pack-destination", str(CACHE)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        with tarfile.open(CACHE / f"htmx.org-{HTMX_VERSION}.tgz") as tar:
            tar.extractall(target.parents[2], filter="data")
    return target


def sri_of(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def assert_matches_pin(path: Path) -> None:
    """Refuse a local copy that is not byte for byte the file the SRI hash pins."""
    if sri_of(path) != HTMX_SRI:
        raise AssertionError(f"{path} does not match the pinned SRI hash {HTMX_SRI}")
