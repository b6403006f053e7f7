"""The documentation tells the truth: every example on every page is run, every table that restates the code is checked.

Each page's code blocks run in order in a fresh folder that holds a copy of
`samples/`, as a newcomer would run them from a clean clone:

- `console`: each `$ command` runs in bash; what it prints (standard output and
  standard error together) must be the lines that follow it, where a line `...`
  stands for any number of lines;
- `sh`: each line runs in bash and must succeed, but for the commands of NOT_RUN;
- `python`: run as written, the page's blocks sharing one namespace;
- `pycon`: run as a doctest, in the same namespace, its output compared;
- `sql`: a schema (`CREATE ...`) is created in a new database; a query is run
  against `news.db` as the page's earlier blocks left it;
- `json`: must parse.
"""

from __future__ import annotations

import doctest
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

import digestparse
from digestparse import cli, codes, errors, sinks
from digestparse.models import Entry

from .conftest import ROOT, SAMPLES

PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]

# Commands shown on a page that this test does not run, and why.
NOT_RUN = {
    "python -m pytest": "it is the command that runs this test",
    "fuzz/run": "minutes of fuzzing: .ci/run runs the smoke",
    "python benchmarks/": "minutes of measuring: not a test",
    "python -m tests.regenerate": "tests/test_regenerate.py runs it",
    "ruff": ".ci/run runs it",
    "mypy": ".ci/run runs it",
    "datasette": "a web server",
}


def _tokens(page: Path) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8"))


def _blocks(page: Path, language: str | None = None) -> list[tuple[str, str]]:
    """The page's fenced code blocks, as (language, text), in order."""
    fences = [(token.info.split()[0] if token.info else "", token.content) for token in _tokens(page)
              if token.type == "fence"]  # fmt: skip
    return [fence for fence in fences if language is None or fence[0] == language]


def _tables(page: Path) -> list[list[list[str]]]:
    """Each table of the rendered page, as rows of cell texts."""
    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    for token in _tokens(page):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close" and row is not None:
            tables[-1].append(row)
            row = None
    return tables


def _table(page: Path, header: list[str]) -> list[list[str]]:
    found = [table for table in _tables(page) if table[0] == header]
    assert len(found) == 1, f"{page.name} has one table headed {header}"
    return found[0][1:]


def _shell(command: str, where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", command], cwd=where, env=env, stdout=subprocess.PIPE,  # noqa: S607
                          stderr=subprocess.STDOUT, text=True, check=False, timeout=300)  # fmt: skip


def _not_run(command: str) -> str | None:
    return next((why for start, why in NOT_RUN.items() if command.startswith(start)), None)


