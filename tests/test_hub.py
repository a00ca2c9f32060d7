"""A real JupyterHub classroom (deploy/jupyterhub/, as `make hub` runs it, as root) on 127.0.0.1:
three students and a teacher created through the REST API, their servers started, lesson 02 run
in each student's server through the kernel websocket and its outputs checked against the
lesson's stored ones, the teacher's copy holding the solutions and the students' not; then, from
inside a student's kernel, everything a student must not reach (the hub's environment and state,
another home, the teacher's notebooks wherever they are, any solution text); then everything
started is stopped by its process id, and the test accounts (prefix ``sltest-``) removed."""
from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub", reason="the hub extra is not installed (make installs it for make test)")

from summit_lessons.publish.editions import TEACHER_ONLY_HTML  # noqa: E402
from summit_lessons.classroom.hub import LESSONS_FOLDER  # noqa: E402
from summit_lessons.classroom.hubclient import CONFIG, throwaway_hub  # noqa: E402

pytestmark = [pytest.mark.hub, pytest.mark.slow]
if not hasattr(os, "geteuid") or os.geteuid() != 0:
    pytest.skip("the classroom hub runs as root (an account per user); CI runs make test as root",
                allow_module_level=True)

#: A test-only account prefix: the accounts (and their homes) are removed afterwards, even after
#: a failure, and leftovers of an earlier run are removed first.
PREFIX = "sltest-"
STUDENTS = ["ana", "ben", "chloe"]
TEACHER = "ms-kuznetsova"
LESSON = f"{LESSONS_FOLDER}/02_summit_day.ipynb"
# The same sanitising nbval applies to stored and fresh outputs (tests/nbval-sanitize.cfg).
# The student edition stores widget snapshots without their teacher-only block, which a fresh run
# re-creates (as in tests/nbval-sanitize-student.cfg): compare without it on both sides.
SANITIZE = [(re.compile(r"/tmp/ipykernel_\d+/\d+\.py"), "<kernel-file>"), (re.compile(r"at 0x[0-9a-fA-F]+"), "at 0xADDRESS"),
            (TEACHER_ONLY_HTML, "")]
COMPARED = ("text/plain", "text/html")


def _texts(outputs: list[dict]) -> list[str]:
    """The outputs nbval compares (text, HTML, streams), sanitised."""
    texts = []
    for o in outputs:
        if o["output_type"] == "stream":
            texts.append(f"{o['name']}: {o['text']}")
        for mime in COMPARED:
            if mime in o.get("data", {}):
                value = o["data"][mime]
                texts.append("".join(value) if isinstance(value, list) else value)
    for rx, rep in SANITIZE:
        texts = [rx.sub(rep, t) for t in texts]
    return texts


def _tags(cell: dict) -> set[str]:
    return set(cell["metadata"].get("tags", []))


@pytest.fixture(scope="module")
def classroom():
    proxy = CONFIG.parent / "node_modules" / ".bin" / "configurable-http-proxy"
    assert proxy.exists(), "configurable-http-proxy missing: run `make hub` or npm ci --prefix deploy/jupyterhub"
    with throwaway_hub(PREFIX) as hub:
        client = hub.client
        client.create_users([*STUDENTS, TEACHER])
        client.add_to_group("teachers", [TEACHER])
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda u: client.start_server(u, wait=240), [*STUDENTS, TEACHER]))
        for user in [*STUDENTS, TEACHER]:
            hub.remember(client.server_pid(user))
        yield hub, client
        hub.stop()
        # Nothing left behind: the hub, the proxy and every user's server have ended.
        assert hub.running() == [], f"still running after stop: {hub.running()}"


def test_every_user_server_runs_as_its_own_process(classroom):
    hub, client = classroom
    # four servers and the proxy, recorded with their start times, and the hub itself
    assert len(hub.started) == 5
    assert len(hub.running()) == 6 and hub.proc.pid in hub.running() and hub.proxy_pid() in hub.running()


def test_lesson_02_runs_in_each_student_server_with_the_stored_outputs(classroom):
    hub, client = classroom
    with ThreadPoolExecutor(len(STUDENTS)) as pool:
        runs = dict(zip(STUDENTS, pool.map(lambda u: client.run_notebook(u, LESSON, timeout=240), STUDENTS)))
    for user, results in runs.items():
        stored = [c for c in client.contents(user, LESSON)["content"]["cells"] if c["cell_type"] == "code"]
        assert len(results) == len(stored), f"{user}: stopped early: {[r.error for r in results if r.error]}"
        for cell, result in zip(stored, results):
            assert result.error is None, f"{user}: {cell['source'][:60]!r} raised {result.error}"
            assert _texts(result.outputs) == _texts(cell["outputs"]), f"{user}: {cell['source'][:60]!r}"
        shown = "\n".join(t for r in results for t in _texts(r.outputs))
        assert "The summit day in five clocks" in shown and "Timeline explorer" in shown


