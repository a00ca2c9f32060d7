"""The release workflows and CITATION.cff, checked offline against their published schemas.

GitHub Actions cannot run here, so the workflows are validated with check-jsonschema's bundled
GitHub-workflow schema, and every `make` target they call is checked to exist in the Makefile
(the targets themselves are exercised by the rest of the suite).
"""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK = [sys.executable, "-m", "check_jsonschema"]


def _check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CHECK, "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, cwd=ROOT)


def test_workflows_exist_for_tests_release_and_pages() -> None:
    names = {p.stem for p in WORKFLOWS}
    assert {"test", "release", "pages"} <= names


def test_workflows_are_valid() -> None:
    run = _check("vendor.github-workflows", *WORKFLOWS)
    assert run.returncode == 0, run.stdout + run.stderr


def test_an_invalid_workflow_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n", encoding="utf-8")
    assert _check("vendor.github-workflows", bad).returncode != 0


def test_citation_is_valid_and_carries_the_package_version() -> None:
    run = _check("vendor.citation-file-format", ROOT / "CITATION.cff")
    assert run.returncode == 0, run.stdout + run.stderr
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))["version"] == version


def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / f"{name}.yml").read_text(encoding="utf-8"))


def test_pypi_uses_trusted_publishing_and_no_token() -> None:
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    job = _workflow("release")["jobs"]["pypi"]
    assert job["permissions"] == {"id-token": "write"}
    assert any(step.get("uses", "").startswith("pypa/gh-action-pypi-publish") for step in job["steps"])
    assert not re.search(r"PYPI_(API_)?TOKEN|password:", text)


def test_the_tag_must_equal_the_version() -> None:
    steps = _workflow("release")["jobs"]["dist"]["steps"]
    assert any("GITHUB_REF_NAME" in step.get("run", "") and "pyproject.toml" in step.get("run", "") for step in steps)


@pytest.mark.parametrize("target", sorted({t for p in WORKFLOWS for t in re.findall(
    r"\bmake ((?:[a-z][a-z-]* ?)+)", p.read_text(encoding="utf-8")) for t in t.split()}))
def test_every_make_target_a_workflow_calls_exists(target: str) -> None:
    run = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True)
    assert run.returncode == 0 and "No rule to make target" not in run.stderr, run.stderr
