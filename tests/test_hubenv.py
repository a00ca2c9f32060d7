"""The hub's student environment (``summit_lessons.classroom.hubenv``, ``make student-env``): the student
wheel installed as files, no solution text anywhere in it, readable by every account, no
rfc3987-syntax, and the server extensions a class never uses switched off by Jupyter's own config."""
from __future__ import annotations

import json
import re
import subprocess
import sysconfig
from pathlib import Path

import pytest

import leaks
from summit_lessons.classroom.hubenv import DISABLED_EXTENSIONS, KEY_FILE, HubEnvError, build_student_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hubenv") / "student-env"
    python = build_student_env(path)
    assert python == path / "bin" / "python"
    return path


def _py(env: Path, code: str) -> str:
    out = subprocess.run([str(env / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_package_is_the_student_wheel_installed_as_files(env):
    where = Path(_py(env, "import summit_lessons; print(summit_lessons.__file__)"))
    assert where.is_relative_to(env), where  # not an editable link back to the checkout
    lesson = json.loads((where.parent / "notebooks" / "05_two_accounts.ipynb").read_text(encoding="utf-8"))
    assert lesson["metadata"]["summit_lessons"]["edition"] == "student"
    assert (env / "bin" / "jupyterhub-singleuser").is_file()
    assert _py(env, "import jupyterlab, ipywidgets, jupyterhub; print(jupyterhub.__version__)") == "6.1.1"


def test_no_file_of_the_environment_holds_solution_text(env):
    needles = leaks.needles()
    site = next(env.glob("lib/python*/site-packages"))
    ours = leaks.scan(site / "summit_lessons", needles.all)
    assert ours.files > 60 and ours.hits == []
    # Every other file, read as bytes by grep's multi-pattern search (fast over the whole env).
    patterns = sorted({v for n in needles.all for v in (n, json.dumps(n)[1:-1])})
    # A phrase that third-party code of the project's own environment already holds (a lesson's
    # "that would replace another" is in sqlalchemy's exc.py) proves nothing: drop those.
    baseline = Path(sysconfig.get_paths()["purelib"])
    common = subprocess.run(["grep", "-rhoaF", "--exclude-dir=summit_lessons", "--exclude=*summit_lessons*",
                             "-f", "-", str(baseline)], input="\n".join(patterns), capture_output=True, text=True)
    patterns = [p for p in patterns if p not in set(common.stdout.splitlines())]
    assert patterns
    grep = subprocess.run(["grep", "-rlaF", "-f", "-", str(env)], input="\n".join(patterns),
                          capture_output=True, text=True)
    assert grep.returncode == 1, grep.stdout  # 1: no file matched


def test_every_account_can_read_it_and_no_other_can_change_it(env):
    for p in [env, *env.rglob("*")]:
        if p.is_symlink():
            continue
        mode = p.stat().st_mode
        assert mode & 0o044 == 0o044 and not mode & 0o022, f"{p}: {oct(mode)}"
        if p.is_dir():
            assert mode & 0o011 == 0o011, f"{p}: {oct(mode)}"


def test_rfc3987_syntax_is_left_out_and_format_checks_still_work(env):
    code = ("import importlib.util as u, jsonschema, jupyter_events\n"
            "assert u.find_spec('rfc3987_syntax') is None and u.find_spec('rfc3987') is None\n"
            "c = jsonschema.Draft7Validator.FORMAT_CHECKER\n"
            "print(c.conforms('http://example.org/a', 'uri'), c.conforms('not a uri', 'uri'))")
    assert _py(env, code) == "True False"


def test_unused_server_extensions_are_off_in_the_environments_own_config(env):
    out = subprocess.run([str(env / "bin" / "jupyter"), "server", "extension", "list"], capture_output=True,
                         text=True, env={"PATH": f"{env / 'bin'}:/usr/bin:/bin", "HOME": str(env.parent)})
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    state = dict(re.findall(r"^\s+(\w+) (enabled|disabled)\s*$", text, re.M))
    assert {name: state.get(name) for name in DISABLED_EXTENSIONS} == {n: "disabled" for n in DISABLED_EXTENSIONS}
    assert state.get("jupyterlab") == "enabled" and state.get("jupyterhub") in (None, "enabled")


def test_an_up_to_date_environment_is_kept_and_a_foreign_folder_is_refused(env, tmp_path):
    key = (env / KEY_FILE).read_text(encoding="utf-8")
    marker = env / "bin" / "python"
    before = marker.lstat().st_mtime_ns
    build_student_env(env)
    assert (env / KEY_FILE).read_text(encoding="utf-8") == key and marker.lstat().st_mtime_ns == before
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(HubEnvError, match=r"mine exists and is not a student environment made by summit_lessons"):
        build_student_env(foreign)
    assert (foreign / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_a_folder_students_cannot_pass_through_is_named(tmp_path):
    from summit_lessons.classroom.hubenv import closed_ancestor

    private = tmp_path / "private"
    (private / "inside").mkdir(parents=True)
    private.chmod(0o700)
    assert closed_ancestor(private / "inside" / "student-env") == private
    private.chmod(0o755)
    tmp_path.chmod(0o755)
    assert closed_ancestor(private / "inside" / "student-env") in (None, *tmp_path.parents)


def test_the_kernels_get_the_system_folders_back_while_the_server_has_only_its_own(env):
    """The server runs with the environment's bin alone (no node, so JupyterLab asks no yarn config);
    code a learner runs in a kernel still finds the system's commands."""
    from summit_lessons.classroom.hubenv import SYSTEM_PATH, server_path

    spec = json.loads((env / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_text(encoding="utf-8"))
    assert spec["env"]["PATH"] == f"{env / 'bin'}:{SYSTEM_PATH}"
    assert server_path(env) == str(env / "bin")
    # JupyterLab, imported with the server's PATH, starts no process: with node reachable it would
    # run `node yarn.js config` to read a package registry (0.4 CPU-s per server start).
    code = ("import json, subprocess\n"
            "started = []\n"
            "real = subprocess.Popen.__init__\n"
            "def spy(self, args, *a, **k):\n"
            "    started.append([str(x) for x in (args if isinstance(args, (list, tuple)) else [args])])\n"
            "    return real(self, args, *a, **k)\n"
            "subprocess.Popen.__init__ = spy\n"
            "import jupyterlab.labapp\n"
            "print(json.dumps(started))\n")
    run = subprocess.run([str(env / "bin" / "python"), "-c", code], capture_output=True, text=True,
                         env={"PATH": server_path(env), "HOME": str(env.parent)})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []


def test_the_kernel_spec_is_written_anew_so_a_hard_linked_copy_is_left_alone(tmp_path):
    """uv hard-links installed files from its cache: editing kernel.json in place would change every
    environment on the machine (it happened: a local kernel got a hub's PATH)."""
    import os

    from summit_lessons.classroom.hubenv import set_kernel_path

    spec = tmp_path / "env" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True)
    original = '{"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]}\n'
    cache = tmp_path / "cache-kernel.json"
    cache.write_text(original, encoding="utf-8")
    os.link(cache, spec)
    set_kernel_path(tmp_path / "env")
    assert cache.read_text(encoding="utf-8") == original
    assert json.loads(spec.read_text(encoding="utf-8"))["env"]["PATH"].startswith(str(tmp_path / "env" / "bin") + ":")
    assert json.loads(spec.read_text(encoding="utf-8"))["argv"][0] == "python"
    (spec.parent / "kernel.json").unlink()
    with pytest.raises(HubEnvError, match="kernel.json"):
        set_kernel_path(tmp_path / "env")
