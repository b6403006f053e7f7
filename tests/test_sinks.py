"""Whole archives: ids, --dedupe, a real SQLite database with full-text search, a real Parquet file.

Every test writes and reads real files with the real libraries: sqlite3, pyarrow,
and real processes where the test is about processes (one killed in the middle,
two writing at once).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import digestparse
from digestparse import cli, sinks

from .conftest import ROOT, SAMPLES, SEED
from .strategies import documented_id, documents

SEED_TEXT = SEED.read_text(encoding="utf-8")
# The seed's first entry, and the same entry with its footer lost (a partial sighting of it).
FIRST = "\n".join(SEED_TEXT.split("\n")[:5]) + "\n"
FIRST_PARTIAL = "\n".join(SEED_TEXT.split("\n")[:3]) + "\n"


# ------------------------------------------------------------------------ ids


def _first(text: str) -> digestparse.Entry:
    return digestparse.parse(text).entries[0]


def test_the_id_is_the_readme_formula() -> None:
    for path in sorted((SAMPLES / "valid").glob("*.txt")):
        for entry in digestparse.parse_file(path).entries:
            day = entry.published or entry.dateline
            assert entry.id == documented_id(entry.headline, entry.caption, entry.excerpt, day)


@given(documents(), st.data())
def test_an_id_survives_what_crawls_change(document: tuple[str, object], data: st.DataObject) -> None:
    text = document[0]
    change = data.draw(st.sampled_from(["crlf", "nbsp", "reference", "case", "trailing spaces", "bom"]))
    changes: dict[str, Callable[[str], str]] = {
        "crlf": lambda t: t.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n"),
        "nbsp": lambda t: t.replace(" ", "\u00a0", 3),
        "reference": lambda t: t.replace("&", "&amp;").replace("'", "&#39;").replace(" ", "&nbsp;", 3),
        # Every entry is six lines (headline, blank, body, blank, footer, blank): the headlines' case.
        "case": lambda t: "\n".join(ln.swapcase() if n % 6 == 0 else ln for n, ln in enumerate(t.split("\n"))),
        "trailing spaces": lambda t: "\n".join(line + "  " for line in t.split("\n")),
        "bom": lambda t: "\ufeff" + t,
    }
    changed = changes[change](text)
    before = [entry.id for entry in digestparse.parse(text).entries]
    after = [entry.id for entry in digestparse.parse(changed).entries]
    assert after == before, change


def test_an_id_differs_when_the_headline_or_the_date_differs() -> None:
    base = _first(FIRST)
    other_words = _first(FIRST.replace("braved", "survived"))
    other_day = _first(FIRST.replace("April 23rd, 2020", "April 24th, 2020"))
    assert len({base.id, other_words.id, other_day.id}) == 3
    # With no footer date, the dateline's date; with no headline, the caption and the excerpt.
    assert _first(FIRST_PARTIAL).id == base.id  # the same date: the dateline's
    headless = digestparse.parse(FIRST.split("\n", 2)[2]).entries[0]
    assert headless.headline == ""
    assert headless.id == documented_id("", headless.caption, headless.excerpt, date(2020, 4, 23))


# --------------------------------------------------------------------- dedupe


def _pages(tmp_path: Path) -> tuple[Path, Path]:
    """Two crawls of a listing page, overlapping: page 2 today holds half of page 1 of last week."""
    blocks = SEED_TEXT.strip().split("\n\n")
    per_entry = [blocks[n : n + 3] for n in range(0, len(blocks), 3)]
    assert len(per_entry) == 10
    one = tmp_path / "page-1.txt"
    two = tmp_path / "page-2.txt"
    one.write_text("\n\n".join("\n\n".join(e) for e in per_entry[:6]) + "\n", encoding="utf-8")
    two.write_text("\n\n".join("\n\n".join(e) for e in per_entry[3:]) + "\n", encoding="utf-8")
    return one, two


@pytest.mark.parametrize("to", ["jsonl", "csv", "json", "markdown", "digest"])
def test_dedupe_keeps_the_first_sighting_in_every_format(tmp_path: Path, to: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    one, two = _pages(tmp_path)
    diagnostics, summary = tmp_path / "d.jsonl", tmp_path / "s.json"
    assert cli.main([str(one), str(two), "--to", "jsonl", "--dedupe", "--diagnostics", str(diagnostics),
                     "--summary", str(summary)]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 10
    assert [r["source"] for r in records] == [str(one)] * 6 + [str(two)] * 4
    assert err.splitlines()[-1].endswith("; 3 duplicates dropped")
    assert json.loads(summary.read_text())["duplicates_dropped"] == 3
    dropped = [json.loads(line) for line in diagnostics.read_text().splitlines()]
    assert [(d["code"], d["severity"], d["source"]) for d in dropped] == [("duplicate-entry", "info", str(two))] * 3
    assert f"first seen at {one}:" in dropped[0]["message"]
    first_ids = {entry.id for entry in digestparse.parse_file(one).entries}
    again = [entry for entry in digestparse.parse_file(two).entries if entry.id in first_ids]
    assert [(d["line"], d["end_line"]) for d in dropped] == [(entry.line, entry.end_line) for entry in again]
    assert list(dropped[0]) == [key for key in digestparse.Diagnostic.model_fields if key != "text"]
    # The other formats drop the same entries: their output is the one of the deduplicated JSON Lines.
    assert cli.main([str(one), str(two), "--to", to, "--dedupe", "-q"]) == 0
    deduped = capsys.readouterr().out
    kept = [digestparse.Entry.model_validate(r) for r in records]
    document = {"jsonl": digestparse.export.to_jsonl, "csv": digestparse.export.to_csv,
                "json": digestparse.export.to_json, "digest": digestparse.export.to_digest,
                "markdown": digestparse.export.to_markdown}[to](kept)  # fmt: skip
    assert deduped == document


def test_dedupe_gives_the_same_bytes_whatever_the_jobs(tmp_path: Path) -> None:
    one, two = _pages(tmp_path)
    runs = []
    for jobs in (1, 2, 3):
        out, messages = io.StringIO(), list[str]()

        def hear(found: digestparse.Diagnostic, messages: list[str] = messages) -> None:
            messages.append(cli.message_line(found))

        summary = digestparse.convert([one, two, one], out=out, to="jsonl", jobs=jobs, dedupe=True, part_bytes=300,
                                      on_diagnostic=hear)  # fmt: skip
        runs.append((out.getvalue(), messages, summary.duplicates))
    assert runs[0][2] == 9
    assert runs[0] == runs[1] == runs[2]


# --------------------------------------------------------------------- SQLite


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the database but `runs`, sorted: what idempotence is about."""
    with sqlite3.connect(path) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                          "'entries_fts%' AND name != 'runs'")]  # fmt: skip
        found = {name: sorted(db.execute(f"SELECT * FROM {name}").fetchall(), key=repr) for name in names}  # noqa: S608
        found["fts"] = sorted(db.execute("SELECT rowid, * FROM entries_fts").fetchall(), key=repr)
    return found


