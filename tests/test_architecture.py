"""The layers of DESIGN.md, enforced by import-linter (also run first by `make test`)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [
    "cop",
    "facilitation",
    "forums",
    "documents",
    "assessments",
    "communities",
    "accounts",
    "core",
]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def _copy_tree(destination: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, destination / name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def test_architecture_layers_are_kept():
    result = _lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_architecture_an_upward_import_breaks_the_contract(tmp_path):
    tree = _copy_tree(tmp_path)
    (tree / "core" / "climbs.py").write_text("import accounts.models  # noqa\n")

    result = _lint_imports(tree)

    assert result.returncode != 0
    assert "core.climbs -> accounts.models" in result.stdout


def test_architecture_tools_may_not_import_each_other(tmp_path):
    tree = _copy_tree(tmp_path)
    (tree / "forums" / "crosses.py").write_text("import documents.apps  # noqa\n")

    result = _lint_imports(tree)

    assert result.returncode != 0
    assert "forums.crosses -> documents.apps" in result.stdout


# --- URLs are made with reverse() (STYLE.md, "Services and tasks") -----------------------------

# A string literal that starts a community path: "/c/…", f"/c/{slug}/…" (docstrings, which open
# with three quotes, may describe the URL a view answers).
HAND_BUILT_PATH = re.compile(r"""(?:^|[^"'\w])[fFrRbBuU]{0,2}(["'])/c/""")
NOT_APP_CODE = {".venv", ".git", "tests", "migrations", "node_modules", "var", "__pycache__"}


def _app_sources() -> list[Path]:
    sources = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            name for name in subdirectories if name not in NOT_APP_CODE and not name.startswith(".")
        ]
        sources += [Path(directory) / name for name in files if name.endswith(".py")]
    return sources


def _hand_built_paths(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if HAND_BUILT_PATH.search(line)]


def test_architecture_the_pattern_finds_hand_built_community_paths():
    assert _hand_built_paths('    url = f"/c/{community.slug}/facilitate/moderation/"')
    assert _hand_built_paths("path = '/c/' + slug")
    assert not _hand_built_paths('    """/c/<slug>/documents/: the top of the library."""')
    assert not _hand_built_paths('    return reverse("moderation_queue", args=[slug])')


def test_architecture_no_code_builds_a_community_path_by_hand():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in _app_sources()
        if (lines := _hand_built_paths(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "make these URLs with reverse()"
