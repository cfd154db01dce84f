"""Railway config-as-code uses only documented keys; Lambda entries exist."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# From Railway's config-as-code reference.
BUILD_KEYS = {
    "builder",
    "watchPatterns",
    "buildCommand",
    "dockerfilePath",
    "railpackVersion",
    "nixpacksConfigPath",
    "nixpacksPlan",
    "nixpacksVersion",
}
DEPLOY_KEYS = {
    "startCommand",
    "preDeployCommand",
    "multiRegionConfig",
    "healthcheckPath",
    "healthcheckTimeout",
    "restartPolicyType",
    "restartPolicyMaxRetries",
    "cronSchedule",
    "overlapSeconds",
    "drainingSeconds",
}


def _check(path: Path) -> dict:
    config = tomllib.loads(path.read_text())
    assert set(config) <= {"build", "deploy", "environments", "$schema"}, path
    assert set(config.get("build", {})) <= BUILD_KEYS, path
    assert set(config.get("deploy", {})) <= DEPLOY_KEYS, path
    return config


def test_webhook_service_config() -> None:
    config = _check(ROOT / "railway.toml")
    deploy = config["deploy"]
    assert deploy["healthcheckPath"] == "/health"
    assert deploy["preDeployCommand"] == ["alembic upgrade head"]
    assert "$PORT" in deploy["startCommand"]
    assert "functions.webhook:app" in deploy["startCommand"]
    assert config["build"]["builder"] in {"RAILPACK", "DOCKERFILE", "NIXPACKS"}
    assert deploy["restartPolicyType"] in {"ON_FAILURE", "ALWAYS", "NEVER"}


def test_every_railway_file_uses_known_keys() -> None:
    files = list(ROOT.glob("railway*.toml"))
    assert files
    for path in files:
        _check(path)
