"""The README tells a newcomer the truth: its flags table, its codes table, its schema example."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import digestparse
from digestparse import cli, codes, sinks

from .conftest import ROOT, SAMPLES, SEED

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text of one `##` section of the README."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.MULTILINE | re.DOTALL)
    assert found is not None, f"the README has no section {title!r}"
    return found.group(1)


def _tables(markdown: str) -> list[list[list[str]]]:
    """Each table of the rendered Markdown, as rows of cell texts."""
    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
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


def test_every_flag_is_a_row_of_one_flags_table() -> None:
    tables = [table for table in _tables(_section("The command line")) if table[0] == ["flag", "what it does"]]
    assert len(tables) == 1, "the flags table renders as one table"
    firsts = " ".join(row[0] for row in tables[0][1:])
    flags = [option for action in cli.build_parser()._actions for option in action.option_strings]
    for flag in [*flags, "FILE"]:
        assert re.search(rf"`{re.escape(flag)}[ `\\]", firsts), f"{flag} has no row in the flags table"
    for flag in ("--debug", "--version", "--allow", "--summary"):
        assert flag in firsts


def test_the_codes_table_is_the_one_the_code_defines() -> None:
    assert codes.markdown_table() in README, "regenerate it: python -m digestparse.codes"
    rows = _tables(codes.markdown_table())[0][1:]
    assert [row[0] for row in rows] == [f"`{name}`" for name in codes.CODES]


def test_every_exit_status_is_documented() -> None:
    statuses = [value for name, value in vars(cli).items() if name.startswith("EXIT_")]
    text = " ".join(README.split())
    for status in statuses:
        assert f"`{status}`" in text, f"exit status {status} is not in the README"


def test_the_schema_example_validates_the_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The README's own Python block, run where its two commands would have written their files.
    block = re.search(r"```python\n(# Validate.*?)```", README, re.DOTALL)
    assert block is not None, "the README shows how to validate with the schema"
    assert cli.main(["--schema"]) == 0
    (tmp_path / "entry.schema.json").write_text(capsys.readouterr().out, encoding="utf-8")
    assert cli.main([str(SEED), "-o", str(tmp_path / "page.json"), "-q"]) == 0
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(block.group(1), "README.md", "exec"), {})  # noqa: S102 - the README's example, run as written
    finally:
        os.chdir(here)
    assert len(json.loads((tmp_path / "page.json").read_text(encoding="utf-8"))) == 10


def _python_block(starting: str) -> str:
    block = re.search(rf"```python\n({re.escape(starting)}.*?)```", README, re.DOTALL)
    assert block is not None, f"the README has no Python example starting {starting!r}"
    return block.group(1)


def test_the_id_as_the_readme_computes_it_is_every_entrys_id() -> None:
    space: dict[str, object] = {}
    exec(compile(_python_block("import hashlib"), "README.md", "exec"), space)  # noqa: S102 - the README's example
    entry_id = space["entry_id"]
    assert callable(entry_id)
    for path in sorted((SAMPLES / "valid").glob("*.txt")):
        for entry in digestparse.parse_file(path).entries:
            day = entry.published or entry.dateline
            assert entry_id(entry.headline, entry.caption, entry.excerpt, day.isoformat() if day else "") == entry.id


def test_the_database_tables_are_the_ones_the_code_creates() -> None:
    assert sinks.SCHEMA.strip("\n") in README, "copy digestparse.sinks.SCHEMA into the README"


def test_the_script_that_fills_a_database_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "crawl").mkdir()
    (tmp_path / "crawl" / "page-1.txt").write_bytes(SEED.read_bytes())
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(_python_block("import digestparse\nfrom digestparse.sinks"), "README.md", "exec"), {})  # noqa: S102
    finally:
        os.chdir(here)
    with sqlite3.connect(tmp_path / "news.db") as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone() == (10,)
    table = pytest.importorskip("pyarrow.parquet").read_table(tmp_path / "news.parquet")
    assert table.num_rows == 10
