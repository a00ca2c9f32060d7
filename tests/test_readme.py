"""Every command README shows works as shown, and README and the guides it links read well.

Each shell command in README's fenced blocks (and each `summit-lessons …`, `make …` or
`pip install` README names in its running text) is checked against the real thing:
`summit-lessons SUB ...` against the installed command's `--help` and its parser, `make TARGET`
with `make -n`, `python .../serve.py` against the site's own server script, and each
`pip install` form against the test that installs it that way. A command of any other kind fails
the test until a check for it is added here."""
from __future__ import annotations

import ast
import importlib.metadata
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
EXTRAS = set(PYPROJECT["project"]["optional-dependencies"])
START_TEST = ROOT / "tests" / "test_start.py"
WHEEL_TEST = "test_wheel_in_a_new_venv_starts_jupyterlab_on_the_lesson_map"  # in tests/test_start.py
SHELLS = {"bash", "sh", "shell", "console"}


def shell_commands(markdown: str) -> list[tuple[str, str]]:
    """(command, the comment lines just above it in its block) for every line of every shell block."""
    commands, block, above, pending = [], None, "", ""
    for line in markdown.splitlines():
        fence = re.match(r"^\s*```\s*(\w*)", line)
        if fence:
            block = None if block is not None else fence.group(1).lower()
            above = pending = ""
            continue
        if block not in SHELLS:
            continue
        if pending:  # a continued line (ending in a backslash)
            line, pending = pending + " " + line.strip(), ""
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1]
            continue
        if line.lstrip().startswith("#"):
            above += line.strip() + "\n"
        elif line.strip():
            command, _, comment = line.strip().partition(" #")  # an inline comment counts as above
            commands.append((command.strip(), above + comment))
            above = ""
    return commands


def _words(command: str) -> list[str]:
    words = shlex.split(command, comments=True)
    return words[1:] if words[:1] == ["sudo"] else words


def _options(words: list[str]) -> list[str]:
    return [w.split("=", 1)[0] for w in words if w.startswith("--")]


def _in_help(option: str, help_text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text) is not None


def _check_summit_lessons(args: list[str]) -> list[str]:
    exe = BIN / "summit-lessons"
    sub = [a for a in args[:1] if not a.startswith("-")]
    run = subprocess.run([str(exe), *sub, "--help"], capture_output=True, text=True)
    if run.returncode != 0:
        return [f"`summit-lessons {' '.join(sub)} --help` exits {run.returncode}: {run.stderr.strip()[-300:]}"]
    problems = [f"`{o}` is not in `summit-lessons {' '.join(sub)} --help`"
                for o in _options(args) if not _in_help(o, run.stdout)]
    if args:  # the whole line, positionals and choices too, through the command's own parser
        main = next(iter(importlib.metadata.entry_points(group="console_scripts", name="summit-lessons"))).load()
        parser = sys.modules[main.__module__].build_parser()
        try:
            parser.parse_args(args)
        except SystemExit:
            problems.append(f"the parser of summit-lessons refuses: {' '.join(args)}")
    return problems


