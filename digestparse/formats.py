"""The one registry of output formats: each format's name, the extensions that choose it, and what writes it.

A document (JSON, JSON Lines, CSV, Markdown, digest text) is text, written by a
class of digestparse.export; an archive (SQLite, Parquet) is a file written by a
sink of digestparse.sinks. The writers are named here and imported only when
used, so that `digestparse --help` pays for none of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from .errors import UsageError


@dataclass(frozen=True, slots=True)
class Format:
    """One output format."""

    name: str  # what --to takes
    extensions: tuple[str, ...]  # the endings of -o that choose it, in lower case
    writer: str  # "module:Class" of the class that writes it
    archive: bool = False  # a file a sink writes (a database, a Parquet file), never standard output
    dedupes_itself: bool = False  # keeps one row an id by itself, and every sighting: --dedupe drops nothing from it
    needs: str | None = None  # an optional package it needs, and the extra that installs it

    def load(self) -> Any:
        """The class that writes this format."""
        module, name = self.writer.split(":")
        return getattr(import_module(module, __package__), name)


FORMATS: dict[str, Format] = {
    one.name: one
    for one in [
        Format("json", (".json",), ".export:JsonDocument"),
        Format("jsonl", (".jsonl", ".ndjson"), ".export:JsonLinesDocument"),
        Format("csv", (".csv",), ".export:CsvDocument"),
        Format("markdown", (".md", ".markdown"), ".export:MarkdownDocument"),
        Format("digest", (".txt",), ".export:DigestDocument"),
        Format("sqlite", (".db", ".sqlite", ".sqlite3"), ".sinks:SQLite", archive=True, dedupes_itself=True),
        Format("parquet", (".parquet",), ".sinks:Parquet", archive=True, needs="pyarrow"),
    ]
}
DEFAULT = "json"


def by_name(name: str) -> Format:
    """The format named; a UsageError that lists the formats for any other name."""
    found = FORMATS.get(name)
    if found is None:
        raise UsageError(f"expected one of the formats {', '.join(FORMATS)}, found {name!r}")
    return found


def for_output(to: str | None, out: str | None) -> Format:
    """The format of a run: `to` when given, else the extension of the output's path, else JSON.

    An extension that names no format is a UsageError (a file `out.tsv` written as
    JSON would surprise), which lists the known extensions and --to.
    """
    if to is not None:
        return by_name(to)
    if out is None:
        return FORMATS[DEFAULT]
    extension = os.path.splitext(out)[1].lower()
    if not extension:
        return FORMATS[DEFAULT]
    for one in FORMATS.values():
        if extension in one.extensions:
            return one
    known = ", ".join(f"{ext} ({one.name})" for one in FORMATS.values() for ext in one.extensions)
    raise UsageError(
        f"expected an output name ending in a known extension, found {out!r}: the extensions are {known}; "
        "or name the format with --to"
    )