def _extras_exist(command: str) -> None:
    """A `pip install` line names this project's extras only."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for named in re.findall(r"(?:\.|digestparse)\[([\w,]+)\]", command):
        for extra in named.split(","):
            assert extra in extras, f"{command!r} names an extra pyproject.toml does not define"


def _matches(expected: list[str], found: list[str]) -> bool:
    if not expected:
        return not found
    if expected[0] == "...":
        return any(_matches(expected[1:], found[start:]) for start in range(len(found) + 1))
    return bool(found) and expected[0] == found[0] and _matches(expected[1:], found[1:])


def _run_console(text: str, where: Path) -> None:
    for chunk in re.split(r"^\$ ", text, flags=re.MULTILINE)[1:]:
        command, _, output = chunk.partition("\n")
        program = command.split()[0]
        if shutil.which(program) is None and program not in ("digestparse", "python"):
            pytest.skip(f"{program} is not installed: the page's example needs it")
        done = _shell(command, where)
        expected, found = output.splitlines(), done.stdout.splitlines()
        assert _matches(expected, found), f"$ {command}\nexpected:\n{output}\nfound:\n{done.stdout}"


def _run_sh(text: str, where: Path) -> None:
    for line in text.splitlines():
        command = line.split("  #")[0].strip()
        if not command or command.startswith("#"):
            continue
        if command.startswith("pip install"):
            _extras_exist(command)
            command = command.partition("&&")[2].strip()
        if command and _not_run(command) is None:
            done = _shell(command, where)
            assert done.returncode == 0, f"$ {command}\n{done.stdout}"


def _run_sql(text: str, where: Path) -> None:
    if text.lstrip().startswith("CREATE"):
        sqlite3.connect(":memory:").executescript(text)
        return
    with sqlite3.connect(where / "news.db") as db:
        for statement in re.split(r";\s*$", text, flags=re.MULTILINE):
            if statement.strip():
                assert db.execute(statement).fetchall(), f"no rows from {statement!r}"


def _run_pycon(text: str, space: dict[str, Any], page: Path) -> None:
    test = doctest.DocTestParser().get_doctest(text, space, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    space.update(test.globs)  # the test ran on a copy: later blocks see what this one defined
    assert runner.failures == 0, "".join(report)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_example_on_the_page_runs_as_written(page: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    shutil.copytree(SAMPLES, tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    space: dict[str, Any] = {"__name__": "__docs__"}
    for language, text in _blocks(page):
        if language == "console":
            _run_console(text, tmp_path)
        elif language == "sh":
            _run_sh(text, tmp_path)
        elif language == "python":
            exec(compile(text, str(page), "exec"), space)  # noqa: S102 - the page's example, run as written
        elif language == "pycon":
            _run_pycon(text, space, page)
        elif language == "sql":
            _run_sql(text, tmp_path)
        elif language == "json":
            json.loads(text)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_link_within_the_project_leads_somewhere(page: Path) -> None:
    links = [child for token in _tokens(page) if token.children for child in token.children]
    for link in links:
        href = str(link.attrs.get("href", "")) if link.type == "link_open" else ""
        if not href or re.match(r"\w+:", href):
            continue
        path, _, anchor = href.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.exists(), f"{page.name} links to {href}, which is not in the project"
        if anchor:
            found = _tokens(target)
            headings = [_slug(token.content) for before, token in itertools.pairwise(found)
                        if before.type == "heading_open"]  # fmt: skip
            assert anchor in headings, f"{page.name} links to {href}: {target.name} has no such heading"


def test_the_readme_is_short_and_leads_to_every_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 8 * 1024
    for page in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "CONTRIBUTING.md"]:
        assert f"]({page.relative_to(ROOT)})" in readme, f"the README does not link to {page.name}"


def test_the_readme_gives_the_two_setup_commands() -> None:
    commands = [text.strip() for _, text in _blocks(ROOT / "README.md", "sh")]
    assert commands[:2] == ["pip install . && python -m digestparse samples/valid/seed.txt --to json",
                            "pip install -e '.[test]' && python -m pytest -n auto"]  # fmt: skip


def test_every_flag_is_a_row_of_the_flags_table() -> None:
    firsts = " ".join(row[0] for row in _table(ROOT / "docs" / "cli.md", ["flag", "what it does"]))
    flags = [option for action in cli.build_parser()._actions for option in action.option_strings]
    for flag in [*flags, "FILE"]:
        assert re.search(rf"`{re.escape(flag)}[ `\\]", firsts), f"{flag} has no row in the flags table"


def test_the_exit_statuses_table_is_the_code_s() -> None:
    rows = _table(ROOT / "docs" / "cli.md", ["status", "meaning"])
    statuses = sorted(value for name, value in vars(errors).items() if name.startswith("EXIT_"))
    assert [row[0] for row in rows] == [f"`{status}`" for status in statuses]


def test_the_codes_table_is_the_one_the_code_defines() -> None:
    page = ROOT / "docs" / "format.md"
    assert codes.markdown_table() in page.read_text(encoding="utf-8"), "regenerate it: python -m digestparse.codes"
    rows = _table(page, ["code", "severity", "when"])
    assert [row[0] for row in rows] == [f"`{name}`" for name in codes.CODES]


def test_the_fields_table_is_the_model_s() -> None:
    rows = _table(ROOT / "docs" / "format.md", ["key", "JSON", "Parquet", "what it holds"])
    schema = sinks.arrow_schema()
    keys = [key for row in rows for key in re.findall(r"`(\w+)`", row[0])]
    assert keys == list(Entry.model_fields)
    for row in rows:
        for key in re.findall(r"`(\w+)`", row[0]):
            typed = str(schema.field(key).type)
            # A list of structs is shown short: the page names the struct's fields in prose.
            shown = typed.split("struct<", maxsplit=1)[0] + "struct<…>>" if "struct<" in typed else typed
            assert row[2] == f"`{shown}`", f"{key}: Parquet type"


def test_the_database_schema_is_the_one_the_code_creates() -> None:
    blocks = [text for text in [text for _, text in _blocks(ROOT / "docs" / "archives.md", "sql")]
              if text.lstrip().startswith("CREATE")]  # fmt: skip
    assert [text.strip("\n") for text in blocks] == [sinks.SCHEMA.strip("\n")]


def test_the_id_as_the_page_computes_it_is_every_entrys_id() -> None:
    (block,) = [text for _, text in _blocks(ROOT / "docs" / "format.md", "python") if "hashlib" in text]
    space: dict[str, Any] = {}
    exec(compile(block, "format.md", "exec"), space)  # noqa: S102 - the page's example
    entry_id = space["entry_id"]
    for path in sorted((SAMPLES / "valid").glob("*.txt")):
        for entry in digestparse.parse_file(path).entries:
            day = entry.published or entry.dateline
            assert entry_id(entry.headline, entry.caption, entry.excerpt, day.isoformat() if day else "") == entry.id


def test_the_module_map_names_every_module() -> None:
    rows = _table(ROOT / "CONTRIBUTING.md", ["module", "its job"])
    mapped = {re.sub(r"`", "", row[0]) for row in rows}
    modules = {str(path.relative_to(ROOT)) for path in (ROOT / "digestparse").rglob("*.py")}
    assert mapped == modules | {"grammar/digest.lark"}
