"""The package as a whole: the data package is valid to the standard, every row is sourced,
the command line works, and the wheel carries data and notebooks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import summit_lessons as sl
from summit_lessons import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def test_frictionless_validates_the_data_package():
    """The real validator of the standard, run as a user would."""
    exe = Path(sys.executable).with_name("frictionless")
    out = subprocess.run([str(exe), "validate", "--json", str(DATA / "datapackage.json")],
                         capture_output=True, text=True, cwd=DATA)
    report = json.loads(out.stdout)
    errors = [e.get("message") for t in report.get("tasks", []) for e in t.get("errors", [])]
    assert report["valid"], errors[:10]


def test_every_row_cites_a_source_that_exists():
    tables = sl.load_all()
    known = set(tables["sources"]["source_id"])
    for name, df in tables.items():
        if name == "sources":
            continue
        cols = [c for c in ("source_id", "source_ids") if c in df.columns]
        assert cols, f"{name} has no source column"
        for line, value in df[cols[0]].items():
            ids = value if isinstance(value, list) else [value]
            assert ids and set(ids) <= known, f"{name}.csv line {line}: {ids}"


def test_outside_sources_say_where_they_are_documented():
    src = sl.load("sources")
    outside = src[src["origin"] == "outside"]
    assert outside["url"].notna().all()
    assert outside["notes"].notna().all()
    assert set(src.loc[src["origin"] == "seed", "kind"]) == {"encyclopedia", "opinion"}


def test_validate_command_passes_on_the_data(capsys):
    assert cli.main(["validate", str(DATA)]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_command_prints_every_problem(datacopy, capsys):
    datacopy.set("events", 0, "phase", "summit")
    datacopy.set("territory", 1, "share_held_by_russia_pct", "-3")
    assert cli.main(["validate", str(datacopy.folder)]) == 1
    err = capsys.readouterr().err
    assert 'events.csv line 2, column "phase": "summit"' in err
    assert 'territory.csv line 3, column "share_held_by_russia_pct": "-3" is below the minimum 0' in err
    assert "2 problems found" in err


def test_notebooks_command_writes_student_edition_and_keeps_learner_changes(tmp_path, capsys):
    import json

    names = sorted(p.name for p in cli.notebooks_dir().glob("*.ipynb"))
    assert cli.main(["notebooks", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == names
    out = capsys.readouterr().out
    assert f"{len(names)} written" in out and f"next: summit-lessons start {tmp_path}" in out
    for name in names:
        cells = json.loads((tmp_path / name).read_text())["cells"]
        tags = [set(c["metadata"].get("tags", [])) for c in cells]
        assert not any(t & {"solution", "instructor"} for t in tags), name
        assert sum("exercise" in t for t in tags) == sum("answer" in t for t in tags) > 0, name
    mine = tmp_path / names[2]
    mine.write_text(mine.read_text().replace("Your answer.", "Your answer. About 22:32"))
    (tmp_path / names[0]).unlink()
    assert cli.main(["notebooks", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 written" in out and f"kept your changed {names[2]}" in out
    assert "About 22:32" in mine.read_text()


@pytest.mark.slow
def test_wheel_carries_data_and_notebooks(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "summit_lessons/data/datapackage.json" in names
    assert "summit_lessons/data/events.csv" in names
    assert any(n.startswith("summit_lessons/notebooks/") and n.endswith(".ipynb") for n in names)
    # installed into a clean target, the data loads without the source tree
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = "import summit_lessons, sys; print(summit_lessons.data_dir()); print(len(summit_lessons.load('events')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(target)}, check=True)
    assert str(target) in out.stdout.splitlines()[0]
    assert int(out.stdout.splitlines()[1]) == len(sl.load("events"))
