"""Entries out as text: JSON, JSON Lines, CSV, Markdown and the digest format.

Each `to_*` function takes entries and returns a `str`; each `iter_*` function
yields the same text in pieces, one entry at a time, for writing a stream
without holding it. Exporters know the models only, never the parser.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from .fields import clean, long_date, ordinal_date
from .models import Entry
from .text import normalise

FIELDS: tuple[str, ...] = tuple(Entry.model_fields)
LIST_SEPARATOR = "; "

# JSON text comes from pydantic's own serializer (written in Rust, about 3x
# json.dumps here): non-ASCII text as it is, the keys in the contract's order.
# The parser has already turned lone surrogates into U+FFFD, so it always
# encodes as UTF-8.


# ---------------------------------------------------------------------- JSON


def iter_json(entries: Iterable[Entry]) -> Iterator[str]:
    """One JSON array of entry objects, in pieces."""
    return Document("json").pieces(entries)


def to_json(entries: Iterable[Entry]) -> str:
    """One JSON array of entry objects."""
    return "".join(iter_json(entries))


def iter_jsonl(entries: Iterable[Entry]) -> Iterator[str]:
    """One compact JSON object a line, each written as its entry arrives."""
    return Document("jsonl").pieces(entries)


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
    return _csv_row([guard_formula(cell) for cell in cells] if formula_guard else cells)


def iter_csv(entries: Iterable[Entry], *, formula_guard: bool = True) -> Iterator[str]:
    """A header of every contract key, then one row per entry, in pieces."""
    return Document("csv", formula_guard=formula_guard).pieces(entries)


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


def _markdown_entry(entry: Entry) -> str:
    heading = markdown_text(entry.headline) if entry.headline else "\\(no headline\\)"
    meta: list[str] = []
    if entry.dateline is not None:
        meta.append(markdown_text(long_date(entry.dateline)))
    if entry.authors:
        meta.append("By " + markdown_text(_join_names(entry.authors)))
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
    return Document("markdown", title=title).pieces(entries)


# The heading of a document with no title and no source.
DEFAULT_TITLE = "Digest"


def to_markdown(entries: Iterable[Entry], *, title: str | None = None) -> str:
    """A readable Markdown document that shows input text literally; a heading per source unless `title` is given."""
    return "".join(iter_markdown(entries, title=title))


# -------------------------------------------------------------------- digest


def _join_names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class _Faults:
    """What an entry's issues say about the text it came from: which faults, and the text each one keeps."""

    def __init__(self, entry: Entry) -> None:
        self.codes = {issue.code for issue in entry.issues}
        self._texts: dict[str, list[str]] = {}
        for issue in entry.issues:
            if issue.text is not None:
                self._texts.setdefault(issue.code, []).append(issue.text)
        # A footer that came before the body may be repeated before it as well as after it: its issue spans the
        # lines from the footer to the body, and a repeat in that span came before the body.
        misplaced = [issue.end_line for issue in entry.issues if issue.code == "footer-before-body"]
        self.repeats_before_body = [
            issue.text
            for issue in entry.issues
            if issue.code == "duplicate-footer" and issue.text is not None and misplaced and issue.line < misplaced[0]
        ]
        self.has_body = "missing-body" not in self.codes
        self.has_footer = not self.codes & {"missing-footer", "cut-off-entry"}
        dated_body = self.has_body and not self.codes & {"missing-dateline", "unreadable-body", "cut-off-entry"}
        dated_footer = self.has_footer and not self.codes & {"missing-date", "malformed-footer"}
        # A date that names no real day leaves its field empty; the issue keeps the date as written.
        # Several are in the order of the input, where the footer comes first only when it came before the body.
        invalid = list(self.texts("invalid-date"))
        dateline_invalid = dated_body and entry.dateline is None
        footer_invalid = dated_footer and entry.published is None
        if dateline_invalid and footer_invalid and "footer-before-body" in self.codes:
            invalid.reverse()
        self.dateline_text = invalid.pop(0) if dateline_invalid and invalid else None
        self.footer_date_text = invalid.pop(0) if footer_invalid and invalid else None
        # What the end of a page left of a dateline ("Se", "December 12"): no field, so its issue keeps it.
        self.cut_dateline = next(iter(self.texts("cut-off-entry")), None)

    def texts(self, code: str) -> list[str]:
        """The text kept by each issue with this code, in the input's order."""
        return self._texts.get(code, [])


