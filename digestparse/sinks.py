"""Archives: entries into a SQLite database with full-text search, or into a Parquet file.

    with SQLite("news.db", inputs=["crawl/"]) as db:
        for entry in digestparse.iter_entries("crawl/page-1.txt"):
            db.add(entry)

A SQLite database keeps one row per entry id, every place an entry was seen, the
diagnostics, and the runs that wrote it; a run is one transaction, so a run that
fails or is killed leaves the database as it was. A Parquet file is written in
row groups as entries come, under a temporary name renamed into place at the
end. Both take an Entry, or its `model_dump()` (what the command line's worker
processes send the one process that writes the file).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import OutputError
from .models import Diagnostic, Entry

if TYPE_CHECKING:
    import pyarrow as pa

# What marks a SQLite file as digestparse's ("DPAR"), and the version of its tables.
APPLICATION_ID = 0x44504152
SCHEMA_VERSION = 1
# How long a run waits for another run that is writing the same database.
BUSY_SECONDS = 600.0
# Entries are written this many at a time.
BATCH = 500

SCHEMA = """
CREATE TABLE runs (
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
CREATE TABLE entries (
    id TEXT PRIMARY KEY NOT NULL,       -- 16 hex digits (README: the id)
    headline TEXT NOT NULL,
    caption TEXT,
    credit TEXT,
    authors TEXT NOT NULL,              -- JSON array
    dateline TEXT,                      -- YYYY-MM-DD
    excerpt TEXT,
    truncated INTEGER NOT NULL CHECK (truncated IN (0, 1)),
    posted_by TEXT,
    published TEXT,                     -- YYYY-MM-DD
    tags TEXT NOT NULL,                 -- JSON array
    source TEXT,                        -- the sighting these fields come from
    line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'partial')),
    issues TEXT NOT NULL,               -- JSON array of diagnostics
    first_run INTEGER NOT NULL REFERENCES runs (id)
);
CREATE INDEX entries_published ON entries (published);
CREATE INDEX entries_dateline ON entries (dateline);
CREATE TABLE entry_tags (
    id TEXT NOT NULL REFERENCES entries (id),
    position INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (id, position)
);
CREATE INDEX entry_tags_tag ON entry_tags (tag);
CREATE TABLE entry_authors (
    id TEXT NOT NULL REFERENCES entries (id),
    position INTEGER NOT NULL,
    author TEXT NOT NULL,
    PRIMARY KEY (id, position)
);
CREATE INDEX entry_authors_author ON entry_authors (author);
CREATE TABLE sightings (
    id TEXT NOT NULL REFERENCES entries (id),
    source TEXT NOT NULL,
    line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'partial')),
    run INTEGER NOT NULL REFERENCES runs (id),  -- the first run that saw it there
    PRIMARY KEY (id, source, line)
);
CREATE INDEX sightings_source ON sightings (source);
CREATE TABLE diagnostics (
    source TEXT NOT NULL,
    line INTEGER,                       -- NULL for a file that could not be read
    "column" INTEGER,
    end_line INTEGER,
    code TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    message TEXT NOT NULL,
    text TEXT,                          -- the input's own text, for the codes that keep it
    entry TEXT REFERENCES entries (id), -- the entry it is an issue of, if any
    run INTEGER NOT NULL REFERENCES runs (id)
);
CREATE UNIQUE INDEX diagnostics_place ON diagnostics (source, ifnull(line, 0), ifnull("column", 0), code);
CREATE INDEX diagnostics_code ON diagnostics (code);
-- The full-text index of entries. digestparse adds each batch of new entries to it
-- itself (twice as fast as a trigger a row); the triggers keep it in step when
-- a row is changed or deleted, by digestparse or by hand.
CREATE VIRTUAL TABLE entries_fts USING fts5 (
    headline, caption, excerpt, content="entries", content_rowid="rowid"  -- content="entries" as Datasette finds it
);
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

_ENTRY_COLUMNS = ("id", "headline", "caption", "credit", "authors", "dateline", "excerpt", "truncated", "posted_by",
                  "published", "tags", "source", "line", "end_line", "status", "issues")  # fmt: skip
# The statements are made from the column names above, never from input.
_INSERT_ENTRY = f"INSERT INTO entries ({', '.join(_ENTRY_COLUMNS)}, first_run) VALUES ({', '.join('?' * 17)})"  # noqa: S608
_REPLACE_ENTRY = f"UPDATE entries SET {', '.join(f'{name} = ?' for name in _ENTRY_COLUMNS[1:])} WHERE id = ?"  # noqa: S608


def _record(entry: Entry | Mapping[str, Any]) -> Mapping[str, Any]:
    return entry.model_dump() if isinstance(entry, Entry) else entry


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


