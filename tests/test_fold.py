"""A teacher-edition code solution keeps its answer folded when it runs, in a real IPython kernel.

JupyterLab sends each cell's metadata with its execute request; here a real kernel gets the same
request, once with the teacher edition's fold mark and once without (as nbclient/nbval send it).
"""
from __future__ import annotations

import queue

import pytest
from jupyter_client.manager import start_new_kernel

SOLUTION = ("print('Kyiv')\n"
            "tl.clock_table(load('events')).loc[['Three-on-three meeting begins']]")


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        _run(kc, "from summit_lessons import load, timeline as tl", {})  # a lesson's set-up cell
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _run(kc, code: str, metadata: dict) -> list[dict]:
    msg = kc.session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                             "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
                         metadata=metadata)
    kc.shell_channel.send(msg)
    outputs = []
    while True:
        try:
            m = kc.get_iopub_msg(timeout=60)
        except queue.Empty:
            raise AssertionError("the kernel did not finish the cell") from None
        if m["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return outputs
        if m["msg_type"] in ("stream", "display_data", "execute_result", "error"):
            outputs.append({"type": m["msg_type"], **m["content"]})


def test_a_marked_solution_shows_its_output_only_inside_a_closed_fold(kernel):
    label = "Solution: click to open"
    out = _run(kernel, SOLUTION, {"summit_lessons": {"fold": label}, "tags": ["solution"]})
    assert [o["type"] for o in out] == ["display_data"], out  # no loose stdout, no bare table
    html = out[0]["data"]["text/html"]
    assert html.startswith(f'<details class="sl-fold"><summary>{label}</summary>') and " open" not in html.split(">")[0]
    assert "Kyiv" in html and "22:32" in html  # the answer is there, folded


def test_an_unmarked_cell_is_untouched(kernel):
    out = _run(kernel, SOLUTION, {})
    assert [o["type"] for o in out] == ["stream", "execute_result"]
    assert "sl-fold" not in out[1]["data"]["text/html"] and "22:32" in out[1]["data"]["text/html"]
