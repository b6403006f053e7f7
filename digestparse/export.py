"""Entries out as text: JSON, JSON Lines, CSV, Markdown and the digest format.

Each `to_*` function takes entries and returns a `str`; each `iter_*` function
yields the same text in pieces, one entry at a time, for writing a stream
without holding it. Exporters know the models only, never the parser.
"""

from __future__ import annotations

import csv
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from . import formats
from .canonical import digest_entry as _digest_entry
from .canonical import join_names
from .fields import long_date
from .models import Entry
from .text import escape_controls

FIELDS: tuple[str, ...] = tuple(Entry.model_fields)
_SOURCE = FIELDS.index("source")
LIST_SEPARATOR = "; "

# JSON text comes from pydantic's own serializer (written in Rust, about 3x
# json.dumps here): non-ASCII text as it is, the keys in the contract's order.
# The parser has already turned lone surrogates into U+FFFD, so it always
# encodes as UTF-8.


# ---------------------------------------------------------------------- JSON


def iter_json(entries: Iterable[Entry]) -> Iterator[str]:
    """One JSON array of entry objects, in pieces."""
    return JsonDocument().pieces(entries)


def to_json(entries: Iterable[Entry]) -> str:
    """One JSON array of entry objects."""
    return "".join(iter_json(entries))


def iter_jsonl(entries: Iterable[Entry]) -> Iterator[str]:
    """One compact JSON object a line, each written as its entry arrives."""
    return JsonLinesDocument().pieces(entries)


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


def _csv_row(cells: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def _csv_entry(entry: Entry, formula_guard: bool) -> str:
    cells = [_cell(key, getattr(entry, key)) for key in FIELDS]
    # The source is the input's name as the system gives it, the one field that is not cleaned text:
    # a control or bidirectional character in it is written escaped.
    cells[_SOURCE] = escape_controls(cells[_SOURCE])
    return _csv_row([guard_formula(cell) for cell in cells] if formula_guard else cells)


def iter_csv(entries: Iterable[Entry], *, formula_guard: bool = True) -> Iterator[str]:
    """A header of every contract key, then one row per entry, in pieces."""
    return CsvDocument(formula_guard=formula_guard).pieces(entries)


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


# What GitHub's renderer turns into a link with no markup at all (its autolink extension):
# "www.", a scheme's "://", an e-mail address's "@". A backslash before the "." or the ":"
# keeps them text; an "@" it finds in the text whatever is escaped, so an empty comment
# (no text, no tag) parts the address there.
_BARE_LINKS = re.compile(r"(?<=www)\.|:(?=//)|(?<=[A-Za-z0-9.+_-])@(?=[A-Za-z0-9_-])")
_UNLINKED = {".": "\\.", ":": "\\:", "@": "<!-- -->@"}


def markdown_text(text: str) -> str:
    """Input text as Markdown that renders to exactly that text, never to markup nor to a link."""
    escaped = _MARKUP_ANYWHERE.sub(r"\\\1", " ".join(text.split()))
    escaped = _MARKUP_AT_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)
    return _BARE_LINKS.sub(lambda m: _UNLINKED[m.group()], escaped)


def markdown_name(name: str) -> str:
    """A file's name as a heading's text: escaped as any text, and its control and bidirectional characters too."""
    return markdown_text(escape_controls(name))


def _markdown_entry(entry: Entry) -> str:
    heading = markdown_text(entry.headline) if entry.headline else "\\(no headline\\)"
    meta: list[str] = []
    if entry.dateline is not None:
        meta.append(markdown_text(long_date(entry.dateline)))
    if entry.authors:
        meta.append("By " + markdown_text(join_names(entry.authors)))
    if entry.credit:
        meta.append("Photo: " + markdown_text(entry.credit))
    if entry.tags:
        meta.append("Tags: " + markdown_text(", ".join(entry.tags)))
    meta.append(f"ID {entry.id}")  # hex digits: nothing to escape
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


def iter_markdown(entries: Iterable[Entry], *, title: str | None = None) -> Iterator[str]:
    """A readable document in pieces: a `#` heading, then one `##` section per entry.

    With a `title`, one heading over every entry; without, a heading for each
    source, so that the entries of several inputs stay apart.
    """
    return MarkdownDocument(title=title).pieces(entries)


# The heading of a document with no title and no source.
DEFAULT_TITLE = "Digest"