class SQLite:
    """A digestparse database, written in one transaction: a context manager that takes entries and diagnostics.

    Adding is idempotent: an entry already there is kept, unless it is partial
    and the new sighting is ok; every sighting and diagnostic is kept once.
    """

    def __init__(self, path: str | os.PathLike[str], *, inputs: Iterable[str] = (),
                 busy_seconds: float = BUSY_SECONDS) -> None:  # fmt: skip
        self.path = os.fspath(path)
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

    def _fail(self, why: str) -> OutputError:
        return OutputError(f"cannot write {self.path}: {why}")

    def __enter__(self) -> SQLite:
        try:
            db = sqlite3.connect(self.path, timeout=self.busy_seconds, isolation_level=None)
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
        except sqlite3.OperationalError as error:
            db.close()
            if "locked" in str(error):
                raise self._fail(f"another run is writing it (waited {self.busy_seconds:.0f} s)") from None
            raise self._fail(str(error)) from None
        except (sqlite3.DatabaseError, OutputError) as error:
            db.close()
            if isinstance(error, OutputError):
                raise
            raise self._fail(f"expected a SQLite database, found a file that is not one ({error})") from None
        return self

    def _check_or_create(self, db: sqlite3.Connection) -> None:
        """Create the tables in a new database; refuse one that is not digestparse's, or another version's."""
        application = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application == APPLICATION_ID and version == SCHEMA_VERSION:
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
        statement = ""
        for line in SCHEMA.splitlines(keepends=True):  # executescript would commit the run's transaction
            statement += line
            if sqlite3.complete_statement(statement):
                db.execute(statement)
                statement = ""

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
        self._diagnostics.append((found["source"] or "", found["line"], found["column"], found["end_line"],
                                  found["code"], found["severity"], found["message"], found.get("text"), entry,
                                  self._run))  # fmt: skip

    def _flush(self) -> None:
        db = self._db
        if db is None:
            raise self._fail("the database is not open (use it as a context manager)")
        batch, self._entries = self._entries, []
        ids = list(dict.fromkeys(record["id"] for record in batch))
        places = ", ".join("?" * len(ids))  # one a known id: the statement holds no input
        known = dict(db.execute(f"SELECT id, status FROM entries WHERE id IN ({places})", ids))  # noqa: S608
        fresh: list[Mapping[str, Any]] = []
        for record in batch:
            status = known.get(record["id"])
            if status is None:
                fresh.append(record)
                known[record["id"]] = record["status"]
            elif status == "partial" and record["status"] == "ok":
                self._replace(db, record)
                known[record["id"]] = "ok"
        last = db.execute("SELECT ifnull(max(rowid), 0) FROM entries").fetchone()[0]
        db.executemany(_INSERT_ENTRY, [(*self._row(record), self._run) for record in fresh])
        db.execute("INSERT INTO entries_fts (rowid, headline, caption, excerpt) "
                   "SELECT rowid, headline, caption, excerpt FROM entries WHERE rowid > ?", (last,))  # fmt: skip
        db.executemany("INSERT INTO entry_tags VALUES (?, ?, ?)",
                       [(r["id"], n, tag) for r in fresh for n, tag in enumerate(r["tags"])])  # fmt: skip
        db.executemany("INSERT INTO entry_authors VALUES (?, ?, ?)",
                       [(r["id"], n, name) for r in fresh for n, name in enumerate(r["authors"])])  # fmt: skip
        db.executemany("INSERT OR IGNORE INTO sightings VALUES (?, ?, ?, ?, ?, ?)",
                       [(r["id"], r["source"] or "", r["line"], r["end_line"], r["status"], self._run)
                        for r in batch])  # fmt: skip
        self._seen += len(batch)
        self.new_entries += len(fresh)
        self._flush_diagnostics(db)

    def _flush_diagnostics(self, db: sqlite3.Connection) -> None:
        db.executemany("INSERT OR IGNORE INTO diagnostics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._diagnostics)
        self._diagnostics = []

    def _row(self, record: Mapping[str, Any]) -> tuple[Any, ...]:
        lists = {key: json.dumps(record[key], ensure_ascii=False, default=str) for key in ("authors", "tags", "issues")}
        dates = {key: _iso(record[key]) for key in ("dateline", "published")}
        return tuple(lists.get(key, dates.get(key, record[key])) for key in _ENTRY_COLUMNS)

    def _replace(self, db: sqlite3.Connection, record: Mapping[str, Any]) -> None:
        """An ok sighting of an entry that is partial in the database: its fields replace the partial ones."""
        row = self._row(record)
        db.execute(_REPLACE_ENTRY, (*row[1:], row[0]))
        db.execute("DELETE FROM entry_tags WHERE id = ?", (record["id"],))
        db.execute("DELETE FROM entry_authors WHERE id = ?", (record["id"],))
        db.executemany("INSERT INTO entry_tags VALUES (?, ?, ?)",
                       [(record["id"], n, t) for n, t in enumerate(record["tags"])])  # fmt: skip
        db.executemany("INSERT INTO entry_authors VALUES (?, ?, ?)",
                       [(record["id"], n, a) for n, a in enumerate(record["authors"])])  # fmt: skip
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
        db = self._db
        if db is None:
            return
        try:
            if kind is None and not self._abandoned:
                if self._entries:
                    self._flush()
                self._flush_diagnostics(db)
                finished = datetime.now(UTC).isoformat(timespec="seconds")
                db.execute("UPDATE runs SET finished = ?, entries = ?, new_entries = ?, replaced_entries = ?, "
                           "diagnostics = (SELECT count(*) FROM diagnostics WHERE run = ?) WHERE id = ?",
                           (finished, self._seen, self.new_entries, self.replaced_entries, self._run,
                            self._run))  # fmt: skip
                db.execute("COMMIT")
            else:
                db.execute("ROLLBACK")
        except sqlite3.Error as failure:
            if kind is None:
                raise self._fail(str(failure)) from None
        finally:
            db.close()
            self._db = None


# ------------------------------------------------------------------- Parquet

PARQUET_MISSING = "--to parquet needs pyarrow: pip install 'digestparse[parquet]'"
# Rows are written to the Parquet file in groups of this many.
ROW_GROUP = 20_000


def arrow_schema() -> pa.Schema:
    """The Arrow schema of an entry: the contract's keys as typed columns (shared with digestparse.dask)."""
    import pyarrow as pa  # noqa: PLC0415 - an optional dependency, imported when used

    issue = pa.struct([("code", pa.string()), ("severity", pa.string()), ("message", pa.string()),
                       ("source", pa.string()), ("line", pa.int64()), ("column", pa.int64()),
                       ("end_line", pa.int64()), ("text", pa.string())])  # fmt: skip
    text, names = pa.string(), pa.list_(pa.string())
    return pa.schema([
        pa.field("id", text, nullable=False), pa.field("headline", text, nullable=False), ("caption", text),
        ("credit", text), pa.field("authors", names, nullable=False), ("dateline", pa.date32()),
        ("excerpt", text), pa.field("truncated", pa.bool_(), nullable=False), ("posted_by", text),
        ("published", pa.date32()), pa.field("tags", names, nullable=False), ("source", text),
        pa.field("line", pa.int64(), nullable=False), pa.field("end_line", pa.int64(), nullable=False),
        pa.field("status", text, nullable=False), pa.field("issues", pa.list_(issue), nullable=False),
    ])  # fmt: skip


class Parquet:
    """A Parquet file of entries, one row each, written in row groups; it appears whole when the run succeeds."""

    def __init__(self, path: str | os.PathLike[str], *, inputs: Iterable[str] = (), row_group: int = ROW_GROUP) -> None:
        try:
            import pyarrow.parquet  # noqa: F401, PLC0415 - checked before any work is done
        except ImportError:
            raise ImportError(PARQUET_MISSING) from None
        self.path = os.fspath(path)
        self.row_group = row_group
        self.rows = 0
        self._rows: list[Mapping[str, Any]] = []
        self._writer: Any = None
        self._temp: str | None = None
        self._abandoned = False

    def __enter__(self) -> Parquet:
        import pyarrow.parquet as pq  # noqa: PLC0415

        folder = os.path.dirname(os.path.abspath(self.path))
        try:
            fd, self._temp = tempfile.mkstemp(prefix=".digestparse-", suffix=".tmp", dir=folder)
            os.close(fd)
            self._writer = pq.ParquetWriter(self._temp, arrow_schema())
        except OSError as error:
            raise OutputError(f"cannot write {self.path}: {error.strerror or error}") from None
        return self

    def add(self, entry: Entry | Mapping[str, Any]) -> None:
        """Add one entry as a row."""
        self._rows.append(_record(entry))
        self.rows += 1
        if len(self._rows) >= self.row_group:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa  # noqa: PLC0415

        if self._rows:
            try:
                self._writer.write_table(pa.Table.from_pylist(self._rows, schema=arrow_schema()))
            except OSError as error:
                raise OutputError(f"cannot write {self.path}: {error.strerror or error}") from None
            self._rows = []

    @property
    def added(self) -> str:
        """What the run wrote, for the command line's summary line."""
        return f"{self.rows} row{'s' if self.rows != 1 else ''}"

    def abandon(self) -> None:
        """Leave any file there as it was: the run failed."""
        self._abandoned = True

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        temp = self._temp
        if temp is None:
            return
        try:
            if kind is None and not self._abandoned:
                self._flush()
                self._writer.close()
                os.chmod(temp, 0o666 & ~_umask())
                os.replace(temp, self.path)
            else:
                self._writer.close()
        except OSError as failure:
            if kind is None:
                raise OutputError(f"cannot write {self.path}: {failure.strerror or failure}") from None
        finally:
            if os.path.lexists(temp):
                os.unlink(temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
