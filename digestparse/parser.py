"""Text in, entries out: group lines into entries, name their parts, recover.

The document level lives here: which lines are a headline, a body, a footer,
and which belong to no entry. The grammar (syntax.py) names the parts inside a
body and a footer; fields.py converts the strings it delimits. Every fault
becomes a located Diagnostic on its entry, or a `skipped-text` block; under
`strict`, the first warning or error is raised as DigestParseError instead.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any

from . import codes, syntax
from .errors import DigestParseError
from .fields import (
    InvalidDateError,
    clean,
    clean_normalised,
    clean_or_none,
    credit_text,
    quote,
    read_date,
    split_names,
    split_tags,
)
from .models import Diagnostic, Digest, Entry, built
from .reader import Line, Readable, decoded_chunks, lines_of_chunks, lines_of_text, looks_like_markup

FOOTER_EXAMPLE = "'By |April 23rd, 2020|tag, tag|'"

# A footer line: "By", a short name, then a pipe. Also a footer that lost its
# pipes but still shows its ordinal date: "By April 23rd, 2020 Iraq".
_FOOTER_LINE = re.compile(
    r"""
    [ ]* by \b
    (?: [^|\n]{0,100} \|
      | [^|\n]{0,80}? [0-9]{1,2} (?:st|nd|rd|th) \b ,? [ ]+ [0-9]{4} [^|\n]{0,80} \Z
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

# A body paragraph is told from a headline by what a headline never has: a
# standalone date (the grammar's own DATELINE), a final truncation marker, or
# the length of a paragraph.
BODY_MIN_LENGTH = 200

# A paragraph that ends like a photo caption, "... Baghdad. (AFP)" or a long
# sentence ending in a full stop, is the first half of a body split in two.
_CAPTION_END = re.compile(r"(?:\([^()]{1,80}\)|[.!?][\"”’]?)[ ]*\Z")
CAPTION_MIN_WORDS = 8


@cache
def _body_signs() -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(syntax.terminal_pattern("DATELINE")), re.compile(syntax.terminal_pattern("MARKER"))


def _is_footer(line: Line) -> bool:
    return _FOOTER_LINE.match(line.text) is not None


def _is_body(line: Line) -> bool:
    return len(line.text) >= BODY_MIN_LENGTH or _has_body_sign(line)


# Two shortcuts that keep the searches below off most lines, without changing
# their answer: a dateline ends in a four-digit year standing alone, and a
# truncation marker (at most MARKER_MAX_LENGTH characters) ends the text.
_YEAR_ALONE = re.compile(r"[0-9][0-9]{3}(?!\S)")  # not [0-9]{4}: a leading class lets re skip ahead fast
MARKER_MAX_LENGTH = len("[&hellip;]")
# The last character of every truncation marker: "[...]", "…", "&hellip;", "Read more".
MARKER_ENDINGS = frozenset("]…;eE")


def _has_body_sign(line: Line) -> bool:
    dateline, marker = _body_signs()
    text = line.text
    if _YEAR_ALONE.search(text) is not None and dateline.search(text) is not None:
        return True
    end = text.rstrip()
    return end[-1:] in MARKER_ENDINGS and marker.search(end, max(0, len(end) - MARKER_MAX_LENGTH)) is not None


# A headline may hold a date ("What happened on January 3, 2020"), which makes
# it look like a body. When a run of body-like lines has no headline before it,
# its first line is the headline if it is short and ends neither like a caption
# nor with a truncation marker.
HEADLINE_MAX_LENGTH = 150


def _looks_like_dated_headline(line: Line) -> bool:
    text = line.text.rstrip()
    _, marker = _body_signs()
    return len(text) <= HEADLINE_MAX_LENGTH and not text.endswith((".", ")")) and marker.search(text) is None


def _looks_like_caption(line: Line) -> bool:
    text = line.text.rstrip()
    if _CAPTION_END.search(text) is None:
        return False
    return text.endswith(")") or len(text.split()) >= CAPTION_MIN_WORDS


def _is_cut_off_body(body: list[Line]) -> bool:
    """Whether text with no dateline has the shape of a body up to where the input ends (grammar's cut_body)."""
    return isinstance(syntax.parse_cut_body(_joined(body)), syntax.BodyParts)


def _joined(body: list[Line]) -> str:
    return body[0].text if len(body) == 1 else "\n".join(line.text for line in body)


# ----------------------------------------------------------------- grouping


@dataclass(slots=True)
class _Draft:
    """The lines of one entry, before its parts are read."""

    headline: Line | None = None
    body: list[Line] = field(default_factory=list)
    footers: list[Line] = field(default_factory=list)
    extra: list[Line] = field(default_factory=list)
    ended_by: str = "the end of the input"
    footer_first: bool = False
    cut_off: bool = False  # the input ended inside its body, before the dateline

    @property
    def lines(self) -> list[Line]:
        head = [self.headline] if self.headline is not None else []
        return head + self.body + self.footers + self.extra

    # Each list is in input order, but a footer may come before the body; so the
    # first line is the earliest of the lists' first lines, the last the latest of their last.
    # A headline comes before every other line of its entry, and a footer after
    # the body and any extra text unless it came first: the common cases, short.

    @property
    def first(self) -> Line:
        return self.headline if self.headline is not None else self._end(0, min)

    @property
    def last(self) -> Line:
        return self.footers[-1] if self.footers and not self.footer_first else self._end(-1, max)

    def _end(self, index: int, pick: Callable[..., Line]) -> Line:
        ends = [part[index] for part in (self.body, self.footers, self.extra) if part]
        if self.headline is not None:
            ends.append(self.headline)
        return pick(ends, key=_number)


def _number(line: Line) -> int:
    return line.number


@dataclass(frozen=True, slots=True)
class _Skipped:
    """A block of lines that belongs to no entry (blank lines inside it included)."""

    lines: list[Line]


def _group(lines: Iterable[Line]) -> Iterator[_Draft | _Skipped]:
    """Group numbered lines into entry drafts and skipped blocks, in input order.

    Entries end at their footer. The text since the previous footer is split by
    `_split`; the last entry is held back until the next non-blank line shows
    whether a duplicate footer or a late body still belongs to it.
    """
    pending: list[Line] = []
    solid: list[Line] = []  # the lines of `pending` that are not blank
    held: _Draft | None = None
    footer_line = _FOOTER_LINE.match
    for line in lines:
        text = line.text
        if not text or text.isspace():  # line.blank, spelt out: this loop sees every line
            if pending:
                pending.append(line)
            continue
        if footer_line(text) is None:
            pending.append(line)
            solid.append(line)
            continue
        if not pending:
            if held is not None:
                held.footers.append(line)  # a footer repeated
            else:
                yield _Skipped([line])  # a footer with no entry before it
            continue
        items = _attach_late_body(_split_before_footer(pending, solid), held)
        _mark_endings(items)
        pending = []
        solid = []
        if not items and held is not None:
            held.footers.append(line)  # the late body joined `held`: this footer repeats its own
            continue
        if held is not None:
            yield held
        last = items.pop()
        if not isinstance(last, _Draft):  # pragma: no cover - _split ends with a draft when a footer follows
            raise TypeError("a footer must close an entry")
        last.footers.append(line)
        yield from items
        held = last
    items = _attach_late_body(_split(pending, footer_follows=False), held) if pending else []
    _mark_endings(items)
    if held is not None:
        yield held
    yield from items


def _mark_endings(items: list[_Draft | _Skipped]) -> None:
    # A draft followed by more text before any footer lost its footer: say where it ended.
    if len(items) < 2:  # one draft, by far the commonest: nothing follows it
        return
    for item, after in itertools.pairwise(items):
        if isinstance(item, _Draft):
            what = "the next headline" if isinstance(after, _Draft) else "other text"
            item.ended_by = f"{what} at line {after.lines[0].number}"


def _attach_late_body(items: list[_Draft | _Skipped], held: _Draft | None) -> list[_Draft | _Skipped]:
    """Join a body with no headline to the entry before it when that entry has no body.

    This is the shape "headline / footer / body": the footer came first.
    """
    first = items[0] if items else None
    if held is None or held.body or not isinstance(first, _Draft) or first.headline is not None:
        return items
    held.body, held.extra, held.footer_first = first.body, held.extra + first.extra, True
    return items[1:]


def _split(lines: list[Line], *, footer_follows: bool) -> list[_Draft | _Skipped]:
    """Split the lines between two footers into skipped blocks and entry drafts.

    A run of body-like lines is one entry's body; the line before it is its
    headline (or, when that line ends like a caption and has a headline before
    it, the first half of the body). Text before a headline is skipped. When a
    footer follows, the last draft takes it.
    """
    while lines and lines[-1].blank:
        lines = lines[:-1]
    solid = [i for i, line in enumerate(lines) if not line.blank]
    kinds = ["B" if _is_body(lines[i]) else "T" for i in solid]
    items: list[_Draft | _Skipped] = []
    spans: dict[int, tuple[int, int]] = {}  # a draft's first and last index in `lines`
    done = 0  # position in `solid` of the first line not yet placed
    k = 0
    while k < len(solid):
        if kinds[k] != "B":
            k += 1
            continue
        end = k
        while end < len(solid) and kinds[end] == "B":
            end += 1
        start = k
        if (
            start - 2 >= done
            and kinds[start - 1] == "T"
            and kinds[start - 2] == "T"
            and _looks_like_caption(lines[solid[start - 1]])
        ):
            start -= 1
        head = start - 1 if start - 1 >= done and kinds[start - 1] == "T" else None
        if head is None and end - start >= 2 and _looks_like_dated_headline(lines[solid[start]]):
            head, start = start, start + 1
        junk_end = head if head is not None else start
        if junk_end > done:
            items.append(_Skipped(lines[solid[done] : solid[junk_end - 1] + 1]))
        draft = _Draft(
            headline=lines[solid[head]] if head is not None else None, body=[lines[i] for i in solid[start:end]]
        )
        spans[id(draft)] = (solid[start if head is None else head], solid[end - 1])
        items.append(draft)
        done = k = end
    if done < len(solid):
        _place_rest(items, lines, solid[done:], footer_follows=footer_follows)
    return _skip_unfounded(items, spans, lines, footer_follows=footer_follows)


def _place_rest(items: list[_Draft | _Skipped], lines: list[Line], solid: list[int], *, footer_follows: bool) -> None:
    """Place the lines after the last body (`solid`: their indexes in `lines`, none blank)."""
    rest = [lines[i] for i in solid]
    last = items[-1] if items else None
    if not footer_follows and len(rest) >= 2 and _is_cut_off_body(rest[-1:]):
        # The input ends in a headline and the start of a short body: an entry cut off.
        if len(rest) > 2:
            items.append(_Skipped(lines[solid[0] : solid[-3] + 1]))
        items.append(_Draft(headline=rest[-2], body=rest[-1:], cut_off=True))
    elif not footer_follows:
        items.append(_Skipped(lines[solid[0] :]))
    elif isinstance(last, _Draft):
        last.extra = rest
    else:
        if len(rest) > 1:
            items.append(_Skipped(lines[solid[0] : solid[-2] + 1]))
        items.append(_Draft(headline=rest[-1]))


def _split_before_footer(lines: list[Line], solid: list[Line]) -> list[_Draft | _Skipped]:
    """`_split` for the lines before a footer, with a shortcut for the commonest cases by far.

    A headline then a body (blank lines around them) is one draft; after lines
    that are no body (site text: "Share this:", a page's navigation), those
    lines are skipped text, unless the headline ends like a caption (then the
    headline may be the body's first half). That is what `_split` decides
    (tests/test_parser.py holds the two to the same answer); anything else goes
    the general way. `solid` holds the lines that are not blank, which _group
    has already told apart.
    """
    if len(solid) >= 2 and _is_body(solid[-1]):
        headline = solid[-2]
        if not _is_body(headline) and (
            len(solid) == 2 or (not _looks_like_caption(headline) and not any(_is_body(line) for line in solid[:-2]))
        ):
            draft = _Draft(headline, [solid[-1]])
            if len(solid) == 2:
                return [draft]
            base = lines[0].number  # `lines` holds consecutive line numbers
            return [_Skipped(lines[solid[0].number - base : solid[-3].number - base + 1]), draft]
    return _split(lines, footer_follows=True)


def _skip_unfounded(
    items: list[_Draft | _Skipped], spans: dict[int, tuple[int, int]], lines: list[Line], *, footer_follows: bool
) -> list[_Draft | _Skipped]:
    """Report as skipped text a would-be entry with neither a footer nor a dated or marked body.

    An entry may lack its footer or its dateline, not both: a long paragraph of
    prose between a title and the end of the input is not an entry.
    """
    kept: list[_Draft | _Skipped] = []
    for n, found in enumerate(items):
        item = found
        last_item = n == len(items) - 1
        footed = footer_follows and last_item
        if (
            isinstance(item, _Draft)
            and not footed
            and not item.cut_off
            and not any(_has_body_sign(line) for line in item.body)
        ):
            if last_item and item.headline is not None and _is_cut_off_body(item.body):
                item.cut_off = True  # the input ends inside this entry's body
            else:
                first, last = spans[id(item)]
                item = _Skipped(lines[first : last + 1])
        previous = kept[-1] if kept else None
        if isinstance(item, _Skipped) and isinstance(previous, _Skipped):
            # Two skipped blocks in a row are one block; `lines` holds consecutive line numbers.
            base = lines[0].number
            kept[-1] = _Skipped(lines[previous.lines[0].number - base : item.lines[-1].number - base + 1])
        else:
            kept.append(item)
    return kept


# ------------------------------------------------------------------ building


class _Issues:
    """Collects the diagnostics of one entry."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.found: list[Diagnostic] = []

    def add(self, code: str, message: str, line: Line, column: int | None = None, text: str | None = None) -> None:
        """Add a diagnostic at `line`; `text` is the input text it is about, when no field keeps it."""
        self.found.append(
            built(
                Diagnostic,
                {
                    "code": code,
                    "severity": codes.severity(code),
                    "message": message,
                    "source": self.source,
                    "line": line.number,
                    "column": line.first_column if column is None else column,
                    "end_line": line.number,
                    "text": text,
                },
            )
        )


def _place(diagnostic: Diagnostic) -> tuple[int, int]:
    return diagnostic.line, diagnostic.column


def _at(lines: list[Line], piece: syntax.Piece) -> tuple[Line, int]:
    """The input line and column of a piece of text made of `lines` joined by line feeds."""
    line = lines[piece.line - 1]
    return line, line.column(piece.column - 1)


def _as_written(lines: list[Line], first: syntax.Piece, last: syntax.Piece | None = None) -> str:
    """The user's own text of the pieces `first` to `last` (one line of `lines`), as the input has it."""
    line = lines[first.line - 1]
    end = last or first
    return line.raw_text(first.column - 1, end.column - 1 + len(end.text))


def _build(draft: _Draft, source: str | None) -> Entry:
    issues = _Issues(source)
    first = draft.first
    # Every field of the Entry, in the model's order; the readers fill in theirs,
    # and the dict becomes the entry's own (models.built).
    values: dict[str, Any] = {
        "headline": clean_normalised(draft.headline.text) if draft.headline is not None else "",
        "caption": None, "credit": None, "authors": [], "dateline": None, "excerpt": None,
        "truncated": False, "posted_by": None, "published": None, "tags": [],
        "source": source, "line": first.number, "end_line": 0, "status": "ok", "issues": issues.found,
    }  # fmt: skip
    if draft.headline is None:
        issues.add("missing-headline", "Expected a headline line before the body, found none", first)
    if draft.cut_off:
        _read_cut_off_body(draft.body, values, issues)
    elif draft.body:
        _read_body(draft.body, values, issues)
    else:
        where = draft.footers[0] if draft.footers else first
        found = "the footer" if draft.footers else draft.ended_by
        issues.add("missing-body", f"Expected a body paragraph after the headline, found {found}", where)
    if draft.footer_first:
        issues.add(
            "footer-before-body",
            "Expected the footer after the body, found it before the body",
            draft.footers[0] if draft.footers else first,
        )
    for line in draft.extra:
        issues.add(
            "unexpected-text",
            f"Expected the footer after the body, found {quote(clean(line.text))}",
            line,
            text=line.raw,
        )
    if draft.footers:
        _read_footer(draft.footers[0], values, issues)
        for repeat in draft.footers[1:]:
            same = "the same footer" if clean(repeat.text) == clean(draft.footers[0].text) else "another footer"
            issues.add(
                "duplicate-footer",
                f"Expected one footer for this entry, found {same} again (first at line {draft.footers[0].number})",
                repeat,
                text=repeat.raw,
            )
    elif not draft.cut_off:
        last = draft.last
        issues.add(
            "missing-footer",
            f"Expected a footer line like {FOOTER_EXAMPLE} after line {last.number}, found {draft.ended_by}",
            last,
            column=last.column(len(last.text.rstrip())),
        )
    values["end_line"] = draft.last.number
    diagnostics = issues.found
    if diagnostics:
        diagnostics.sort(key=_place)
        if any(d.is_problem for d in diagnostics):
            values["status"] = "partial"
    return built(Entry, values)


def _read_parts(parts: syntax.BodyParts, values: dict[str, Any]) -> None:
    """The caption, credit, byline, excerpt and marker of a body the grammar has read."""
    # Each part read in place, with no helper call per part: this runs for every entry.
    # Lines are normalised text (reader.py), so clean_normalised gives what clean would.
    caption, credit, byline, excerpt = parts.caption, parts.credit, parts.byline, parts.excerpt
    values["caption"] = (clean_normalised(caption.text) or None) if caption is not None else None
    values["credit"] = credit_text(credit.text) if credit is not None else None
    values["authors"] = split_names(byline.text) if byline is not None else []
    values["excerpt"] = (clean_normalised(excerpt.text) or None) if excerpt is not None else None
    values["truncated"] = parts.marker is not None


def _read_body(body: list[Line], values: dict[str, Any], issues: _Issues) -> None:
    text = _joined(body)
    parts = syntax.parse_body(text)
    if isinstance(parts, syntax.SyntaxProblem):
        line = body[parts.line - 1]
        issues.add(
            "unreadable-body",
            f"Expected {parts.expected} in the body, found {quote(parts.found)}",
            line,
            line.column(parts.column - 1),
        )
        values["excerpt"] = clean_or_none(text)
        return
    _read_parts(parts, values)
    if parts.dateline is None:
        issues.add("missing-dateline", "Expected a dateline like 'April 23, 2020' in the body, found none", body[0])
        return
    values["dateline"] = _date(parts.dateline, body, issues, "dateline")
    # A later paragraph that is a whole body of its own (it has a dateline) is a
    # second body; its text stays in the excerpt. Reported once, at the first.
    dateline_paragraph = parts.dateline.line
    for line in body[dateline_paragraph:]:
        again = syntax.parse_body(line.text)
        if isinstance(again, syntax.BodyParts) and again.dateline is not None:
            issues.add(
                "extra-body",
                f"Expected one body paragraph with a dateline, found a second one: {quote(clean(line.text))}",
                line,
                text=line.raw,
            )
            return


def _read_cut_off_body(body: list[Line], values: dict[str, Any], issues: _Issues) -> None:
    parts = syntax.parse_cut_body(_joined(body))
    if isinstance(parts, syntax.BodyParts):  # the grouping only cuts off bodies of this shape
        _read_parts(parts, values)
    last = body[-1]
    end = len(last.text.rstrip())
    word = last.text[:end].rsplit(" ", 1)[-1]
    issues.add(
        "cut-off-entry",
        f"Expected the body to go on to its dateline and the entry to end with a footer, "
        f"found the end of the input after {quote(word)}",
        last,
        column=last.column(end),
    )


def _date(piece: syntax.Piece, lines: list[Line], issues: _Issues, what: str) -> Any:
    try:
        value, note = read_date(piece.text)
    except InvalidDateError as problem:
        issues.add(
            "invalid-date",
            f"Expected a real date in the {what}: {problem}",
            *_at(lines, piece),
            text=_as_written(lines, piece),
        )
        return None
    if note is not None:
        issues.add("unusual-ordinal", f"In the {what}: {note}", *_at(lines, piece), text=_as_written(lines, piece))
    return value


def _read_footer(footer: Line, values: dict[str, Any], issues: _Issues) -> None:
    parts = syntax.parse_footer(footer.text)
    if isinstance(parts, syntax.SyntaxProblem):
        issues.add(
            "malformed-footer",
            f"Expected {parts.expected} in the footer, found {quote(parts.found)}",
            footer,
            footer.column(parts.column - 1),
            text=footer.raw,
        )
        return
    if parts.posted_by is not None:  # mostly absent: "By |"
        values["posted_by"] = clean_normalised(parts.posted_by.text) or None
    if not parts.fields:
        issues.add(
            "malformed-footer",
            f"Expected '|' between the footer's fields, like {FOOTER_EXAMPLE}, found {quote(clean(footer.text))}",
            footer,
            text=footer.raw,
        )
        return
    date_field, *others = parts.fields
    _read_footer_date(date_field, footer, values, issues)
    tags: list[str] = []
    plain_seen = False
    for tokens in others:
        if not tokens:  # an empty field: the one after the last '|', mostly
            continue
        if len(tokens) == 1 and tokens[0].type == "FIELD_TEXT" and not plain_seen:  # the common case, first
            plain_seen = True
            tags += split_tags(tokens[0].text)
            continue
        kinds = [token.type for token in tokens]
        if kinds[0] == "LABEL":
            tags += split_tags(tokens[1].text) if len(tokens) > 1 else []
        elif kinds != ["COMMENTS"]:
            text = " ".join(token.text for token in tokens)
            issues.add(
                "unknown-footer-field",
                f"Expected tags or a comment count in the footer, found {quote(text)}; kept out of the tags",
                footer,
                _at([footer], tokens[0])[1],
                text=_as_written([footer], tokens[0], tokens[-1]),
            )
    values["tags"] = tags


def _read_footer_date(tokens: list[syntax.Piece], footer: Line, values: dict[str, Any], issues: _Issues) -> None:
    dates = [token for token in tokens if token.type == "FOOTER_DATE"]
    if dates:
        values["published"] = _date(dates[0], [footer], issues, "footer date")
        return
    found = quote(" ".join(token.text for token in tokens)) if tokens else "an empty field"
    column = _at([footer], tokens[0])[1] if tokens else None
    issues.add(
        "missing-date",
        f"Expected a date like 'April 23rd, 2020' after the footer's first '|', found {found}",
        footer,
        column,
        text=_as_written([footer], tokens[0], tokens[-1]) if tokens else "",
    )


def _skipped(block: _Skipped, source: str | None) -> Diagnostic:
    solid = [line for line in block.lines if not line.blank]
    first, last = solid[0], solid[-1]
    text = "\n".join(line.raw for line in block.lines)
    what = "a footer with no entry before it" if _is_footer(first) and len(solid) == 1 else "text in no entry"
    span = f"line {first.number}" if first is last else f"lines {first.number}-{last.number}"
    return built(
        Diagnostic,
        {
            "code": "skipped-text",
            "severity": "warning",
            "message": f"Expected a headline, a body and a footer; found {what} ({span}): {quote(clean(first.text))}",
            "source": source,
            "line": first.number,
            "column": first.first_column,
            "end_line": last.number,
            "text": text,
        },
    )


# ------------------------------------------------------------------- the API

# An input whose first non-blank lines (this many at most) look like markup is not a digest.
SNIFF_LINES = 20


def events(
    lines: Iterable[Line], source: str | None, strict: bool = False, allow: Collection[str] = ()
) -> Iterator[Entry | Diagnostic]:
    """Entries and skipped-text diagnostics, in input order, one at a time.

    Under `strict`, the first warning or error whose code is not in `allow` raises DigestParseError.
    """
    stream = iter(lines)
    head: list[Line] = []
    solid: list[Line] = []
    for line in stream:
        head.append(line)
        if not line.blank:
            solid.append(line)
            if len(solid) == SNIFF_LINES:
                break
    markup = looks_like_markup([line.text for line in solid])
    if markup is not None:
        yield _not_a_digest(markup, solid, stream, source=source, strict=strict, allow=allow)
        return
    for item in _group(itertools.chain(head, stream)):
        if isinstance(item, _Draft):
            entry = _build(item, source)
            if strict:
                _raise_first_problem(entry.issues, allow)
            yield entry
        else:
            diagnostic = _skipped(item, source)
            if strict:
                _raise_first_problem([diagnostic], allow)
            yield diagnostic


def _not_a_digest(
    markup: str, solid: list[Line], rest: Iterator[Line], *, source: str | None, strict: bool, allow: Collection[str]
) -> Diagnostic:
    """One error for an input that is markup, spanning all of it."""
    first = solid[0]
    diagnostic = built(
        Diagnostic,
        {
            "code": "not-a-digest",
            "severity": codes.severity("not-a-digest"),
            "message": f"Expected digest text, found markup: the input looks like {markup} "
            f"(it starts with {quote(clean(first.text))}); flatten the page to text first",
            "source": source,
            "line": first.number,
            "column": first.first_column,
            "end_line": first.number,
            "text": None,
        },
    )
    if strict:
        _raise_first_problem([diagnostic], allow)
    last = solid[-1]
    for line in rest:  # read to the end, for the span
        if not line.blank:
            last = line
    return diagnostic.model_copy(update={"end_line": last.number})


def _raise_first_problem(diagnostics: list[Diagnostic], allow: Collection[str]) -> None:
    for diagnostic in diagnostics:
        if diagnostic.is_problem and diagnostic.code not in allow:
            raise DigestParseError(
                diagnostic.message,
                diagnostic.line,
                diagnostic.column,
                source=diagnostic.source,
                code=diagnostic.code,
            )


def collect(stream: Iterable[Entry | Diagnostic], source: str | None) -> Digest:
    """Gather a stream of events into a Digest, diagnostics in input order."""
    entries: list[Entry] = []
    diagnostics: list[Diagnostic] = []
    for event in stream:
        if isinstance(event, Entry):
            entries.append(event)
            diagnostics += event.issues
        else:
            diagnostics.append(event)
    return Digest(source=source, entries=entries, diagnostics=diagnostics)


def parse(text: str | bytes, source: str | None = None, strict: bool = False, *, allow: Collection[str] = ()) -> Digest:
    """Parse a digest held in a string (bytes are read as UTF-8)."""
    if isinstance(text, bytes | bytearray):
        return collect(stream_events(io.BytesIO(bytes(text)), strict=strict, allow=allow, source=source), source)
    if not isinstance(text, str):
        raise TypeError(f"parse() takes a str, not {type(text).__name__}")
    return collect(events(lines_of_text(text), source, strict, allow), source)


BinaryInput = str | os.PathLike[str] | IO[bytes] | Readable


def parse_file(
    file: BinaryInput,
    strict: bool = False,
    *,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    source: str | None = None,
) -> Digest:
    """Parse a digest file, given by path or as an open binary file.

    A file that cannot be opened or read raises the OSError that `open` raises.
    """
    name = _source_name(file, source)
    return collect(stream_events(file, strict=strict, allow=allow, encoding=encoding, source=name), name)


def iter_entries(
    file: BinaryInput,
    strict: bool = False,
    *,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    source: str | None = None,
    on_diagnostic: Callable[[Diagnostic], object] | None = None,
) -> Iterator[Entry]:
    """Yield a file's entries one at a time, holding only the current entry in memory.

    Skipped text, which belongs to no entry, goes to `on_diagnostic` when given.
    """
    name = _source_name(file, source)
    for event in stream_events(file, strict=strict, allow=allow, encoding=encoding, source=name):
        if isinstance(event, Entry):
            yield event
        elif on_diagnostic is not None:
            on_diagnostic(event)


def stream_events(
    file: BinaryInput,
    *,
    strict: bool = False,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    source: str | None = None,
    on_read: Callable[[int], object] | None = None,
) -> Iterator[Entry | Diagnostic]:
    """Entries and skipped-text diagnostics of a file, streamed; a file opened here is closed at the end.

    `on_read`, when given, hears how many bytes each read brought (for a progress bar).
    A file that cannot be opened or read raises OSError, as `open` does.
    """
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as handle:
            yield from _stream(_counted(handle, on_read), strict, allow, encoding, source)
    else:
        yield from _stream(_counted(file, on_read), strict, allow, encoding, source)


def _stream(
    handle: IO[bytes] | Readable, strict: bool, allow: Collection[str], encoding: str, source: str | None
) -> Iterator[Entry | Diagnostic]:
    yield from events(lines_of_chunks(decoded_chunks(handle, encoding, source), source), source, strict, allow)


def _source_name(file: BinaryInput, source: str | None) -> str | None:
    if source is not None:
        return source
    if isinstance(file, str | os.PathLike):
        return os.fsdecode(file)
    name = getattr(file, "name", None)
    return name if isinstance(name, str) else None


def _counted(handle: IO[bytes] | Readable, on_read: Callable[[int], object] | None) -> IO[bytes] | Readable:
    return handle if on_read is None else _Counting(handle, on_read)


class _Counting:
    """A binary input that reports the size of each read."""

    def __init__(self, handle: IO[bytes] | Readable, on_read: Callable[[int], object]) -> None:
        self._handle = handle
        self._on_read = on_read

    def read(self, size: int = -1, /) -> bytes | str:
        block = self._handle.read(size)
        self._on_read(len(block))
        return block
