"""Lines in, entry drafts and skipped blocks out: the document level of a digest.

Each non-blank line is classified (a footer, a body paragraph, text), and the
lines of each entry are grouped: a headline, its body paragraphs, its footer.
Entries end at their footer; text that belongs to no entry becomes a skipped
block. Which parts a body or a footer holds is for the grammar (syntax.py)
and build.py; what a line looks like is the grammar's too: the classifier
compiles its shapes from the grammar's own terminals.
"""

from __future__ import annotations

import enum
import itertools
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

# A line that ends like a caption is the first half of a body split in two when
# it ends with a credit, or is a sentence of at least this many words: a
# headline ending in a full stop is shorter.
CAPTION_MIN_WORDS = 8

# A headline may hold a date ("What happened on January 3, 2020"), which makes
# it look like a body; one is at most this long, and ends neither like a caption
# nor with a truncation marker. Longer, it is a paragraph of its own.
HEADLINE_MAX_LENGTH = 150


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


def classify(line: Line) -> Kind:
    """The kind of one line (normalised text: see reader.py)."""
    text = line.text
    if not text or text.isspace():
        return Kind.BLANK
    if _shapes().footer(text) is not None:
        return Kind.FOOTER
    return Kind.BODY if _is_body(text) else Kind.TEXT


def _is_body(text: str) -> bool:
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


def _looks_like_dated_headline(line: Line) -> bool:
    text = line.text.rstrip()
    return len(text) <= HEADLINE_MAX_LENGTH and not text.endswith((".", ")")) and not ends_with_marker(text)


def _looks_like_caption(line: Line) -> bool:
    text = line.text.rstrip()
    if _shapes().caption_end(text) is None:
        return False
    return text.endswith(")") or len(text.split()) >= CAPTION_MIN_WORDS


def _is_cut_off_body(body: list[Line]) -> bool:
    """Whether text with no dateline has the shape of a body up to where the input ends (grammar's cut_body)."""
    return isinstance(syntax.parse_cut_body(joined(body)), syntax.BodyParts)


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
        if after_footer and not _is_body(text):
            yield line
        after_footer = False


# A stretch of this many non-blank lines with no footer gives what is decided of
# it (group, _settle) rather than holding it all: a digest whose footers are lost
# is read in flat memory. A page has a footer every few lines.
SETTLE_LINES = 1000

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
    ended_by: str = "the end of the input"  # what came where the footer should have
    footer_first: bool = False  # headline, footer, then body
    cut_off: bool = False  # the input ended inside its body, before the dateline

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


# ---------------------------------------------------------------- grouping


def group(
    lines: Iterable[Line], *, complete: Callable[[], bool] = lambda: True, settle_at: int = SETTLE_LINES
) -> Iterator[Draft | Skipped]:
    """Group numbered lines into entry drafts and skipped blocks, in input order.

    Entries end at their footer. The text since the previous footer is split by
    `_split`; the last entry is held back until the next non-blank line shows
    whether a duplicate footer or a late body still belongs to it. A stretch
    with no footer gives what is decided of it every `settle_at` lines or so
    (`_settle`), the same items as at its end. When the lines end without being
    `complete` (reading them failed), the last entry is given and the text
    after it, cut short by the failure, is not.
    """
    is_footer = _shapes().footer
    pending: list[Line] = []  # the lines since the last footer, from the first non-blank one
    solid: list[int] = []  # the places in `pending` of the lines that are not blank
    held: Draft | None = None
    settle = settle_at  # the length of `solid` at which to give what is decided
    for line in lines:
        text = line.text
        if not text or text.isspace():
            if pending:
                pending.append(line)
            continue
        if is_footer(text) is None:
            solid.append(len(pending))
            pending.append(line)
            if len(solid) >= settle:
                settled, held, kept = _settle(pending, solid, held)
                yield from settled
                pending, solid = pending[kept:], [at - kept for at in solid if at >= kept]
                # What is kept is split again at the next try: after at least as many new lines, so linear in all.
                settle = max(settle_at, 2 * len(solid))
            continue
        if not pending:
            if held is not None:
                held.footers.append(line)  # a footer repeated
            else:
                yield Skipped([line])  # a footer with no entry before it
            continue
        items = _placed(_split(pending, solid, footer_follows=True), held)
        pending, solid, settle = [], [], settle_at
        if not items and held is not None:
            held.footers.append(line)  # the late body joined `held`: this footer repeats its own
            continue
        if held is not None:
            yield held
        last = items.pop()
        if not isinstance(last, Draft):  # pragma: no cover - _split ends with a draft when a footer follows
            raise TypeError("a footer must close an entry")
        last.footers.append(line)
        yield from items
        held = last
    yield from _rest(pending, solid, held, complete=complete())