def _query(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


def test_a_database_is_written_once_and_again_the_same(tmp_path: Path) -> None:
    one, two = _pages(tmp_path)
    news = tmp_path / "news.db"
    assert cli.main([str(one), str(two), "-o", str(news), "-q"]) == 0
    first = _tables(news)
    assert len(first["entries"]) == 10
    assert len(first["sightings"]) == 13  # every place each entry was seen
    assert cli.main([str(one), str(two), "-o", str(news), "-q"]) == 0
    assert _tables(news) == first, "the same inputs again change nothing but runs"
    assert _query(news, "SELECT id, entries, new_entries FROM runs") == [(1, 13, 10), (2, 13, 0)]
    assert _query(news, "PRAGMA integrity_check") == [("ok",)]


def test_a_database_grows_by_new_pages_only(tmp_path: Path) -> None:
    one, two = _pages(tmp_path)
    news = tmp_path / "news.db"
    assert cli.main([str(one), "--to", "sqlite", "-o", str(news), "-q"]) == 0
    assert _query(news, "SELECT count(*) FROM entries") == [(6,)]
    assert cli.main([str(two), "--to", "sqlite", "-o", str(news), "-q"]) == 0
    assert _query(news, "SELECT count(*) FROM entries") == [(10,)]
    assert _query(news, "SELECT new_entries, entries FROM runs ORDER BY id") == [(6, 6), (4, 7)]
    seen_twice = _query(news, "SELECT id, count(*) FROM sightings GROUP BY id HAVING count(*) = 2")
    assert len(seen_twice) == 3
    assert _query(news, "SELECT DISTINCT run FROM sightings WHERE source = ?", str(two)) == [(2,)]


def test_an_ok_sighting_replaces_a_partial_one_and_not_the_other_way(tmp_path: Path) -> None:
    partial, whole = tmp_path / "partial.txt", tmp_path / "whole.txt"
    partial.write_text(FIRST_PARTIAL, encoding="utf-8")
    whole.write_text(FIRST, encoding="utf-8")
    news = tmp_path / "news.db"
    assert cli.main([str(partial), "-o", str(news), "-q"]) == 0
    assert _query(news, "SELECT status, published, tags, source FROM entries") == [("partial", None, "[]",
                                                                                  str(partial))]  # fmt: skip
    assert cli.main([str(whole), "-o", str(news), "-q"]) == 0
    assert _query(news, "SELECT status, published, tags, source FROM entries") == [
        ("ok", "2020-04-23", '["Iraq", "North America", "USA"]', str(whole))]  # fmt: skip
    assert [tag for (tag,) in _query(news, "SELECT tag FROM entry_tags ORDER BY position")] == ["Iraq", "North America",
                                                                                               "USA"]  # fmt: skip
    assert cli.main([str(partial), "-o", str(news), "-q"]) == 0  # a partial sighting after: the ok fields stay
    assert _query(news, "SELECT status, source FROM entries") == [("ok", str(whole))]
    assert _query(news, "SELECT status FROM sightings ORDER BY run") == [("partial",), ("ok",)]
    assert _query(news, "SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'braved'") == [(1,)]


def test_full_text_search_works_right_after_a_run(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    assert cli.main([str(SAMPLES / "valid"), "-o", str(news), "-q"]) == 0
    found = _query(news, "SELECT e.id FROM entries_fts JOIN entries e ON e.rowid = entries_fts.rowid "
                         "WHERE entries_fts MATCH 'hezbollah OR soleimani' ORDER BY rank")  # fmt: skip
    words = re.compile(r"\b(hezbollah|soleimani)\b", re.IGNORECASE)
    expected = {entry.id for path in (SAMPLES / "valid").glob("*.txt") for entry in digestparse.parse_file(path).entries
                if words.search(f"{entry.headline} {entry.caption} {entry.excerpt}")}  # fmt: skip
    assert len(expected) >= 3
    assert {entry_id for (entry_id,) in found} == expected
    # Datasette offers a search box on a table whose FTS table says content="<table>" (its detect_fts rule).
    assert _query(news, "SELECT name FROM sqlite_master WHERE sql LIKE '%VIRTUAL TABLE%USING FTS%content=\"entries\"%'"
                  ) == [("entries_fts",)]  # fmt: skip
    by_month = ("SELECT substr(e.published, 1, 7) AS month, t.tag, count(*) FROM entries e "
                "JOIN entry_tags t ON t.id = e.id GROUP BY month, t.tag ORDER BY month, t.tag")  # fmt: skip
    tags_by_month = _query(news, by_month)
    assert ("2020-04", "Iraq", 10) in tags_by_month


def test_the_index_follows_rows_changed_or_deleted_by_hand(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    assert cli.main([str(SEED), "-o", str(news), "-q"]) == 0
    match = ("SELECT e.id FROM entries_fts JOIN entries e ON e.rowid = entries_fts.rowid "
             "WHERE entries_fts MATCH ? ORDER BY e.id")  # fmt: skip
    found = _query(news, match, "hezbollah")
    assert found
    (changed,), rest = found[0], found[1:]
    with sqlite3.connect(news) as db:
        db.execute("UPDATE entries SET headline = 'Renamed by hand', caption = NULL, excerpt = NULL WHERE id = ?",
                   (changed,))  # fmt: skip
    assert _query(news, match, "hezbollah") == rest
    assert _query(news, match, "renamed") == [(changed,)]
    with sqlite3.connect(news) as db:
        db.execute("DELETE FROM entries WHERE id = ?", (changed,))
    assert _query(news, match, "renamed") == []
    assert _query(news, "SELECT count(*) FROM entries_fts") == _query(news, "SELECT count(*) FROM entries")


def test_the_diagnostics_are_in_the_database(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    chrome = SAMPLES / "valid" / "site-chrome.txt"
    broken = SAMPLES / "invalid" / "missing-footer.txt"
    assert cli.main([str(chrome), str(broken), "-o", str(news), "-q"]) == 0
    rows = _query(news, "SELECT code, source, line, entry IS NOT NULL FROM diagnostics ORDER BY source, line")
    assert ("missing-footer", str(broken), 9, 1) in rows
    assert [r for r in rows if r[0] == "skipped-text"] == [("skipped-text", str(chrome), n, 0) for n in (1, 12, 22)]


def test_a_failed_run_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    assert cli.main([str(SEED), "-o", str(news), "-q"]) == 0
    before = _tables(news)
    assert cli.main([str(SAMPLES / "valid"), str(SAMPLES / "invalid" / "not-utf8.txt"), "-o", str(news), "-q"]) == 4
    assert cli.main([str(SAMPLES / "valid"), str(SAMPLES / "invalid"), "--strict", "-o", str(news), "-q"]) == 1
    assert _tables(news) == before
    assert _query(news, "SELECT count(*) FROM runs") == [(1,)]


def _big_digest(path: Path, entries: int) -> None:
    lines = SEED_TEXT.strip().split("\n\n")
    with path.open("w", encoding="utf-8") as handle:
        for n in range(entries // 10):
            handle.write("\n\n".join(f"{block} {n}" if k % 3 == 0 else block for k, block in enumerate(lines)))
            handle.write("\n\n")


def test_a_run_killed_in_the_middle_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    assert cli.main([str(SEED), "-o", str(news), "-q"]) == 0
    before = _tables(news)
    big = tmp_path / "big.txt"
    _big_digest(big, 40_000)
    child = subprocess.Popen([sys.executable, "-m", "digestparse", str(big), "-o", str(news), "-q", "--jobs", "1"],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    journal = Path(f"{news}-journal")
    waited = 0.0
    while not (journal.exists() and journal.stat().st_size > 0) and child.poll() is None and waited < 60:
        time.sleep(0.05)
        waited += 0.05
    time.sleep(1.0)  # well into the run: entries written into the database's pages
    assert child.poll() is None, "the run ended before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert _tables(news) == before
    assert _query(news, "PRAGMA integrity_check") == [("ok",)]
    assert _query(news, "SELECT count(*) FROM runs") == [(1,)]


def test_two_runs_writing_one_database_at_once(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    big = tmp_path / "big.txt"
    _big_digest(big, 20_000)
    runs = [subprocess.Popen([sys.executable, "-m", "digestparse", str(path), "-o", str(news), "-q", "--jobs", "1"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for path in (big, SEED)]  # fmt: skip
    results = [(run.wait(timeout=300), run.stderr.read().decode() if run.stderr else "") for run in runs]
    assert [code for code, _ in results] == [0, 0], results  # the second waited for the first
    assert _query(news, "PRAGMA integrity_check") == [("ok",)]
    assert _query(news, "SELECT count(*) FROM runs") == [(2,)]
    assert _query(news, "SELECT count(*) FROM entries") == [(20_000 + 10,)]


def test_a_run_that_waits_too_long_fails_clearly(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    assert cli.main([str(SEED), "-o", str(news), "-q"]) == 0
    with sqlite3.connect(news, isolation_level=None) as holder:
        holder.execute("BEGIN IMMEDIATE")  # another writer, holding the database
        with pytest.raises(digestparse.OutputError, match="another run is writing it"), \
                sinks.SQLite(news, busy_seconds=0.2):  # fmt: skip
            pass
        holder.execute("ROLLBACK")


@pytest.mark.parametrize("kind", ["not a database", "another database", "an older digestparse"])
def test_a_database_that_is_not_ours_is_refused(tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    news = tmp_path / "news.db"
    if kind == "not a database":
        news.write_text("a notebook, not a database\n" * 100)
    else:
        with sqlite3.connect(news) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
            if kind == "an older digestparse":
                db.execute(f"PRAGMA application_id = {sinks.APPLICATION_ID}")
                db.execute("PRAGMA user_version = 0")
    before = news.read_bytes()
    assert cli.main([str(SEED), "-o", str(news)]) == cli.EXIT_UNWRITABLE
    err = capsys.readouterr().err
    expected = {
        "not a database": "expected a SQLite database, found a file that is not one",
        "another database": "expected a digestparse database, found another SQLite database",
        "an older digestparse": "expected a digestparse database of schema 2, found schema 0",
    }[kind]
    assert f"digestparse: error: cannot write {news}: {expected}" in err
    assert news.read_bytes() == before


def test_an_archive_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(SEED), "--to", "sqlite"]) == 2
    expected = "expected a file to write the sqlite archive to (-o news.db), found standard output"
    assert expected in capsys.readouterr().err


def test_the_library_writes_a_database_from_iter_entries(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    with sinks.SQLite(news, inputs=[str(SEED)]) as db:
        for entry in digestparse.iter_entries(SEED):
            db.add(entry)
    assert _query(news, "SELECT count(*) FROM entries") == [(10,)]
    summary = digestparse.convert([SEED], to="sqlite", out=news)
    assert summary.total("entries") == 10
    assert _query(news, "SELECT count(*) FROM entries") == [(10,)]


def _rows_in_order(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table but `runs`, its rows in the order they were written (rowid, or the primary key)."""
    with sqlite3.connect(path) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                          "'entries_fts%' AND name != 'runs'")]  # fmt: skip
        return {name: db.execute(f"SELECT rowid, * FROM {name} ORDER BY rowid").fetchall() for name in names  # noqa: S608
                if name != "meta"}  # fmt: skip


def test_the_database_is_the_same_whatever_the_jobs_row_for_row(tmp_path: Path) -> None:
    one, two = _pages(tmp_path)
    mixed = tmp_path / "mixed.txt"  # in one part: an entry's issue, then skipped text, then more entries
    mixed.write_text(FIRST_PARTIAL.replace("US troops", "Marines") + "\nShare this:\n\n" + SEED_TEXT, encoding="utf-8")
    inputs = [one, mixed, two, SAMPLES / "valid", SAMPLES / "invalid" / "missing-footer.txt"]
    tables = []
    for jobs in (1, 2, 3):
        news = tmp_path / f"news{jobs}.db"
        digestparse.convert(inputs, to="sqlite", out=news, jobs=jobs, part_bytes=300)
        tables.append(_rows_in_order(news))
    assert len(tables[0]["diagnostics"]) > 5
    assert tables[0] == tables[1] == tables[2], "the same rows, in the same order"


# ------------------------------------------------------------ the best sighting


def _partial_and_whole(tmp_path: Path) -> tuple[Path, Path]:
    """A page cut after the first entry's body (a partial sighting), and a page that holds it whole."""
    partial, whole = tmp_path / "a-partial.txt", tmp_path / "b-whole.txt"
    partial.write_text(FIRST_PARTIAL, encoding="utf-8")
    whole.write_text(FIRST + "\n" + "\n".join(SEED_TEXT.split("\n")[6:]), encoding="utf-8")
    return partial, whole


def _agrees_with_the_ok_sighting(news: Path, whole: Path) -> None:
    assert _query(news, "SELECT status, published, tags, source FROM entries WHERE id = '2b47ca7762495247'") == [
        ("ok", "2020-04-23", '["Iraq", "North America", "USA"]', str(whole))]  # fmt: skip
    assert _query(news, "SELECT tag FROM entry_tags WHERE id = '2b47ca7762495247' ORDER BY position") == [
        ("Iraq",), ("North America",), ("USA",)]  # fmt: skip
    assert _query(news, "SELECT author FROM entry_authors WHERE id = '2b47ca7762495247' ORDER BY position") == [
        ("Nick Givas",), ("Jennifer Griffin",)]  # fmt: skip
    found = "SELECT e.status FROM entries_fts JOIN entries e ON e.rowid = entries_fts.rowid WHERE entries_fts MATCH ?"
    assert _query(news, found, "braved") == [("ok",)]
    assert _query(news, "SELECT status FROM sightings WHERE id = '2b47ca7762495247' ORDER BY source") == [
        ("partial",), ("ok",)]  # fmt: skip
    assert _query(news, "SELECT count(*) FROM entries") == [(10,)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_ok_sighting_replaces_a_partial_one_in_the_same_run(tmp_path: Path, jobs: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    partial, whole = _partial_and_whole(tmp_path)
    news = tmp_path / "news.db"
    assert cli.main([str(partial), str(whole), "-o", str(news), "--jobs", jobs]) == 0
    assert capsys.readouterr().err.splitlines()[-1].endswith("news.db: 10 new entries, 0 partial replaced")
    _agrees_with_the_ok_sighting(news, whole)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_ok_sighting_replaces_a_partial_one_in_a_later_run(tmp_path: Path, jobs: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    partial, whole = _partial_and_whole(tmp_path)
    news = tmp_path / "news.db"
    assert cli.main([str(partial), "-o", str(news), "--jobs", jobs, "-q"]) == 0
    assert cli.main([str(whole), "-o", str(news), "--jobs", jobs]) == 0
    assert capsys.readouterr().err.splitlines()[-1].endswith("news.db: 9 new entries, 1 partial replaced")
    _agrees_with_the_ok_sighting(news, whole)


def test_an_entry_deleted_by_hand_takes_its_rows_with_it_and_comes_back_with_the_next_run(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    crawl = str(SAMPLES / "crawl")
    assert cli.main([crawl, "-o", str(news), "-q"]) == 0
    tables = ("entries", "entry_authors", "entry_tags", "sightings", "diagnostics", "entries_fts")
    whole = {table: _query(news, f"SELECT count(*) FROM {table}") for table in tables}  # noqa: S608 - our names
    # One entry with a diagnostic of its own (the page that cut it off), one with authors and tags.
    gone = [*_query(news, "SELECT entry FROM diagnostics WHERE entry IS NOT NULL LIMIT 1"),
            *_query(news, "SELECT id FROM entries WHERE authors != '[]' AND tags != '[]' LIMIT 1")]  # fmt: skip
    with sqlite3.connect(news) as db:  # as a user would, in any client: no foreign keys turned on
        db.executemany("DELETE FROM entries WHERE id = ?", gone)
    for (entry_id,) in gone:
        for table in ("entry_authors", "entry_tags", "sightings"):
            assert _query(news, f"SELECT count(*) FROM {table} WHERE id = ?", entry_id) == [(0,)]  # noqa: S608
        assert _query(news, "SELECT count(*) FROM diagnostics WHERE entry = ?", entry_id) == [(0,)]
    assert cli.main([crawl, "-o", str(news), "-q"]) == 0
    assert {table: _query(news, f"SELECT count(*) FROM {table}") for table in tables} == whole  # noqa: S608


# ------------------------------------------------------------------ versions


def test_a_database_of_the_previous_version_is_brought_up_to_date(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    news.write_bytes((ROOT / "tests" / "golden" / "news-schema-1.db").read_bytes())  # written by digestparse b171014
    before = _query(news, "SELECT * FROM entries ORDER BY rowid")
    diagnostics = _query(news, "SELECT code, source, line FROM diagnostics ORDER BY rowid")
    assert _query(news, "PRAGMA user_version") == [(1,)]
    assert cli.main([str(SAMPLES / "valid" / "credits.txt"), "-o", str(news), "-q"]) == 0
    assert _query(news, "PRAGMA user_version") == [(sinks.SCHEMA_VERSION,)]
    assert _query(news, "SELECT * FROM entries ORDER BY rowid")[: len(before)] == before
    assert _query(news, "SELECT code, source, line FROM diagnostics ORDER BY rowid")[: len(diagnostics)] == diagnostics
    assert _query(news, "SELECT value FROM meta WHERE key = 'id_formula'") == [("1",)]
    assert _query(news, "SELECT count(*) FROM sqlite_master WHERE name = 'entries_forget'") == [(1,)]
    # The old entries are in the new, stemmed index: a search for "sanction" finds "sanctions".
    stem = "SELECT e.headline FROM entries_fts JOIN entries e ON e.rowid = entries_fts.rowid WHERE entries_fts MATCH ?"
    assert _query(news, stem, "hezbollah") != []
    assert _query(news, stem, "resist") == [("Iraq resists Iranian pressure to reopen border closed to slow Covid-19",)]
    assert _query(news, "PRAGMA integrity_check") == [("ok",)]
    assert _query(news, "SELECT count(*) FROM runs") == [(2,)]


def test_a_database_of_other_ids_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    news = tmp_path / "news.db"
    assert cli.main([str(SEED), "-o", str(news), "-q"]) == 0
    with sqlite3.connect(news) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'id_formula'")  # as a later formula would differ
    before = news.read_bytes()
    assert cli.main([str(SEED), "-o", str(news)]) == cli.EXIT_UNWRITABLE
    assert f"cannot write {news}: expected ids made by formula 1 (docs/format.md: the id), found formula 0" in (
        capsys.readouterr().err)  # fmt: skip
    assert news.read_bytes() == before


def test_full_text_search_finds_stems_and_hyphenated_words(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(FIRST.replace("braved Iranian missile attack", "faced sanctions over the COVID-19 attack"),
                    encoding="utf-8")  # fmt: skip
    news = tmp_path / "news.db"
    assert cli.main([str(page), str(SEED), "-o", str(news), "-q"]) == 0
    found = "SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?"
    assert _query(news, found, "sanction") == [(1,)]  # the stem finds "sanctions"
    assert _query(news, found, '"covid-19"') == [
        (3,)
    ]  # a hyphen inside double quotes: one phrase (and two of the seed)
    with pytest.raises(sqlite3.OperationalError, match="no such column: 19"):
        _query(news, found, "covid-19")  # unquoted, FTS5 reads "-19" as a column filter


# -------------------------------------------------------------------- Parquet


def test_parquet_holds_what_the_json_lines_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    inputs = [str(SAMPLES / "valid"), str(SAMPLES / "invalid" / "missing-footer.txt"),
              str(SAMPLES / "invalid" / "text-between-body-and-footer.txt")]  # fmt: skip
    target = tmp_path / "news.parquet"
    assert cli.main([*inputs, "-o", str(target), "-q"]) == 0
    assert cli.main([*inputs, "--to", "jsonl", "-q"]) == 0
    expected = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    table = pq.read_table(target)
    assert table.schema.equals(sinks.arrow_schema())
    assert str(table.schema.field("dateline").type) == "date32[day]"
    rows = table.to_pylist()
    for row in rows:
        for key in ("dateline", "published"):
            row[key] = row[key].isoformat() if row[key] else None
        for issue in row["issues"]:
            if issue["text"] is None:
                del issue["text"]
    assert rows == expected
    assert any(row["issues"] for row in rows)


def test_parquet_is_written_in_row_groups_and_appears_whole(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "news.parquet"
    with sinks.Parquet(target, row_group=7) as archive:
        for entry in digestparse.iter_entries(SAMPLES / "valid" / "seed.txt"):
            archive.add(entry)
        assert not target.exists()
    assert pq.ParquetFile(target).metadata.num_row_groups == 2
    target.write_text("previous")
    summary = digestparse.convert([SEED, tmp_path / "nope.txt"], to="parquet", out=target)
    assert summary.failed
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.parquet"]


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "from digestparse import cli\nraise SystemExit(cli.main(sys.argv[1:]))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, str(SEED), "-o", str(tmp_path / "x.parquet")],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert "pip install 'digestparse[parquet]'" in done.stderr
    assert not (tmp_path / "x.parquet").exists()