def _split_extra_body(excerpt: str, paragraph: str) -> tuple[str, str]:
    """The excerpt cut where a second body paragraph (as written in the input) began, when it can be found.

    The excerpt holds that paragraph's text cleaned, and what followed it, less
    a final truncation marker: from a word's start, it goes on with the cleaned
    paragraph (paragraphs followed it), or is the start of it (it was the last).
    """
    tail = clean(normalise(paragraph))  # as the reader normalised it: a control character is U+FFFD in the excerpt
    # Looked for by its start, short of the final markers the excerpt lost ("… Read More" is the longest, 11).
    probe = tail[: max(1, min(32, len(tail) - 12))]
    at = excerpt.find(probe)  # the first place that fits gives the longest tail
    while at >= 0 and not (
        (at == 0 or excerpt[at - 1] == " ") and (excerpt.startswith(tail, at) or tail.startswith(excerpt[at:]))
    ):
        at = excerpt.find(probe, at + 1)
    if at < 0:
        return excerpt, ""
    return excerpt[:at].rstrip(), excerpt[at:]


# The longest a character reference that html.unescape reads can be: "&CounterClockwiseContourIntegral;" is 33.
_REFERENCE_REACH = 40


def _as_text(text: str) -> str:
    """A field's text as digest text that reads back as the same field once cleaned.

    Cleaning decodes character references, so one the field holds as text
    ("&amp;" from "&amp;amp;") has its "&" written as "&amp;"; only such an "&",
    so that a line grows no more than it must (a line's length tells a body).
    """
    if "&" not in text or html.unescape(text) == text:
        return text
    first, *rest = text.split("&")
    kept = [first]
    for piece in rest:  # each starts right after an "&", and holds no other
        head = "&" + piece[:_REFERENCE_REACH]
        kept.append(("&amp;" if html.unescape(head) != head else "&") + piece)
    return "".join(kept)


def _as_line(paragraph: str) -> str:
    """A paragraph as a line of the digest that reads as one: a "<" that starts it is written "&lt;" (the digest
    would look like markup), and so is each "|" of one that starts with "By" ("By A April 3, 2020 ... |" would
    read as a footer) as "&#124;"; nothing else, since a line's length tells a body, and a credit's its end."""
    stripped = paragraph.lstrip()
    if stripped.startswith("<"):
        return "&lt;" + stripped[1:]
    if stripped[:2].lower() == "by":
        return paragraph.replace("|", "&#124;")
    return paragraph


def _credit(credit: str) -> str:
    """The credit in its parentheses: ones inside it that are not one nested pair written as references."""
    text = _as_text(credit)
    if text.count("(") != text.count(")") or text.count("(") > 1:
        text = text.replace("(", "&#40;").replace(")", "&#41;")
    return f"({text})"


def _caption(entry: Entry) -> str | None:
    """The caption as the body writes it: one that ends with a parenthesis and has no credit after it
    ("A photo (AT&amp;T ...)", too long for a credit until its reference was decoded) has each "(" written as
    "&#40;", which reads as the same caption, so that its parenthesis is not read as a credit; so has one that
    starts with a parenthesis (written after a reference the cleaning decoded)."""
    if entry.caption is None:
        return None
    caption = _as_text(entry.caption)
    if entry.credit is None and caption.endswith(")"):
        return caption.replace("(", "&#40;")
    if caption.startswith("("):  # a caption never starts with a parenthesis: it would read as a credit
        return "&#40;" + caption[1:]
    return caption


def _digest_undated_body(entry: Entry, faults: _Faults) -> list[str]:
    """A body the grammar found no dateline in: its paragraphs as written, when its issue kept them, else the
    caption that ends in a date that may be its own, else the excerpt."""
    kept = [*faults.texts("missing-dateline"), *faults.texts("unreadable-body")]
    if kept:
        return kept[0].split("\n")
    if entry.caption is not None:
        return [_caption(entry) or ""]
    excerpt = _as_text(entry.excerpt) if entry.excerpt is not None else None
    return [" ".join(part for part in (excerpt, "[...]" if entry.truncated else "") if part)]


