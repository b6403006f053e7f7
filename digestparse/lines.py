"""What a line of a digest is: its kind, the signs of a body, page breaks, where an input may be cut, drafts.

Each non-blank line is classified (a footer, a body paragraph, text) by the
grammar's own shapes, compiled from its terminals; grouping.py then groups the
lines of each entry (a headline, its body paragraphs, its footer) into the
drafts and skipped blocks defined here. Which parts a body or a footer holds is
for the grammar (syntax.py) and build.py.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from . import syntax
from .reader import Line

# A body paragraph is told from a headline by what a headline never has: a
# standalone date (the grammar's DATELINE), a final truncation marker, or the
# length of a paragraph: the longest headline of the seed's site is 120
# characters, its shortest body 260.
BODY_MIN_LENGTH = 200

# What ends a draft that has no footer when nothing else does.
END_OF_INPUT = "the end of the input"

# A line holding a form feed (the page break of plain text) and nothing else ends a
# page: the grouping reads what follows as if a new input began. to_digest writes
# one where an entry's reading needs the end of its page (export.py).
PAGE_BREAK = "\f"


class Kind(enum.Enum):
    """What a line is, for grouping."""

    BLANK = "blank"
    FOOTER = "footer"  # "By |April 23rd, 2020|tags|": it ends an entry
    BODY = "body"  # as long as a paragraph, or a standalone date, or a final truncation marker
    TEXT = "text"  # short and plain: a headline, or site text


class _Shapes(NamedTuple):
    """The grammar's shapes the classifier uses, compiled once (syntax.shape)."""

    footer: Callable[[str], re.Match[str] | None]
    year: re.Pattern[str]
    dateline: re.Pattern[str]
    markers: tuple[str, ...]  # in their case
    markers_any_case: tuple[str, ...]  # in lower case
    markers_any_case_reach: int
    caption_end: Callable[[str], re.Match[str] | None]


@cache
def _shapes() -> _Shapes:
    exact, any_case = syntax.marker_spellings()
    return _Shapes(
        footer=syntax.shape("FOOTER_LINE").match,
        year=syntax.shape("YEAR"),
        dateline=syntax.shape("DATELINE"),
        markers=exact,
        markers_any_case=any_case,
        markers_any_case_reach=max(map(len, any_case), default=0),
        caption_end=syntax.shape("CAPTION_END").search,
    )


def footer_shape() -> Callable[[str], re.Match[str] | None]:
    """The match of the grammar's FOOTER_LINE: a footer line, as the grouping tells it from other lines."""
    return _shapes().footer


def classify(line: Line) -> Kind:
    """The kind of one line (normalised text: see reader.py)."""
    text = line.text
    if not text or text.isspace():
        return Kind.BLANK
    if _shapes().footer(text) is not None:
        return Kind.FOOTER
    return Kind.BODY if is_body(text) else Kind.TEXT


def is_body(text: str) -> bool:
    """Whether a line that is neither blank nor a footer is a body paragraph."""
    return len(text) >= BODY_MIN_LENGTH or has_body_sign(text)


def has_body_sign(text: str) -> bool:
    """Whether the text holds a dateline or ends with a truncation marker: surely a body, whatever its length."""
    return has_dateline(text) or ends_with_marker(text)


def has_dateline(text: str) -> bool:
    """Whether the text holds a date that stands on its own, as a dateline does.

    The grammar's DATELINE starts with a month, which the regex engine must try
    at every character (12 us for a headline); its year is four digits, which the
    engine finds at once (0.7 us). So each YEAR found is checked for a DATELINE
    ending there: the same answer as searching for DATELINE (a test holds it).
    A dateline holds no other year than its own (its day has one or two digits),
    so the one that ends at a year starts after the year before: each stretch of
    the text is looked at once, and a text full of four-digit numbers costs time
    in proportion to its length.
    """
    shapes = _shapes()
    start = 0
    year = shapes.year.search(text)
    while year is not None:
        # One character past the year, for the dateline's own look-ahead (a space or the end).
        if shapes.dateline.search(text, start, year.end() + 1) is not None:
            return True
        start = year.end()
        year = shapes.year.search(text, start)
    return False


def ends_with_marker(text: str) -> bool:
    """Whether a truncation marker ends the text (the grammar's MARKER_ spellings, white space after them aside)."""
    shapes = _shapes()
    end = text.rstrip()
    if end.endswith(shapes.markers):
        return True
    return end[-shapes.markers_any_case_reach :].lower().endswith(shapes.markers_any_case)


def ends_like_caption(text: str) -> bool:
    """Whether text ends like a photo caption, "... Baghdad. (AFP)", or a sentence (the grammar's CAPTION_END)."""
    return _shapes().caption_end(text) is not None


def joined(paragraphs: list[Line]) -> str:
    """The text of a body's paragraphs, joined by line feeds, as the grammar reads them."""
    return "\n".join(line.text for line in paragraphs)


def cut_points(lines: Iterable[Line]) -> Iterator[Line]:
    """The lines before which an input may be cut in two, its halves grouped apart, with the same result.

    Such a line is text (a headline, or site text) whose last non-blank line
    before it is a footer. The footer has closed its entry, and text can neither
    repeat that footer nor be a body that joins it, so no entry or skipped block
    spans the cut; and the part before it ends with no text left open, so the end
    of that part is no end of the input to it. (A test holds every cut to it.)
    """
    is_footer = _shapes().footer
    after_footer = False
    for line in lines:
        text = line.text
        if not text or text.isspace():
            continue
        if is_footer(text) is not None:
            after_footer = True
            continue
        if after_footer and not is_body(text):
            yield line
        after_footer = False


# ----------------------------------------------------------------- drafts


@dataclass(slots=True)
class Draft:
    """The lines of one entry, before its parts are read."""

    headline: Line | None = None
    body: list[Line] = field(default_factory=list)
    footers: list[Line] = field(default_factory=list)
    extra: list[Line] = field(default_factory=list)  # lines between the body and the footer that fit neither
    # Every line from the draft's first to its last as grouping found them, blank ones included:
    # the text of a skipped block, if the draft turns out to be none.
    span: list[Line] = field(default_factory=list)
    ended_by: str = END_OF_INPUT  # what came where the footer should have: the next headline, other text, a page break
    footer_first: bool = False  # headline, footer, then body
    cut_off: bool = False  # the end of its page came inside its body, before the dateline

    @property
    def first(self) -> Line:
        """The entry's first line: its headline, or the earliest of its other lines."""
        if self.headline is not None:
            return self.headline
        return min((part[0] for part in (self.body, self.footers, self.extra) if part), key=_number)

    @property
    def last(self) -> Line:
        """The entry's last non-blank line (a footer may come before the body)."""
        ends = [part[-1] for part in (self.body, self.footers, self.extra) if part]
        return max(ends, key=_number) if ends else self.first


def _number(line: Line) -> int:
    return line.number


@dataclass(frozen=True, slots=True)
class Skipped:
    """A block of lines that belongs to no entry (blank lines inside it included)."""

    lines: list[Line]
