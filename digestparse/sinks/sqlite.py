"""A SQLite database with full-text search: one row an entry id, every sighting, the diagnostics, the runs.

    with SQLite("news.db", inputs=["crawl/"]) as db:
        for entry in digestparse.iter_entries("crawl/page-1.txt"):
            db.add(entry)

A run is one transaction, so a run that fails or is killed leaves the database
as it was (a new file that a failed run made is removed). The tables of
entries and diagnostics are derived from the models (columns.py); the database
records the version of its tables (`PRAGMA user_version`) and of the id
formula (the table `meta`), and refuses what it cannot read as its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..errors import OutputError
from ..fields import ID_FORMULA
from ..models import Diagnostic, Entry
from ..outputs import written_path
from .columns import DIAGNOSTIC, ENTRY, row

# What marks a SQLite file as digestparse's ("DPAR"), and the version of its tables.
APPLICATION_ID = 0x44504152
SCHEMA_VERSION = 2
# How long a run waits for another run that is writing the same database.
BUSY_SECONDS = 600.0
# Entries are written this many at a time.
BATCH = 500


def _table(name: str, rows: list[tuple[str, str]]) -> str:
    """A CREATE TABLE statement: each row a column's (or a constraint's) definition and a comment on it."""
    lines = [f"    {definition}{',' if n < len(rows) - 1 else ''}" + (f"  -- {comment}" if comment else "")
             for n, (definition, comment) in enumerate(rows)]  # fmt: skip
    return f"CREATE TABLE {name} (\n" + "\n".join(lines) + "\n);\n"


_KEY = (ENTRY[0].sql()[0].replace(" TEXT NOT NULL", " TEXT PRIMARY KEY NOT NULL", 1), ENTRY[0].sql()[1])
_ENTRIES = _table(
    "entries",
    [
        _KEY,
        *(column.sql() for column in ENTRY[1:]),
        ("first_run INTEGER NOT NULL REFERENCES runs (id)", "the run that first saw it"),
    ],
)
_DIAGNOSTICS = _table(
    "diagnostics",
    [
        *(column.sql() for column in DIAGNOSTIC),
        ("entry TEXT REFERENCES entries (id)", "the entry it is an issue of, if any"),
        ("run INTEGER NOT NULL REFERENCES runs (id)", "the run that first reported it"),
    ],
)
# Each list of texts of an entry (its authors, its tags) is also a table of its own, one row an item, for joins.
_LISTS = [(column.name, column.name.removesuffix("s")) for column in ENTRY if column.kind == "texts"]
_LIST_TABLES = "".join(
    f"""CREATE TABLE entry_{name} (
    id TEXT NOT NULL REFERENCES entries (id),
    position INTEGER NOT NULL,
    {item} TEXT NOT NULL,
    PRIMARY KEY (id, position)
);
CREATE INDEX entry_{name}_{item} ON entry_{name} ({item});
"""
    for name, item in _LISTS
)
_META = _table(
    "meta",
    [
        ("key TEXT PRIMARY KEY NOT NULL", "id_formula: the version of the ids' formula (docs/format.md: the id)"),
        ("value TEXT NOT NULL", ""),
    ],
)
# The full-text index: stemmed (`sanction` finds `sanctions`), accents folded (`Zoe` finds `Zoë`).
_FULL_TEXT = """CREATE VIRTUAL TABLE entries_fts USING fts5 (
    headline, caption, excerpt, content="entries", content_rowid="rowid",
    tokenize="porter unicode61 remove_diacritics 2"
);
-- digestparse adds each batch of new entries to the index itself (twice as fast as a
-- trigger a row); the triggers keep it in step when a row is changed or deleted, by
-- digestparse or by hand.
CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, headline, caption, excerpt)
    VALUES ('delete', old.rowid, old.headline, old.caption, old.excerpt);
END;
CREATE TRIGGER entries_fts_update AFTER UPDATE ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, headline, caption, excerpt)
    VALUES ('delete', old.rowid, old.headline, old.caption, old.excerpt);
    INSERT INTO entries_fts (rowid, headline, caption, excerpt)
    VALUES (new.rowid, new.headline, new.caption, new.excerpt);
END;
"""
_DIAGNOSTICS_INDEXES = """CREATE UNIQUE INDEX diagnostics_place ON diagnostics (ifnull(source, ''), ifnull(line, 0),
    ifnull("column", 0), code);
