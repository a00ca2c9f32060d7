"""The Zero to JupyterHub values file, checked offline the way Helm checks it.

Helm merges the user's values over the chart's own ``values.yaml`` and validates the result
against the chart's ``values.schema.yaml`` before it renders anything; both files of the chart
version the values name (4.4.0) are kept in ``deploy/jupyterhub/z2jh-chart-4.4.0/``.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "deploy" / "jupyterhub" / "z2jh-values.yaml"
CHART = ROOT / "deploy" / "jupyterhub" / "z2jh-chart-4.4.0"


def helm_merge(base: Any, override: Any) -> Any:
    """Helm's coalescing of values: maps merge key by key, a null deletes, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = copy.deepcopy(base)
        for key, value in override.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = helm_merge(out.get(key), value)
        return out
    return copy.deepcopy(override)


def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def test_values_name_the_chart_version_they_are_checked_against() -> None:
    assert re.search(r"chart version 4\.4\.0", VALUES.read_text(encoding="utf-8"))
    assert "--version 4.4.0" in VALUES.read_text(encoding="utf-8")


def test_merged_values_are_valid_for_the_chart() -> None:
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    merged = helm_merge(defaults, values())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(merged), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_a_misspelt_key_would_be_caught() -> None:
    """The check has teeth: the schema refuses an unknown singleuser key."""
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    bad = helm_merge(defaults, {"singleuser": {"allowPrivilegeEscalaton": False}})
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_user_pods_are_unprivileged() -> None:
    single = values()["singleuser"]
    assert single["uid"] not in (0, None)
    assert single["fsGid"] not in (0, None)
    assert single["allowPrivilegeEscalation"] is False
    assert "--allow-root" not in VALUES.read_text(encoding="utf-8")


def test_no_working_password_is_shipped() -> None:
    hub = values()["hub"]
    shared = hub["config"].get("SharedPasswordAuthenticator", {})
    assert "user_password" not in shared and "password_groups" not in shared
    assert "change-me" not in VALUES.read_text(encoding="utf-8")


def _run_extra_config(student: str | None, teacher: str | None, monkeypatch: pytest.MonkeyPatch) -> Config:
    """Run the values' extraConfig as z2jh's jupyterhub_config.py does: hub.config first, then exec."""
    c = Config()
    if student is not None:
        c.SharedPasswordAuthenticator.user_password = student
    if teacher is None:
        monkeypatch.delenv("SUMMIT_HUB_TEACHER_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("SUMMIT_HUB_TEACHER_PASSWORD", teacher)
    for _, code in sorted(values()["hub"]["extraConfig"].items()):
        exec(code, {"c": c})  # noqa: S102 (the chart execs these snippets the same way)
    return c


@pytest.mark.parametrize("student, teacher", [
    (None, None), ("students-pw", None), (None, "teachers-pw"), ("short", "teachers-pw"),
    ("students-pw", "        x"), ("same-password", "same-password"),
])
def test_the_hub_refuses_to_start_without_good_passwords(student: str | None, teacher: str | None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="set hub.config.SharedPasswordAuthenticator.user_password"):
        _run_extra_config(student, teacher, monkeypatch)


def test_good_passwords_make_the_teachers_group(monkeypatch: pytest.MonkeyPatch) -> None:
    c = _run_extra_config("students-pw-1", "teachers-pw-22", monkeypatch)
    assert c.SharedPasswordAuthenticator.password_groups == {"teachers-pw-22": ["teachers"]}
