"""A real JupyterHub classroom (deploy/jupyterhub/, as `make hub` runs it) on 127.0.0.1:
three students and a teacher created through the REST API, their servers started, lesson 02 run
in each student's server through the kernel websocket and its outputs checked against the
lesson's stored ones, the teacher's copy holding the solutions and the students' not; then
everything started is stopped by its process id."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub", reason="the hub extra is not installed (make installs it for make test)")

from summit_lessons.editions import TEACHER_ONLY_HTML  # noqa: E402
from summit_lessons.hub import LESSONS_FOLDER  # noqa: E402
from summit_lessons.hubclient import CONFIG, HubProcess  # noqa: E402

pytestmark = [pytest.mark.hub, pytest.mark.slow]

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
def classroom(tmp_path_factory):
    proxy = CONFIG.parent / "node_modules" / ".bin" / "configurable-http-proxy"
    assert proxy.exists(), "configurable-http-proxy missing: run `make hub` or npm ci --prefix deploy/jupyterhub"
    hub = HubProcess(tmp_path_factory.mktemp("hub"))
    try:
        client = hub.start(wait=120)
        client.create_users([*STUDENTS, TEACHER])
        client.add_to_group("teachers", [TEACHER])
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda u: client.start_server(u, wait=240), [*STUDENTS, TEACHER]))
        for user in [*STUDENTS, TEACHER]:
            hub.remember(client.server_pid(user))
        yield hub, client
    finally:
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
    assert sorted(p.name for p in homes.iterdir()) == sorted([*STUDENTS, TEACHER])