def test_teacher_has_the_solutions_and_students_do_not(classroom):
    hub, client = classroom
    teacher = client.contents(TEACHER, LESSON)["content"]
    assert teacher["metadata"]["summit_lessons"]["edition"] == "teacher"
    assert sum("solution" in _tags(c) for c in teacher["cells"]) >= 1
    assert any("instructor" in _tags(c) for c in teacher["cells"])
    for user in STUDENTS:
        nb = client.contents(user, LESSON)["content"]
        assert nb["metadata"]["summit_lessons"]["edition"] == "student"
        assert not any({"solution", "instructor"} & _tags(c) for c in nb["cells"]), user
        assert sum("exercise" in _tags(c) for c in nb["cells"]) == sum("answer" in _tags(c) for c in nb["cells"]) > 0
    # each user's copy is in their own home
    homes = Path(hub.state) / "home"
    assert sorted(p.name for p in homes.iterdir()) == sorted(PREFIX + u for u in [*STUDENTS, TEACHER])


# ----------------------------------------------------------------------------------- isolation
# What a student's kernel can reach, tried from inside it (through the hub's REST and kernel APIs,
# as a browser would). Each probe reports what it could do; the test says what must fail.
PROBE = r'''
import json, os, sys
def can_read(path):
    try:
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False
def can_list(path):
    try:
        os.listdir(path)
        return True
    except OSError:
        return False
def can_write(folder):
    target = os.path.join(folder, ".probe-%d" % os.getpid())
    try:
        with open(target, "w") as f:
            f.write("x")
    except OSError:
        return False
    os.unlink(target)
    return True
def scan(roots, needles):
    """Every readable file under roots (links not followed) that holds a needle."""
    found, files = [], 0
    for root in roots:
        for folder, dirs, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > 50_000_000:
                    continue
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                files += 1
                hits = [n for n in needles if n in data]
                if hits:
                    found.append((path, hits[0].decode()))
    return found, files
ARGS = json.loads(ARGS_JSON)
report = {"euid": os.geteuid(), "uid": os.getuid(), "groups": os.getgroups(), "home": os.path.expanduser("~"),
          "prefix": sys.prefix,
          "read": {p: can_read(p) for p in ARGS["read"]}, "list": {p: can_list(p) for p in ARGS["list"]},
          "write": {p: can_write(p) for p in ARGS["write"]}}
# The environment and command line of every process this account can see, to look for the token.
seen = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    for part in ("environ", "cmdline"):
        try:
            with open("/proc/%s/%s" % (pid, part), "rb") as f:
                seen.append(f.read().decode("utf-8", "replace"))
        except OSError:
            pass
report["proc_text"] = "\n".join(seen)
report["path"] = os.environ.get("PATH", "")
try:  # the server's own PATH (the kernel's parent, the same account)
    with open("/proc/%d/environ" % os.getppid(), "rb") as f:
        report["server_path"] = dict(v.split("=", 1) for v in f.read().decode().split("\0") if "=" in v).get("PATH")
except OSError:
    report["server_path"] = None
if ARGS["needles"]:
    import summit_lessons
    # sent as hex: the probe's own source lands in the kernel's history file in the home
    report["scan"], report["scanned"] = scan([report["home"], sys.prefix, os.path.dirname(summit_lessons.__file__)],
                                              [bytes.fromhex(n) for n in ARGS["needles"]])
print(json.dumps(report))
'''


