"""Local copies of pinned npm packages (htmx, axe-core) for a browser with no CDN."""

import base64
import hashlib
import shutil
import subprocess
import tarfile
from pathlib import Path

from portal.config import HTMX_SRI, HTMX_VERSION

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "npm"


AXE_VERSION = "4.10.3"


def npm_file(package: str, version: str, inner: str) -> Path:
    """Return a file from an npm package of a pinned version, fetching the package once."""
    target = CACHE / f"{package}-{version}" / "package" / inner
    if not target.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise FileNotFoundError(f"npm is needed once to fetch {package} from the npm registry")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "pack", f"{package}@{version}", "--pack-destination", str(CACHE)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        with tarfile.open(CACHE / f"{package}-{version}.tgz") as tar:
            tar.extractall(CACHE / f"{package}-{version}", filter="data")
    return target


def htmx_file() -> Path:
    """Return the path of htmx.min.js of the pinned version."""
    return npm_file("htmx.org", HTMX_VERSION, "dist/htmx.min.js")


def axe_file() -> Path:
    """Return the path of axe-core's axe.min.js of the pinned version."""
    return npm_file("axe-core", AXE_VERSION, "axe.min.js")


def sri_of(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def assert_matches_pin(path: Path) -> None:
    """Refuse a local copy that is not byte for byte the file the SRI hash pins."""
    if sri_of(path) != HTMX_SRI:
        raise AssertionError(f"{path} does not match the pinned SRI hash {HTMX_SRI}")
