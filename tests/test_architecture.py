"""The layers of DESIGN.md, enforced by import-linter (also run first by `make test`)."""

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