CREATE INDEX diagnostics_code ON diagnostics (code);
"""
# An entry deleted, by hand or by any program, takes its lists, sightings and issues with it, so that every
# table agrees with `entries` and a later run can add it again (a trigger works in every client, where
# ON DELETE CASCADE needs each connection to turn foreign keys on).
_FORGETS = "".join(f"    DELETE FROM entry_{name} WHERE id = old.id;\n" for name, _ in _LISTS)  # noqa: S608 - names
_FORGET = f"""CREATE TRIGGER entries_forget AFTER DELETE ON entries BEGIN
{_FORGETS}    DELETE FROM sightings WHERE id = old.id;
    DELETE FROM diagnostics WHERE entry = old.id;
END;
"""  # noqa: S608 - the model's field names, never input

SCHEMA = f"""CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,              -- UTC, ISO 8601
    finished TEXT,
    version TEXT NOT NULL,              -- digestparse's
    inputs TEXT NOT NULL,               -- JSON array of the inputs' names
    entries INTEGER NOT NULL DEFAULT 0, -- entries read, sightings
    new_entries INTEGER NOT NULL DEFAULT 0,
    replaced_entries INTEGER NOT NULL DEFAULT 0,  -- partial entries that an ok sighting replaced
    diagnostics INTEGER NOT NULL DEFAULT 0
);
{_META}{_ENTRIES}CREATE INDEX entries_published ON entries (published);
CREATE INDEX entries_dateline ON entries (dateline);
{_LIST_TABLES}CREATE TABLE sightings (
    id TEXT NOT NULL REFERENCES entries (id),
    source TEXT NOT NULL,
    line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'partial')),
    run INTEGER NOT NULL REFERENCES runs (id),  -- the first run that saw it there
    PRIMARY KEY (id, source, line)
);
CREATE INDEX sightings_source ON sightings (source);
{_DIAGNOSTICS}{_DIAGNOSTICS_INDEXES}{_FULL_TEXT}{_FORGET}"""

# The statements are made from the models' field names, never from input.
_NAMES = ", ".join(column.quoted for column in ENTRY)
_INSERT_ENTRY = f"INSERT INTO entries ({_NAMES}, first_run) VALUES ({', '.join('?' * (len(ENTRY) + 1))})"  # noqa: S608
_REPLACE_ENTRY = f"UPDATE entries SET {', '.join(f'{c.quoted} = ?' for c in ENTRY[1:])} WHERE id = ?"  # noqa: S608
_DIAGNOSTIC_NAMES = ", ".join(column.quoted for column in DIAGNOSTIC)
_INSERT_DIAGNOSTIC = (
    f"INSERT OR IGNORE INTO diagnostics ({_DIAGNOSTIC_NAMES}, entry, run) "  # noqa: S608
    f"VALUES ({', '.join('?' * (len(DIAGNOSTIC) + 2))})"
)


def _record(entry: Entry | Mapping[str, Any]) -> Mapping[str, Any]:
    return entry.model_dump() if isinstance(entry, Entry) else entry


def _execute_all(db: sqlite3.Connection, script: str) -> None:
    """Run SQL statements one by one, inside the run's transaction (executescript would commit it)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


