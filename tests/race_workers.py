"""Run in a fresh process by tests/test_build_faults.py: the start of a parallel build, many times over.

Seven threads create kernel managers the way nbclient does in the build's workers, while one more
imports nbconvert as the build's main thread does, all released at once by a barrier. With
``preload`` the script first calls :func:`summit_lessons.publish.execute.preload`, as the build does
before it starts its workers. Prints ``ok`` or the first error.
"""
from __future__ import annotations

import sys
import threading

sys.modules.setdefault("rfc3987_syntax", None)  # as summit_lessons.publish.execute does, so both modes import alike

WORKERS = 7


def main(mode: str) -> None:
    if mode == "preload":
        from summit_lessons.publish.execute import preload

        preload()
    barrier = threading.Barrier(WORKERS + 1)
    errors: list[str] = []

    def worker() -> None:
        try:
            barrier.wait()
            import nbformat
            from nbclient import NotebookClient

            client = NotebookClient(nbformat.v4.new_notebook(), kernel_name="python3")
            manager = client.create_kernel_manager()
            manager.kernel_spec  # noqa: B018  # the spec lookup a kernel start makes
        except Exception as exc:  # noqa: BLE001  # the test wants whatever escaped, as text
            errors.append(f"{type(exc).__name__}: {exc}")

    def exporter() -> None:
        try:
            barrier.wait()
            from nbconvert import HTMLExporter  # noqa: F401
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)] + [threading.Thread(target=exporter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(errors[0] if errors else "ok")


if __name__ == "__main__":
    main(sys.argv[1])