def _check_make(args: list[str]) -> list[str]:
    variables = [a for a in args if re.match(r"^\w+=", a)]
    targets = [a for a in args if a not in variables]
    if not targets:
        return ["`make` without a target"]
    problems = []
    for target in targets:
        run = subprocess.run(["make", "-n", *variables, target], cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0:
            problems.append(f"`make -n {target}` exits {run.returncode}: {run.stderr.strip()[-300:]}")
    return problems


def _serve_py_source() -> str:
    """The site's serve.py as the site builder writes it (found by name, wherever the builder lives)."""
    for path in sorted((ROOT / "src" / "summit_lessons").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "SERVE_PY" not in text:
            continue
        for node in ast.parse(text).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "SERVE_PY" for t in node.targets):
                return ast.literal_eval(node.value)
    raise AssertionError("no SERVE_PY in the package: README's serve.py command has nothing to check against")


def _check_serve_py(args: list[str], tmp: Path) -> list[str]:
    script = tmp / "serve.py"
    script.write_text(_serve_py_source(), encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    if run.returncode != 0:
        return [f"serve.py --help exits {run.returncode}"]
    return [f"`{o}` is not in serve.py --help" for o in _options(args) if not _in_help(o, run.stdout)]


def _check_pip_install(args: list[str], above: str) -> list[str]:
    """Each install form README shows is one a test installs, or is marked as not yet possible."""
    reqs = [a for a in args if not a.startswith("-")]
    if len(reqs) != 1:
        return [f"pip install of {reqs}: README shows one requirement per line"]
    req = reqs[0]
    form = re.fullmatch(r"(?P<name>[^\[]+)(?:\[(?P<extras>[\w,]+)\])?", req)
    extras = set((form.group("extras") or "").split(",")) - {""}
    problems = [f"extra {e!r} is not in pyproject.toml" for e in sorted(extras - EXTRAS)]
    name = form.group("name")
    start_test = START_TEST.read_text(encoding="utf-8")
    # tests/test_start.py builds the wheel from this checkout (what pip does with "." too), installs
    # it with its extra into a fresh venv and runs `summit-lessons start` from there.
    installed = re.findall(r'summit_lessons\[(\w+)\] @ ', start_test)
    if name == f"summit_lessons-{VERSION}-py3-none-any.whl" or name == ".":
        if f"def {WHEEL_TEST}(" not in start_test or '"--wheel"' not in start_test:
            problems.append(f"{req}: tests/test_start.py no longer builds and installs the wheel ({WHEEL_TEST})")
        problems += [f"{req}: tests/test_start.py installs {installed}, not [{e}]" for e in extras if e not in installed]
    elif name == PYPROJECT["project"]["name"]:
        if "once published" not in above.lower():
            problems.append(f"{req}: the package is on no index yet; README must mark this line 'once published'")
    else:
        problems.append(f"{req}: no test installs this form (the wheel is summit_lessons-{VERSION}-py3-none-any.whl)")
    return problems


def check_command(command: str, above: str, tmp: Path) -> list[str]:
    """What is wrong with one README command ([] when it is checked and works as shown)."""
    words = _words(command)
    if not words:
        return []
    head, args = words[0], words[1:]
    if head == "summit-lessons":
        return _check_summit_lessons(args)
    if head == "make":
        return _check_make(args)
    if head in {"python", "python3", "py"}:
        if args[:3] == ["-m", "pip", "install"]:
            return _check_pip_install(args[3:], above)
        if args and args[0].endswith("serve.py"):
            return _check_serve_py(args[1:], tmp)
    return [f"README shows `{command}`, which no test checks: add a check to tests/test_readme.py"]


def inline_commands(markdown: str) -> list[tuple[str, str]]:
    """Commands README names in running text, e.g. `make bundle-student` or `summit-lessons site`."""
    prose = re.sub(r"^\s*```.*?^\s*```", "", markdown, flags=re.M | re.S)
    spans = re.findall(r"`([^`\n]+)`", prose)
    return [(s, "") for s in spans if re.match(r"^(sudo )?(summit-lessons( |$)|make \w|python3? -m pip install )", s)]


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    return [p for p in pairs if not (p[0] in seen or seen.add(p[0]))]


COMMANDS = _unique(shell_commands(README.read_text(encoding="utf-8"))
                   + inline_commands(README.read_text(encoding="utf-8")))


def test_readme_shows_the_commands_users_need():
    shown = [c for c, _ in COMMANDS]
    assert "make test" in shown and "make handouts" in shown  # .ci/run calls `make test`
    assert any(c.startswith("summit-lessons start") for c in shown)
    assert any(c.startswith("python -m pip install") and ".whl[lab]" in c for c in shown)


@pytest.mark.parametrize(("command", "above"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_every_readme_command_exists_as_shown(command, above, tmp_path):
    assert check_command(command, above, tmp_path) == []


@pytest.mark.parametrize("command", [
    "summit-lessons start --frobnicate",
    "summit-lessons nosuchcommand",
    "summit-lessons start --edition nosuchedition",
    "make nosuchtarget",
    'python -m pip install "summit_lessons[nosuchextra]"',
    'python -m pip install "summit_lessons[lab]"',  # not marked "once published"
    'python -m pip install "summit_lessons-9.9.9-py3-none-any.whl[lab]"',
    "python build/site/serve.py --nosuchoption",
    "jupyter lab",
])
def test_the_check_fails_for_a_command_that_does_not_work(command, tmp_path):
    assert check_command(command, "", tmp_path)


# --- README and the guides it links: headings in order, links that lead somewhere, in words ---

DOCS = [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
VAGUE = {"here", "click here", "this", "link", "more", "read more", "this page"}


def _prose(markdown: str) -> str:
    return re.sub(r"^\s*```.*?^\s*```", "", markdown, flags=re.M | re.S)


def _slug(heading: str) -> str:  # GitHub's anchor for a heading
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_one_h1_and_headings_in_order(path):
    levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", _prose(path.read_text(encoding="utf-8")), re.M)]
    assert levels[:1] == [1] and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_links_lead_somewhere_and_say_where(path):
    text = _prose(path.read_text(encoding="utf-8"))
    for label, target in re.findall(r"\[([^\]]+)\]\(([^)\s]+)\)", text):
        assert label.strip().lower() not in VAGUE, f"{path.name}: link text {label!r} says nothing of {target}"
        if re.match(r"^[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.exists(), f"{path.name}: {target} does not exist"
        if anchor:
            headings = re.findall(r"^#{1,6} (.+)$", _prose(dest.read_text(encoding="utf-8")), re.M)
            assert anchor in {_slug(h) for h in headings}, f"{path.name}: no heading for #{anchor} in {dest.name}"


def test_readme_is_for_users_in_this_order():
    headings = re.findall(r"^## (.+)$", _prose(README.read_text(encoding="utf-8")), re.M)
    assert headings == ["For students", "For teachers", "For a school", "Presenting a lesson", "Printing",
                        "The lessons", "Licences and sources", "From a clone"]