class SQLite:
    """A digestparse database, written in one transaction: a context manager that takes entries and diagnostics.

    Adding is idempotent: an entry already there is kept, unless it is partial
    and a new sighting is ok (in this run or a later one): then the ok
    sighting's fields replace the partial one's, in every table; every
    sighting and every diagnostic is kept once.
    """

    def __init__(self, path: str | os.PathLike[str], *, inputs: Iterable[str] = (),
                 busy_seconds: float = BUSY_SECONDS) -> None:  # fmt: skip
        self.path = os.fspath(path)
        self._file = written_path(self.path)  # a symbolic link's target: the database is written through it
        self.inputs = list(inputs)
        self.busy_seconds = busy_seconds
        self.new_entries = 0
        self.replaced_entries = 0
        self._db: sqlite3.Connection | None = None
        self._run = 0
        self._entries: list[Mapping[str, Any]] = []
        self._diagnostics: list[tuple[Any, ...]] = []
        self._seen = 0
        self._abandoned = False
        self._made = False  # the file is new: a run that fails removes it

    def _fail(self, why: str) -> OutputError:
        return OutputError(f"cannot write {self.path}: {why}")

    def __enter__(self) -> SQLite:
        self._made = not os.path.exists(self._file)
        try:
            db = sqlite3.connect(self._file, timeout=self.busy_seconds, isolation_level=None)
        except sqlite3.Error as error:
            raise self._fail(str(error)) from None
        self._db = db
        try:
            db.execute("BEGIN IMMEDIATE")  # waits for a run that is writing it, up to busy_seconds
            self._check_or_create(db)
            started = datetime.now(UTC).isoformat(timespec="seconds")
            cursor = db.execute("INSERT INTO runs (started, version, inputs) VALUES (?, ?, ?)",
                                (started, __version__, json.dumps(self.inputs, ensure_ascii=False)))  # fmt: skip
            self._run = int(cursor.lastrowid or 0)
        except (sqlite3.Error, OutputError) as error:
            self._close(keep=False)
            if isinstance(error, OutputError):
                raise
            if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
                raise self._fail(f"another run is writing it (waited {self.busy_seconds:.0f} s)") from None
            if isinstance(error, sqlite3.OperationalError):
                raise self._fail(str(error)) from None
            raise self._fail(f"expected a SQLite database, found a file that is not one ({error})") from None
        return self

    def _check_or_create(self, db: sqlite3.Connection) -> None:
        """Create the tables in a new database, bring an older digestparse's up to date, refuse any other."""
        application = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application == APPLICATION_ID and version == 1:
            _migrate_from_1(db)
            version = SCHEMA_VERSION
        if application == APPLICATION_ID and version == SCHEMA_VERSION:
            self._check_id_formula(db)
            return
        if application == APPLICATION_ID:
            raise self._fail(
                f"expected a digestparse database of schema {SCHEMA_VERSION}, found schema {version}, "
                "made by another version of digestparse: write to a new file"
            )
        if tables:
            raise self._fail(f"expected a digestparse database, found another SQLite database ({tables} objects "
                             "in it): write to a new file")  # fmt: skip
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        _execute_all(db, SCHEMA)
        db.execute("INSERT INTO meta VALUES ('id_formula', ?)", (str(ID_FORMULA),))

    def _check_id_formula(self, db: sqlite3.Connection) -> None:
        found = db.execute("SELECT value FROM meta WHERE key = 'id_formula'").fetchone()
        if found is None or found[0] != str(ID_FORMULA):
            held = "no formula" if found is None else f"formula {found[0]}"
            raise self._fail(
                f"expected ids made by formula {ID_FORMULA} (docs/format.md: the id), found {held}: its entries "
                "would all be new ones here; write to a new file"
            )

    def add(self, entry: Entry | Mapping[str, Any]) -> None:
        """Add one entry (its fields, if new or replacing a partial one; its sighting) and its issues."""
        record = _record(entry)
        self._entries.append(record)
        for issue in record["issues"]:
            self.add_diagnostic(issue, entry=record["id"])
        if len(self._entries) >= BATCH:
            self._flush()

    def add_diagnostic(self, diagnostic: Diagnostic | Mapping[str, Any], *, entry: str | None = None) -> None:
        """Add one diagnostic (skipped text, an error), once."""
        found = diagnostic.model_dump() if isinstance(diagnostic, Diagnostic) else diagnostic
        self._diagnostics.append((*row(DIAGNOSTIC, found), entry, self._run))

    def _flush(self) -> None:
        db = self._db
        if db is None:
            raise self._fail("the database is not open (use it as a context manager)")
        batch, self._entries = self._entries, []
        try:
            self._write(db, batch)
            self._flush_diagnostics(db)
        except sqlite3.Error as error:  # a full disk, a file changed under the run: nothing of the run is kept
            raise self._fail(str(error)) from None

    def _write(self, db: sqlite3.Connection, batch: list[Mapping[str, Any]]) -> None:
        # The best sighting of each id in the batch, in the place of its first: ok over partial, else the first.
        best: dict[str, Mapping[str, Any]] = {}
        for record in batch:
            kept = best.get(record["id"])
            if kept is None or (record["status"] == "ok" and kept["status"] != "ok"):
                best[record["id"]] = record
        places = ", ".join("?" * len(best))  # one a known id: the statement holds no input
        known = dict(db.execute(f"SELECT id, status FROM entries WHERE id IN ({places})", list(best)))  # noqa: S608
        fresh = [record for entry_id, record in best.items() if entry_id not in known]
        for entry_id, record in best.items():
            if known.get(entry_id) == "partial" and record["status"] == "ok":
                self._replace(db, record)
        last = db.execute("SELECT ifnull(max(rowid), 0) FROM entries").fetchone()[0]
        db.executemany(_INSERT_ENTRY, [(*row(ENTRY, record), self._run) for record in fresh])
        db.execute("INSERT INTO entries_fts (rowid, headline, caption, excerpt) "
                   "SELECT rowid, headline, caption, excerpt FROM entries WHERE rowid > ?", (last,))  # fmt: skip
        self._write_lists(db, fresh)
        db.executemany("INSERT OR IGNORE INTO sightings VALUES (?, ?, ?, ?, ?, ?)",
                       [(r["id"], r["source"] or "", r["line"], r["end_line"], r["status"], self._run)
                        for r in batch])  # fmt: skip
        self._seen += len(batch)
        self.new_entries += len(fresh)

    def _write_lists(self, db: sqlite3.Connection, records: list[Mapping[str, Any]]) -> None:
        for name, _ in _LISTS:  # the table names are the model's field names, never input
            db.executemany(f"INSERT INTO entry_{name} VALUES (?, ?, ?)",  # noqa: S608
                           [(r["id"], n, item) for r in records for n, item in enumerate(r[name])])  # fmt: skip

    def _flush_diagnostics(self, db: sqlite3.Connection) -> None:
        db.executemany(_INSERT_DIAGNOSTIC, self._diagnostics)
        self._diagnostics = []

    def _replace(self, db: sqlite3.Connection, record: Mapping[str, Any]) -> None:
        """An ok sighting of an entry that is partial in the database: its fields replace the partial ones."""
        values = row(ENTRY, record)
        db.execute(_REPLACE_ENTRY, (*values[1:], values[0]))
        for name, _ in _LISTS:
            db.execute(f"DELETE FROM entry_{name} WHERE id = ?", (record["id"],))  # noqa: S608 - a field's name
        self._write_lists(db, [record])
        self.replaced_entries += 1

    @property
    def added(self) -> str:
        """What the run added, for the command line's summary line."""
        new = self.new_entries
        return f"{new} new entr{'ies' if new != 1 else 'y'}, {self.replaced_entries} partial replaced"

    def abandon(self) -> None:
        """Leave the database as it was: the run failed."""
        self._abandoned = True

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if self._db is None:
            return
        keep = kind is None and not self._abandoned
        try:
            if keep:
                self._finish(self._db)
        except (sqlite3.Error, OutputError) as failure:
            keep = False
            if kind is None:
                self._close(keep=False)
                raise failure if isinstance(failure, OutputError) else self._fail(str(failure)) from None
        self._close(keep=keep)

    def _finish(self, db: sqlite3.Connection) -> None:
        if self._entries:
            self._flush()
        self._flush_diagnostics(db)
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        db.execute("UPDATE runs SET finished = ?, entries = ?, new_entries = ?, replaced_entries = ?, "
                   "diagnostics = (SELECT count(*) FROM diagnostics WHERE run = ?) WHERE id = ?",
                   (finished, self._seen, self.new_entries, self.replaced_entries, self._run, self._run))  # fmt: skip
        db.execute("COMMIT")

    def _close(self, *, keep: bool) -> None:
        """Close the connection, its transaction rolled back unless it was committed; a new file not kept goes."""
        db, self._db = self._db, None
        if db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            if db.in_transaction:
                db.execute("ROLLBACK")
        db.close()
        if self._made and not keep:
            for leftover in (self._file, f"{self._file}-journal", f"{self._file}-wal", f"{self._file}-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)


def _migrate_from_1(db: sqlite3.Connection) -> None:
    """Bring a database of schema 1 (digestparse 0.1) to schema 2, in the run's transaction.

    Schema 2 stems the full-text index (`sanction` finds `sanctions`), keeps the
    id formula in `meta`, and orders the diagnostics' columns as the model does.
    """
    _execute_all(db, "DROP TRIGGER entries_fts_delete;\nDROP TRIGGER entries_fts_update;\nDROP TABLE entries_fts;\n")
    db.execute("ALTER TABLE diagnostics RENAME TO diagnostics_1")
    _execute_all(db, "DROP INDEX diagnostics_place;\nDROP INDEX diagnostics_code;\n")
    _execute_all(db, _DIAGNOSTICS + _DIAGNOSTICS_INDEXES + _FULL_TEXT + _FORGET)
    db.execute(f"INSERT INTO diagnostics ({_DIAGNOSTIC_NAMES}, entry, run) "  # noqa: S608 - the model's names
               f"SELECT {_DIAGNOSTIC_NAMES}, entry, run FROM diagnostics_1 ORDER BY rowid")  # fmt: skip
    db.execute("DROP TABLE diagnostics_1")
    _execute_all(db, _META)
    db.execute("INSERT INTO meta VALUES ('id_formula', '1')")  # schema 1 made its ids by formula 1
    db.execute("INSERT INTO entries_fts (entries_fts) VALUES ('rebuild')")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