def _digest_body(entry: Entry, faults: _Faults) -> list[str]:
    """The body's paragraphs: one, or two when the entry had a second, dated one."""
    if not faults.has_body:
        return []
    # A body read from the shape of its lines (one with no headline, or one after its footer) is written as it was.
    shaped = ("missing-headline", "footer-before-body")
    for written in [text for code in shaped for text in faults.texts(code)][:1]:
        return written.split("\n")
    if faults.codes & {"missing-dateline", "unreadable-body"}:
        return _digest_undated_body(entry, faults)
    marker = "[...]" if entry.truncated else ""
    excerpt, second = _excerpt_paragraphs(entry, faults)
    if second:
        return [" ".join(part for part in (*_body_head(entry, faults), excerpt) if part),
                " ".join(part for part in (second, marker) if part)]  # fmt: skip
    return [" ".join(part for part in (*_body_head(entry, faults), excerpt, marker) if part)]


def _body_head(entry: Entry, faults: _Faults) -> list[str]:
    """What comes before the excerpt: caption, credit, byline and dateline, each as the body writes it."""
    parts = [part for part in (_caption(entry), _credit(entry.credit) if entry.credit else None) if part]
    byline = ["By " + _as_text(_join_names(entry.authors))] if entry.authors else []
    # A byline after the dateline is written there only when where its names end was a guess,
    # so that it is guessed again; otherwise in its canonical place, before the dateline.
    late = "uncertain-byline" in faults.codes
    if entry.dateline is not None:
        when = [long_date(entry.dateline)]
    else:
        when = [text for text in (faults.dateline_text, faults.cut_dateline) if text is not None][:1]
    return [*parts, *when, *byline] if late else [*parts, *byline, *when]


def _excerpt_paragraphs(entry: Entry, faults: _Faults) -> tuple[str, str]:
    """The excerpt as written, and the second body paragraph it holds ("" when none), each as the body writes it."""
    excerpt, second = entry.excerpt or "", ""
    for paragraph in faults.texts("extra-body")[:1]:
        excerpt, second = _split_extra_body(excerpt, paragraph)
    excerpt, second = _as_text(excerpt), _as_text(second)
    if not entry.truncated and (second or excerpt)[-9:].lower() == "read more":
        # Not the marker: the page spaced its words apart ("Read  More"), which cleaning folded; so again.
        if second:
            second = second[:-5] + " " + second[-5:]
        else:
            excerpt = excerpt[:-5] + " " + excerpt[-5:]
    return excerpt, second


# A tags field that might read as another field, as a date ("June 1st, 2020": two tags), a timestamp, a comment
# count or a label, does: its first word is followed by a digit, or it starts with one, or holds ":" or "omment".
_NOT_LIKE_TAGS = re.compile(r"[0-9]|\S+ [0-9]|.*(?::|omment)", re.IGNORECASE)


def _tags_field(tags: list[str], others: list[str]) -> str:
    """The footer's tags: one that might read as another field is written after an empty tag, which is dropped.

    With no tags but other fields after it, the field is "," (no tag, yet a field of tags), so that the next
    plain field is not read as the tags.
    """
    if not tags:
        return "," if others else ""
    text = _as_text(", ".join(tags))
    return ", " + text if _NOT_LIKE_TAGS.match(text) else text


def _digest_footer(entry: Entry, faults: _Faults) -> str:
    malformed = faults.texts("malformed-footer")
    if malformed:
        return malformed[0]
    unusual = faults.texts("unusual-ordinal")
    if unusual:
        when = unusual[0]
    elif entry.published is not None:
        when = ordinal_date(entry.published)
    elif faults.footer_date_text is not None:
        when = faults.footer_date_text
    else:
        when = next(iter(faults.texts("missing-date")), "")
    others = faults.texts("unknown-footer-field")
    fields = [when, _tags_field(entry.tags, others), *others]
    name = _as_text(entry.posted_by or "")
    # "By" and the name as the page wrote them: a name that starts with no letter needs no space after "By",
    # and a footer line is one only while its name is short (100 characters).
    by = "By" if name and not (name[0].isalnum() or name[0] == "_") else "By "
    return by + name + "|" + "|".join(fields) + "|"


# A line holding a form feed ends a page: the grouping reads what follows as a new input (lines.PAGE_BREAK).
PAGE_BREAK_LINE = "\f\n"


