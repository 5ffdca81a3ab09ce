"""The French catalogue covers every string marked for translation."""

import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = Path("locale/fr/LC_MESSAGES/django.po")
SOURCES = [
    "manage.py",
    "cop",
    "core",
    "accounts",
    "communities",
    "forums",
    "documents",
    "assessments",
    "facilitation",
    "templates",
    "locale",
]


def _untranslated(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    return [
        str(message.id)
        for message in catalogue
        if message.id and (message.fuzzy or not all(_strings(message.string)))
    ]


def _strings(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def test_catalogue_french_has_no_untranslated_or_fuzzy_entry():
    assert _untranslated(ROOT / CATALOGUE) == []


def test_catalogue_french_covers_every_marked_string(tmp_path):
    """Extract the strings afresh from a copy of the code: none may lack a French translation."""
    require(bool(shutil.which("xgettext")), "GNU gettext (xgettext)")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    before = _count(tmp_path / CATALOGUE)

    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale=fr",
            "--no-location",
            "--no-obsolete",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=staticfiles",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "COP_DATA_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(tmp_path),
        },
    )

    missing = _untranslated(tmp_path / CATALOGUE)
    assert missing == [], f"run `make makemessages` and translate: {missing}"
    assert _count(tmp_path / CATALOGUE) == before, "the catalogue has strings no code uses"


def _count(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for message in read_po(handle, locale="fr") if message.id)
