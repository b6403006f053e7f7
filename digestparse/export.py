"""Entries out as text: JSON, JSON Lines, CSV, Markdown and the digest format.

Each `to_*` function takes entries and returns a `str`; each `iter_*` function
yields the same text in pieces, one entry at a time, for writing a stream
without holding it. Exporters know the models only, never the parser.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from .models import Entry

FIELDS: tuple[str, ...] = tuple(Entry.model_fields)
LIST_SEPARATOR = "; "

# ------------------------------------------------------------------- records


def record(entry: Entry) -> dict[str, Any]:
    """An entry as plain JSON data, in the contract's key order."""
    return entry.model_dump(mode="json")


# JSON text comes from pydantic's own serializer (written in Rust, about 3x
# json.dumps here): non-ASCII text as it is, the keys in the contract's order.
# The parser has already turned lone surrogates into U+FFFD, so it always
# encodes as UTF-8. It is called directly: `model_dump_json` gives the same
# bytes (tests/test_export.py checks it) after a third more time spent passing
# its keyword arguments on, paid once an entry.
_entry_json = Entry.__pydantic_serializer__.to_json


# ---------------------------------------------------------------------- JSON


def iter_json(entries: Iterable[Entry]) -> Iterator[str]:
    """One JSON array of entry objects, in pieces."""
    yield "["
    first = True
    for entry in entries:
        body = _entry_json(entry, indent=2).decode().replace("\n", "\n  ")
        yield ("\n  " if first else ",\n  ") + body
        first = False
    yield "\n]\n" if not first else "]\n"


def to_json(entries: Iterable[Entry]) -> str:
    """One JSON array of entry objects."""
    return "".join(iter_json(entries))


def iter_jsonl(entries: Iterable[Entry]) -> Iterator[str]:
    """One compact JSON object a line, each written as its entry arrives."""
    for entry in entries:
        yield _entry_json(entry).decode() + "\n"


def to_jsonl(entries: Iterable[Entry]) -> str:
    """One compact JSON object a line."""
    return "".join(iter_jsonl(entries))


# ----------------------------------------------------------------------- CSV

# Spreadsheets run a cell that begins with one of these as a formula; the
# full-width forms are folded to them by some spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def guard_formula(text: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with "'"."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "issues":
        return LIST_SEPARATOR.join(issue.code for issue in value)
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def iter_csv(entries: Iterable[Entry], *, formula_guard: bool = True) -> Iterator[str]:
    """A header of every contract key, then one row per entry, in pieces."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for entry in entries:
        cells = [_cell(key, getattr(entry, key)) for key in FIELDS]
        if formula_guard:
            cells = [guard_formula(cell) for cell in cells]
        writer.writerow(cells)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def to_csv(entries: Iterable[Entry], *, formula_guard: bool = True) -> str:
    """CSV with a header row; lists joined by "; ", issues as their codes."""
    return "".join(iter_csv(entries, formula_guard=formula_guard))


# ------------------------------------------------------------------ Markdown

# Characters that can start markup anywhere in a line: escapes, code, emphasis,
# links and images, HTML and autolinks, entities, tables, strikethrough, and
# the closing "#"s of a heading. A backslash-escaped ASCII punctuation mark is
# always literal text in CommonMark.
_MARKUP_ANYWHERE = re.compile(r"([\\`*_\[\]<>&|~#])")
# Characters that start a block only at the beginning of a paragraph: a quote,
# a list item ("-", "+", "1.", "1)"), a setext underline.
_MARKUP_AT_START = re.compile(r"^(?:([>+=-])|([0-9]{1,9})([.)]))")


def markdown_text(text: str) -> str:
    """Input text as Markdown that renders to exactly that text, never to markup."""
    escaped = _MARKUP_ANYWHERE.sub(r"\\\1", " ".join(text.split()))
    return _MARKUP_AT_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)


def _long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _markdown_entry(entry: Entry) -> str:
    heading = markdown_text(entry.headline) if entry.headline else "\\(no headline\\)"
    meta: list[str] = []
    if entry.dateline is not None:
        meta.append(markdown_text(_long_date(entry.dateline)))
    if entry.authors:
        meta.append("By " + markdown_text(_join_names(entry.authors)))
    if entry.credit:
        meta.append("Photo: " + markdown_text(entry.credit))
    if entry.tags:
        meta.append("Tags: " + markdown_text(", ".join(entry.tags)))
    parts = [f"## {heading}"]
    if meta:
        parts.append(" · ".join(meta))
    if entry.caption:
        parts.append("*Caption:* " + markdown_text(entry.caption))
    if entry.excerpt:
        parts.append(markdown_text(entry.excerpt) + (" *(excerpt truncated)*" if entry.truncated else ""))
    if entry.status != "ok":
        codes = ", ".join(issue.code for issue in entry.issues if issue.is_problem)
        parts.append(f"*Partial entry: {markdown_text(codes)}\\.*")
    return "\n\n".join(parts) + "\n"


def iter_markdown(entries: Iterable[Entry], *, title: str = "Digest") -> Iterator[str]:
    """A readable document: a title, then one section per entry, in pieces."""
    yield f"# {markdown_text(title)}\n"
    for entry in entries:
        yield "\n" + _markdown_entry(entry)


def to_markdown(entries: Iterable[Entry], *, title: str = "Digest") -> str:
    """A readable Markdown document that shows input text literally."""
    return "".join(iter_markdown(entries, title=title))


# -------------------------------------------------------------------- digest


def _join_names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _ordinal_date(value: date) -> str:
    day = value.day
    suffix = "th" if day % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{value:%B} {day}{suffix}, {value.year}"


def _digest_entry(entry: Entry) -> str:
    body: list[str] = []
    if entry.caption:
        body.append(entry.caption)
    if entry.credit:
        body.append(f"({entry.credit})")
    if entry.authors:
        body.append("By " + _join_names(entry.authors))
    if entry.dateline is not None:
        body.append(_long_date(entry.dateline))
    if entry.excerpt:
        body.append(entry.excerpt)
    if entry.truncated:
        body.append("[...]")
    footer = "By " + (entry.posted_by or "") + "|"
    footer += (_ordinal_date(entry.published) if entry.published is not None else "") + "|"
    footer += ", ".join(entry.tags) + "|"
    paragraphs = [entry.headline, " ".join(body), footer] if body else [entry.headline, footer]
    return "\n\n".join(paragraphs) + "\n"


def iter_digest(entries: Iterable[Entry]) -> Iterator[str]:
    """Entries written back in the canonical digest format, in pieces."""
    first = True
    for entry in entries:
        yield ("" if first else "\n") + _digest_entry(entry)
        first = False


def to_digest(entries: Iterable[Entry]) -> str:
    """Entries in the canonical digest format: parsing the result gives them back."""
    return "".join(iter_digest(entries))