def _settle(
    pending: list[Line], solid: list[int], held: Draft | None
) -> tuple[list[Draft | Skipped], Draft | None, int]:
    """What is decided of a long stretch with no footer yet: its items, the held entry, and where the rest starts.

    A draft whose body is dated (or marked) stays a draft whatever follows,
    and where it starts depends only on the lines before it; so the items
    before the stretch's last such draft are those the whole stretch will
    give, and the lines from that draft's headline on give the rest when split
    again. The held entry is decided too: only the stretch's first item could
    still have joined it (a late body). Gives the items (the held entry
    first), the entry still held (None), and how many lines of `pending` are
    done; when nothing is decided, (no items, `held`, 0).
    """
    items = _split(pending, solid, footer_follows=False)  # as if the lines ended here
    # The drafts _split gives, but a cut-off one, are dated or marked (_skip_unfounded).
    last = max((n for n, item in enumerate(items) if isinstance(item, Draft) and not item.cut_off), default=0)
    if last == 0:
        return [], held, 0
    kept = items[last]
    if not isinstance(kept, Draft) or kept.headline is None:  # pragma: no cover - a draft after another item has one
        raise TypeError("a dated draft after other items starts at its headline")
    decided = _placed(items[: last + 1], held)  # the last decided item ended where the kept draft starts
    return ([held] if held is not None else []) + decided[:-1], None, kept.headline.number - pending[0].number


def _rest(pending: list[Line], solid: list[int], held: Draft | None, *, complete: bool) -> Iterator[Draft | Skipped]:
    """The end of the lines: the entry held back, and what followed its footer (unless reading stopped short)."""
    items = _placed(_split(pending, solid, footer_follows=False), held) if pending and complete else []
    if held is not None:
        yield held
    yield from items


def _placed(items: list[Draft | Skipped], held: Draft | None) -> list[Draft | Skipped]:
    """The items `_split` gave, as they are given: a late body joined to the held entry, each draft's ending said."""
    items = _attach_late_body(items, held)
    _mark_endings(items)
    return items


def _mark_endings(items: list[Draft | Skipped]) -> None:
    # A draft followed by more text before any footer lost its footer: say where it ended.
    for item, after in itertools.pairwise(items):
        if isinstance(item, Draft):
            what = "the next headline" if isinstance(after, Draft) else "other text"
            first = after.first if isinstance(after, Draft) else after.lines[0]
            item.ended_by = f"{what} at line {first.number}"


def _attach_late_body(items: list[Draft | Skipped], held: Draft | None) -> list[Draft | Skipped]:
    """Join a body with no headline to the entry before it when that entry has no body.

    This is the shape "headline / footer / body": the footer came first.
    """
    first = items[0] if items else None
    if held is None or held.body or not isinstance(first, Draft) or first.headline is not None:
        return items
    held.body, held.extra, held.footer_first = first.body, held.extra + first.extra, True
    return items[1:]