def _digest_entry(entry: Entry) -> str:
    """One entry as digest text; its issues say where it departs from the canonical shape, and how.

    The text of an entry reads back the same whatever entry, of whatever input,
    comes before or after it: an entry whose text ends with no footer (one cut
    off by the end of its page, one that lost its footer, one whose footer came
    first) ends its page, and one with no headline starts one. Between them,
    each entry's footer has closed the one before.
    """
    faults = _Faults(entry)
    body = _digest_body(entry, faults)
    stray = faults.texts("unexpected-text")
    footer = [_digest_footer(entry, faults)] if faults.has_footer else []
    repeats = faults.texts("duplicate-footer")
    headline = _as_line(_as_text(entry.headline))
    body = [_as_line(paragraph) for paragraph in body]
    if "footer-before-body" in faults.codes:
        before = faults.repeats_before_body
        after = repeats[len(before) :]  # the input's order: those before the body come first
        paragraphs = [headline, *footer, *before, *body, *stray, *after]
        closed = bool(after)
    else:
        paragraphs = [headline, *body, *stray, *footer, *repeats]
        closed = bool(footer)
    text = "\n\n".join(paragraphs) + "\n"
    return ("" if entry.headline else PAGE_BREAK_LINE) + text + ("" if closed else PAGE_BREAK_LINE)


def iter_digest(entries: Iterable[Entry]) -> Iterator[str]:
    """Entries written back in the canonical digest format, in pieces."""
    return Document("digest").pieces(entries)


def to_digest(entries: Iterable[Entry]) -> str:
    """Entries in the canonical digest format: parsing the result gives them back, partial ones included.

    A partial entry is written with the fault its issues record (no footer, a
    repeated footer, a date as written, ...), so that it reads back as it was.
    """
    return "".join(iter_digest(entries))


# ------------------------------------------------------------------ documents

FORMATS = ("json", "jsonl", "csv", "markdown", "digest")


class Document:
    """One output document in a format: each entry's own text, and what comes before, between and after them.

    `render` makes an entry's text and needs nothing else, so it can run where
    the entry was parsed (a worker process); `begin`, `add` and `end` put the
    texts in order into the document, wherever they were made.
    """

    def __init__(self, to: str, *, title: str | None = None, formula_guard: bool = True) -> None:
        if to not in FORMATS:
            raise ValueError(f"expected one of the formats {', '.join(FORMATS)}, found {to!r}")
        self.to = to
        self.title = title
        self.formula_guard = formula_guard
        self.count = 0  # entries added so far
        self._source: str | None = None

    def render(self, entry: Entry) -> str:
        """One entry's own text in this format."""
        if self.to == "jsonl":
            return entry.model_dump_json() + "\n"
        if self.to == "json":
            return entry.model_dump_json(indent=2).replace("\n", "\n  ")
        if self.to == "csv":
            return _csv_entry(entry, self.formula_guard)
        if self.to == "markdown":
            return _markdown_entry(entry)
        return _digest_entry(entry)

    def begin(self) -> str:
        """What comes before the first entry."""
        if self.to == "json":
            return "["
        if self.to == "csv":
            return _csv_row(FIELDS)
        if self.to == "markdown" and self.title is not None:
            return f"# {markdown_text(self.title)}\n"
        return ""

    def add(self, text: str, source: str | None) -> str:
        """What the document holds for the next entry, given its rendered text and its source."""
        first = self.count == 0
        self.count += 1
        if self.to == "json":
            return ("\n  " if first else ",\n  ") + text
        if self.to == "digest":
            return text if first else "\n" + text
        if self.to == "markdown":
            heading = ""
            if self.title is None and (first or source != self._source):
                heading = ("" if first else "\n") + f"# {markdown_text(source or DEFAULT_TITLE)}\n"
            self._source = source
            return heading + "\n" + text
        return text

    def end(self) -> str:
        """What comes after the last entry."""
        if self.to == "json":
            return "\n]\n" if self.count else "]\n"
        if self.to == "markdown" and self.title is None and self.count == 0:
            return f"# {DEFAULT_TITLE}\n"
        return ""

    def pieces(self, entries: Iterable[Entry]) -> Iterator[str]:
        """The whole document, in pieces, one entry at a time."""
        yield self.begin()
        for entry in entries:
            yield self.add(self.render(entry), entry.source)
        yield self.end()
