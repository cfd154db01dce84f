"""The AWS SAM description (``template.yaml``): valid for cfn-lint, and consistent with the
code it deploys (handlers exist, the cron's timeout covers its budget plus a margin)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lucien.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    # The console script installed with the dev dependencies, next to this interpreter.
    tool = Path(sys.executable).parent / "cfn-lint"
    assert tool.exists(), "cfn-lint is a dev dependency: pip install -e '.[dev]'"
    return subprocess.run([str(tool), str(path)], capture_output=True, text=True, timeout=300)


def _template() -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    return dict(cfn_yaml.load(str(TEMPLATE)))


def test_cfn_lint_accepts_the_template() -> None:
    result = _lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_would_catch_a_broken_template(tmp_path: Path) -> None:
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text().replace("Timeout: 90", "Timeout: 9000"))
    result = _lint(broken)
    assert result.returncode != 0 and "9000" in result.stdout, result.stdout


def test_functions_point_at_real_handlers_with_sane_timeouts() -> None:
    resources = _template()["Resources"]
    functions = {k: v["Properties"] for k, v in resources.items() if "Function" in v["Type"]}
    assert set(functions) == {"WebhookFunction", "HealthFunction", "CronFunction"}
    for props in functions.values():
        module, _, name = props["Handler"].rpartition(".")
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), module
        assert f"def {name}(" in (ROOT / (module.replace(".", "/") + ".py")).read_text() or (
            f"{name} =" in (ROOT / (module.replace(".", "/") + ".py")).read_text()
        ), props["Handler"]

    budget = Settings.model_fields["cron_time_budget_seconds"].default
    cron = functions["CronFunction"]
    assert cron["Timeout"] >= budget + 30  # the row in hand and the heartbeat after the budget
    schedule = cron["Events"]["EveryFiveMinutes"]
    assert schedule["Type"] == "ScheduleV2"
    assert schedule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    assert functions["WebhookFunction"]["FunctionUrlConfig"]["AuthType"] == "NONE"
    assert "FunctionUrlConfig" in functions["HealthFunction"]


def test_secrets_the_functions_require_have_no_default() -> None:
    """With a real token the webhook and the cron refuse to start without their secrets,
    so the stack must not deploy without them either."""
    parameters = _template()["Parameters"]
    for name in ("BotToken", "WebhookSecret", "CronSecret", "DatabaseUrl"):
        assert "Default" not in parameters[name], name
        assert parameters[name].get("NoEcho") is True or name == "AdminUserIds"


def test_environment_names_are_the_settings_contract() -> None:
    variables = _template()["Globals"]["Function"]["Environment"]["Variables"]
    fields = {name.upper() for name in Settings.model_fields}
    assert set(variables) <= fields, set(variables) - fields
    for required in ("BOT_TOKEN", "ADMIN_USER_IDS", "DATABASE_URL", "WEBHOOK_SECRET"):
        assert required in variables
    assert variables["LUCIEN_ENV"] == "production"


@pytest.mark.parametrize("module", ["functions.webhook", "functions.health"])
def test_http_entries_expose_handler(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    monkeypatch.delenv("LUCIEN_ENV", raising=False)
    try:
        assert callable(importlib.import_module(module).handler)
    finally:
        # The deployed webhook turns the collector off until its first request and
        # freezes the heap (``lucien.web.heap``); this test process has many more to make.
        gc.unfreeze()
        gc.enable()