def to_markdown(entries: Iterable[Entry], *, title: str | None = None) -> str:
    """A readable Markdown document that shows input text literally; a heading per source unless `title` is given."""
    return "".join(iter_markdown(entries, title=title))


# -------------------------------------------------------------------- digest


def iter_digest(entries: Iterable[Entry]) -> Iterator[str]:
    """Entries written back in the canonical digest format, in pieces."""
    return DigestDocument().pieces(entries)


def to_digest(entries: Iterable[Entry]) -> str:
    """Entries in the canonical digest format: parsing the result gives them back, partial ones included.

    A partial entry is written with the fault its issues record (no footer, a
    repeated footer, a date as written, ...), so that it reads back as it was.
    """
    return "".join(iter_digest(entries))


# ------------------------------------------------------------------ documents


class Document(ABC):
    """One output document in a format: each entry's own text, and what comes before, between and after them.

    `render` makes an entry's text and needs nothing else, so it can run where
    the entry was parsed (a worker process); `begin`, `add` and `end` put the
    texts in order into the document, wherever they were made. Each format of
    digestparse.formats is a subclass; this base writes each entry's text after
    the last, with nothing around them.
    """

    def __init__(self, *, title: str | None = None, formula_guard: bool = True) -> None:
        self.title = title
        self.formula_guard = formula_guard
        self.count = 0  # entries added so far

    @abstractmethod
    def render(self, entry: Entry) -> str:
        """One entry's own text in this format."""

    def begin(self) -> str:
        """What comes before the first entry."""
        return ""

    def add(self, text: str, source: str | None) -> str:
        """What the document holds for the next entry, given its rendered text and its source."""
        self.count += 1
        return text

    def end(self) -> str:
        """What comes after the last entry."""
        return ""

    def pieces(self, entries: Iterable[Entry]) -> Iterator[str]:
        """The whole document, in pieces, one entry at a time."""
        yield self.begin()
        for entry in entries:
            yield self.add(self.render(entry), entry.source)
        yield self.end()


class JsonDocument(Document):
    """One JSON array of entry objects, each indented by two spaces."""

    def render(self, entry: Entry) -> str:
        return entry.model_dump_json(indent=2).replace("\n", "\n  ")

    def begin(self) -> str:
        return "["

    def add(self, text: str, source: str | None) -> str:
        first = self.count == 0
        super().add(text, source)
        return ("\n  " if first else ",\n  ") + text

    def end(self) -> str:
        return "\n]\n" if self.count else "]\n"


class JsonLinesDocument(Document):
    """One compact JSON object a line."""

    def render(self, entry: Entry) -> str:
        return entry.model_dump_json() + "\n"


class CsvDocument(Document):
    """A header row of every key, then one row an entry; lists joined by "; ", issues as their codes."""

    def render(self, entry: Entry) -> str:
        return _csv_entry(entry, self.formula_guard)

    def begin(self) -> str:
        return _csv_row(FIELDS)


class MarkdownDocument(Document):
    """A `#` heading (the title, or each source's name), then one `##` section an entry."""

    def __init__(self, *, title: str | None = None, formula_guard: bool = True) -> None:
        super().__init__(title=title, formula_guard=formula_guard)
        self._source: str | None = None

    def render(self, entry: Entry) -> str:
        return _markdown_entry(entry)

    def begin(self) -> str:
        return f"# {markdown_name(self.title)}\n" if self.title is not None else ""

    def add(self, text: str, source: str | None) -> str:
        first = self.count == 0
        super().add(text, source)
        heading = ""
        if self.title is None and (first or source != self._source):
            heading = ("" if first else "\n") + f"# {markdown_name(source or DEFAULT_TITLE)}\n"
        self._source = source
        return heading + "\n" + text

    def end(self) -> str:
        return f"# {DEFAULT_TITLE}\n" if self.title is None and self.count == 0 else ""


class DigestDocument(Document):
    """The entries written back in the canonical digest format, a blank line between two."""

    def render(self, entry: Entry) -> str:
        return _digest_entry(entry)

    def add(self, text: str, source: str | None) -> str:
        first = self.count == 0
        super().add(text, source)
        return text if first else "\n" + text


def document(to: str, *, title: str | None = None, formula_guard: bool = True) -> Document:
    """The document of one of the text formats of digestparse.formats."""
    found = formats.by_name(to)
    if found.archive:
        raise ValueError(f"expected a text format, found the archive format {to!r} (digestparse.sinks writes it)")
    made: Document = found.load()(title=title, formula_guard=formula_guard)
    return made
