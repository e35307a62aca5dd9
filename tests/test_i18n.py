"""Every word a person reads goes through Flask-Babel, so Spanish can arrive without a hunt."""

import ast
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


# --- Every language's catalog is complete, current and compiled ----------------------------

TRANSLATIONS = ROOT / "portal" / "translations"
LANGUAGES = sorted(p.name for p in TRANSLATIONS.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def template_catalog(tmp_path_factory):
    from babel.messages.pofile import read_po

    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
    command += ["-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."]
    result = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    # An f-string inside _() is skipped by the extractor with a warning, and stays English.
    assert "warning" not in result.stderr.lower(), result.stderr
    with pot.open("rb") as f:
        return read_po(f)


def _catalog(language):
    from babel.messages.pofile import read_po

    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def test_spanish_is_offered():
    assert "es" in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(template_catalog, language):
    catalog = _catalog(language)
    wanted = {m.id for m in template_catalog if m.id}
    have = {m.id: m for m in catalog if m.id}
    missing = sorted(str(i) for i in wanted - set(have))
    assert missing == [], f"run bin/translations, then translate: {missing[:10]}"
    stale = sorted(str(i) for i in set(have) - wanted)
    assert stale == [], f"no longer in the code (run bin/translations): {stale[:10]}"
    empty = [m.id for m in have.values() if not all(m.string if m.pluralizable else [m.string])]
    assert empty == [], f"untranslated: {empty[:10]}"
    fuzzy = [m.id for m in have.values() if m.fuzzy]
    assert fuzzy == [], f"fuzzy (check, then remove the mark): {fuzzy[:10]}"
    # Placeholders match the English and plural forms are all there (Babel's own checks).
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_the_current_one(language):
    from babel.messages.mofile import read_mo

    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in _catalog(language) if m.id}
    assert compiled == source, "run bin/translations to compile"


def test_the_glossary_is_followed():
    """The clinic's words mean one thing each: "sesión" is never signing in."""
    catalog = _catalog("es")
    for message in catalog:
        forms = message.string if message.pluralizable else [message.string]
        for text in forms:
            assert "iniciar sesión" not in text.lower(), message.id
            assert not re.search(r"\b(tú|tu|tienes|puedes|quieres)\b", text), (message.id, text)
            # "a las %(time)s" must be able to say "a la 1:00": only a message counted by the
            # hour (ngettext with dates.hour_of) has a form for it.
            if re.search(r"\blas %\(time\)s", text):
                assert message.pluralizable, message.id


# --- No text reaches a person without going through the catalog -----------------------------

# Calls whose text a person reads: a literal string there is English for everyone.
READ_BY_PEOPLE = {
    "flash",
    "ValidationError",
    "DataRequired",
    "InputRequired",
    "Length",
    "Email",
    "EqualTo",
    "NumberRange",
    "Regexp",
    "Optional",
    "AnyOf",
    "NoneOf",
    "URL",
}
FIELDS = re.compile(r"\w+Field$")
TEXT_KEYWORDS = {"label", "description", "message", "title", "body"}


def _call_name(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_words(node) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and (
        re.search(r"[A-Za-z]{2,}", node.value) is not None
    )


def untranslated_text(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in READ_BY_PEOPLE or FIELDS.search(name):
                named = [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
                # EqualTo's first argument names the other field; its message comes second.
                texts = [*(node.args[1:2] if name == "EqualTo" else node.args[:1]), *named]
                found += [ast.unparse(t) for t in texts if _is_words(t)]
            if name == "append" and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Attribute) and owner.attr == "errors":
                    found += [ast.unparse(a) for a in node.args if _is_words(a)]
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ("errors", "text"):
                    values = node.value.elts if isinstance(node.value, ast.List) else [node.value]
                    found += [ast.unparse(v) for v in values if _is_words(v)]
        if isinstance(node, ast.keyword) and node.arg == "choices":
            pairs = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else []
            for pair in pairs:
                if isinstance(pair, ast.Tuple) and len(pair.elts) == 2 and _is_words(pair.elts[1]):
                    found.append(ast.unparse(pair.elts[1]))
    return found


PYTHON = sorted((ROOT / "portal").rglob("*.py"))


@pytest.mark.parametrize("module", PYTHON, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_text_goes_through_the_catalog(module):
    assert untranslated_text(module.read_text()) == []


def test_the_python_check_finds_bypasses():
    source = """
flash("Saved.")
name = StringField("Name", validators=[DataRequired("Enter a name.")])
form.email.errors.append("That email is taken.")
form.code.errors = ["Wrong code."]
kind = SelectField(_l("Kind"), choices=[("a", "Group")])
flash(_("Saved."))
ok = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name."))])
"""
    assert sorted(untranslated_text(source)) == [
        "'Enter a name.'",
        "'Group'",
        "'Name'",
        "'Saved.'",
        "'That email is taken.'",
        "'Wrong code.'",
    ]