def _probe(client, user: str, *, read=(), listing=(), write=(), needles=()) -> dict:
    args = json.dumps({"read": [str(p) for p in read], "list": [str(p) for p in listing],
                       "write": [str(p) for p in write], "needles": [n.encode().hex() for n in needles]})
    [result] = client.run_code(user, [f"ARGS_JSON = {args!r}\n" + PROBE], timeout=600)
    assert result.error is None, f"{user}: the probe failed: {result.error}"
    text = "".join(o["text"] for o in result.outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    return json.loads(text)


def _solution_needles() -> list[str]:
    """Lines that only a teacher's copy holds: the longest line of every solution and instructor
    cell of the packaged lessons, kept if no student edition contains it."""
    import nbformat

    from summit_lessons.publish.editions import make_edition
    from summit_lessons.lessons import notebook_paths

    notebooks = [nbformat.read(p, as_version=4) for p in notebook_paths()]
    student_text = "\n".join(nbformat.writes(make_edition(nb, "student")) for nb in notebooks)
    student_text += "\n".join(c.source for nb in notebooks for c in make_edition(nb, "student").cells)
    needles = []
    for nb in notebooks:
        for cell in nb.cells:
            if {"solution", "instructor"} & set(cell.metadata.get("tags", [])):
                line = max(cell.source.splitlines(), key=len).strip()
                if len(line) >= 25 and line not in student_text:
                    # as notebook JSON stores it (quotes escaped), and as plain text
                    needles += sorted({line, json.dumps(line)[1:-1]})
    return needles


def _private_paths(hub) -> dict[str, Path]:
    state = Path(hub.state)
    return {"hub database": state / "hub" / "jupyterhub.sqlite",
            "cookie secret": state / "hub" / "jupyterhub_cookie_secret",
            "admin token file": state / "hub" / "admin-token",
            "hub log": state / "hub" / "hub.log",
            "hub environment": Path(f"/proc/{hub.proc.pid}/environ"),
            "proxy environment": Path(f"/proc/{hub.proxy_pid()}/environ")}


def _teacher_notebook_paths(hub) -> dict[str, Path]:
    import summit_lessons

    lesson = "05_two_accounts.ipynb"
    teacher_env = Path(hub.state) / "envs" / "teacher" / "lib"
    return {"teacher's copy": Path(hub.state) / "home" / (PREFIX + TEACHER) / LESSONS_FOLDER / lesson,
            "project checkout": Path(summit_lessons.__file__).resolve().parent / "notebooks" / lesson,
            "teacher environment": next(teacher_env.glob(f"python3*/site-packages/summit_lessons/notebooks/{lesson}"))}


def test_a_student_kernel_runs_unprivileged_and_reaches_nothing_of_others(classroom):
    hub, client = classroom
    state = Path(hub.state)
    other_home = state / "home" / (PREFIX + STUDENTS[1])
    private, teacher_files = _private_paths(hub), _teacher_notebook_paths(hub)
    targets = {**private, **teacher_files, "another student's lesson": other_home / LESSON}
    for what, path in targets.items():
        assert path.exists(), f"{what}: {path} should exist for this test to mean anything"
    writable = [other_home, state / "home" / (PREFIX + TEACHER), state / "hub", state, state / "home",
                state / "envs" / "student"]
    report = _probe(client, STUDENTS[0], read=targets.values(), listing=[state / "home", state / "hub", other_home],
                    write=writable)
    assert report["euid"] != 0 and report["uid"] != 0
    # The server runs with its environment's commands only (no node: JupyterLab asks it nothing at
    # start); the student's kernel has the system's commands back.
    assert report["server_path"] == str(state / "envs" / "student" / "bin")
    assert "/usr/bin" in report["path"].split(":") and report["path"].startswith(report["server_path"] + ":")
    assert report["home"] == str(state / "home" / (PREFIX + STUDENTS[0]))
    assert report["prefix"] == str(state / "envs" / "student")
    readable = [what for what, path in targets.items() if report["read"][str(path)]]
    assert readable == [], f"a student could read: {readable}"
    assert not any(report["list"].values()), report["list"]
    assert not any(report["write"].values()), report["write"]
    assert hub.token not in report["proc_text"], "the admin token is visible to a student's processes"
    assert hub.password not in report["proc_text"] and hub.teacher_password not in report["proc_text"]
    assert "SUMMIT_HUB" not in report["proc_text"], "a hub setting leaked into a student's environment"


def test_a_student_reaches_no_solution_text(classroom):
    hub, client = classroom
    needles = _solution_needles()
    assert len(needles) >= 20, "too few solution lines to look for"
    report = _probe(client, STUDENTS[2], needles=needles)
    assert report["scanned"] > 1000, f"only {report['scanned']} files scanned: the probe saw too little"
    assert report["scan"] == [], f"solution text a student can read: {report['scan'][:5]}"


def test_the_teacher_runs_unprivileged_with_the_solutions(classroom):
    hub, client = classroom
    state = Path(hub.state)
    teacher_files = _teacher_notebook_paths(hub)
    report = _probe(client, TEACHER, read=[teacher_files["teacher's copy"], teacher_files["teacher environment"],
                                           state / "home" / (PREFIX + STUDENTS[0]) / LESSON,
                                           *_private_paths(hub).values()],
                    needles=_solution_needles())
    assert report["euid"] != 0 and report["uid"] != 0
    # The same PATH rule in the teacher's environment.
    assert report["server_path"] == str(state / "envs" / "teacher" / "bin")
    assert "/usr/bin" in report["path"].split(":") and report["path"].startswith(report["server_path"] + ":")
    assert report["prefix"] == str(state / "envs" / "teacher")
    assert report["read"][str(teacher_files["teacher's copy"])] and report["read"][str(teacher_files["teacher environment"])]
    assert not report["read"][str(state / "home" / (PREFIX + STUDENTS[0]) / LESSON)], "a teacher read a student's home"
    assert not any(report["read"][str(p)] for p in _private_paths(hub).values()), "a teacher read the hub's state"
    # the solutions are there, in the teacher's copy and in the teacher's environment
    assert any(path.startswith(report["home"]) for path, _ in report["scan"])
    assert any(path.startswith(report["prefix"]) for path, _ in report["scan"])
