"""Every word a person reads goes through Flask-Babel, so Spanish can arrive without a hunt."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.DOTALL)
TAG = re.compile(r"<[^>]*>", re.DOTALL)
ATTRIBUTE_TEXT = re.compile(r'\b(alt|aria-label|title|placeholder)="([^"{]*[A-Za-z][^"]*)"')
# Not words to translate: the brand-free proper nouns and numbers of the crisis lines.
ALLOWED = {"911"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_unmarked_text(template):
    source = template.read_text()
    text = TAG.sub(" ", JINJA.sub(" ", source))
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z']+", text) if w not in ALLOWED]
    assert words == [], f"unmarked text in {template.name}: {words[:10]}"
    assert ATTRIBUTE_TEXT.findall(JINJA.sub("", source)) == []


def test_the_message_catalog_can_be_extracted(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    catalog = pot.read_text()
    for message in (
        "Get help now",
        "Sign in",
        "Use at least %(n)d characters.",
        "Enter a phone number with 3 to 15 digits.",
    ):
        assert f'msgid "{message}"' in catalog