def _split(lines: list[Line], solid: list[int], *, footer_follows: bool) -> list[Draft | Skipped]:
    """Split the lines between two footers into skipped blocks and entry drafts.

    `solid` holds the places in `lines` of the lines that are not blank. A run
    of body lines (Kind.BODY) is one entry's body; the line before it is its
    headline (or, when that line ends like a caption and has a headline before
    it, the first half of the body). Text before a headline is skipped. When a
    footer follows, the last draft takes it.
    """
    bodies = [_is_body(lines[i].text) for i in solid]
    items: list[Draft | Skipped] = []
    done = 0  # position in `solid` of the first line not yet placed
    k = 0
    while k < len(solid):
        if not bodies[k]:
            k += 1
            continue
        end = k
        while end < len(solid) and bodies[end]:
            end += 1
        start = k
        if start - 2 >= done and not bodies[start - 2] and _looks_like_caption(lines[solid[start - 1]]):
            start -= 1  # the line before the body is its first half; the one before that, the headline
        head = start - 1 if start - 1 >= done else None
        if head is None and end - start >= 2 and _looks_like_dated_headline(lines[solid[start]]):
            head, start = start, start + 1
        first = head if head is not None else start
        if first > done:
            items.append(Skipped(lines[solid[done] : solid[first - 1] + 1]))
        items.append(
            Draft(
                headline=lines[solid[head]] if head is not None else None,
                body=[lines[i] for i in solid[start:end]],
                span=lines[solid[first] : solid[end - 1] + 1],
            )
        )
        done = k = end
    if done < len(solid):
        _place_rest(items, lines, solid[done:], footer_follows=footer_follows)
    return _skip_unfounded(items, lines, footer_follows=footer_follows)


def _place_rest(items: list[Draft | Skipped], lines: list[Line], solid: list[int], *, footer_follows: bool) -> None:
    """Place the lines after the last body (`solid`: their indexes in `lines`, none blank)."""
    rest = [lines[i] for i in solid]
    last = items[-1] if items else None
    if not footer_follows and len(rest) >= 2 and _is_cut_off_body(rest[-1:]):
        # The input ends in a headline and the start of a short body: an entry cut off.
        if len(rest) > 2:
            items.append(Skipped(lines[solid[0] : solid[-3] + 1]))
        items.append(Draft(headline=rest[-2], body=rest[-1:], span=lines[solid[-2] : solid[-1] + 1], cut_off=True))
    elif not footer_follows:
        items.append(Skipped(lines[solid[0] : solid[-1] + 1]))
    elif isinstance(last, Draft):
        last.extra = rest
    else:
        if len(rest) > 1:
            items.append(Skipped(lines[solid[0] : solid[-2] + 1]))
        items.append(Draft(headline=rest[-1], span=[rest[-1]]))


def _skip_unfounded(items: list[Draft | Skipped], lines: list[Line], *, footer_follows: bool) -> list[Draft | Skipped]:
    """Report as skipped text a would-be entry with neither a footer nor a dated or marked body.

    An entry may lack its footer or its dateline, not both: a long paragraph of
    prose between a title and the end of the input is not an entry. The
    exception is the end of the input cutting off an entry's body (cut_body).
    """
    kept: list[Draft | Skipped] = []
    base = lines[0].number if lines else 0  # `lines` holds consecutive line numbers
    run: list[Skipped] = []  # skipped blocks in a row, which are one block: cut from `lines` once, at its end

    def end_run() -> None:
        if len(run) == 1:
            kept.append(run[0])
        elif run:
            kept.append(Skipped(lines[run[0].lines[0].number - base : run[-1].lines[-1].number - base + 1]))
        run.clear()

    for n, found in enumerate(items):
        item = found
        last_item = n == len(items) - 1
        if (
            isinstance(item, Draft)
            and not (footer_follows and last_item)
            and not item.cut_off
            and not any(has_body_sign(line.text) for line in item.body)
        ):
            if last_item and item.headline is not None and _is_cut_off_body(item.body):
                item.cut_off = True  # the input ends inside this entry's body
            else:
                item = Skipped(item.span)
        if isinstance(item, Skipped):
            run.append(item)
        else:
            end_run()
            kept.append(item)
    end_run()
    return kept
