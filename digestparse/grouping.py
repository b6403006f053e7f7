"""Lines in, entry drafts and skipped blocks out: which lines make an entry.

The lines of each entry are grouped: a headline, its body paragraphs, its
footer (lines.py tells what each line is). Entries end at their footer; text
that belongs to no entry becomes a skipped block. A page ends at the end of the
input or at a page break, and its end is where an entry may be cut off
(`_skip_unfounded`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

from . import syntax
from .lines import (
    END_OF_INPUT,
    PAGE_BREAK,
    Draft,
    Skipped,
    ends_like_caption,
    ends_with_marker,
    footer_shape,
    has_body_sign,
    is_body,
    joined,
)
from .reader import Line

# A line that ends like a caption is the first half of a body split in two when
# it ends with a credit, or is a sentence of at least this many words: a
# headline ending in a full stop is shorter.
CAPTION_MIN_WORDS = 8

# A headline may hold a date ("What happened on January 3, 2020"), which makes
# it look like a body; one is at most this long, and ends neither like a caption
# nor with a truncation marker. Longer, it is a paragraph of its own.
HEADLINE_MAX_LENGTH = 150

# A stretch of this many non-blank lines with no footer gives what is decided of
# it (group, _settle) rather than holding it all: a digest whose footers are lost
# is read in flat memory. A page has a footer every few lines.
SETTLE_LINES = 1000


def _looks_like_dated_headline(line: Line) -> bool:
    text = line.text.rstrip()
    return len(text) <= HEADLINE_MAX_LENGTH and not text.endswith((".", ")")) and not ends_with_marker(text)


def _looks_like_caption(line: Line) -> bool:
    text = line.text.rstrip()
    if not ends_like_caption(text):
        return False
    return text.endswith(")") or len(text.split()) >= CAPTION_MIN_WORDS


def _is_cut_off_body(body: list[Line], *, after_text: bool) -> bool:
    """Whether text with no dateline has the shape of a body up to where its page ends (the grammar's cut_body).

    A caption alone, broken off before any credit, byline or dateline, has that
    shape only right after the page's last entry: after `other text`, such as
    "Share this:" or a list of links, it is more of that text.
    """
    parts = syntax.body_or_none(joined(body), "cut_body")
    if parts is None:
        return False
    alone = parts.caption is not None and parts.caption.type == "CAPTION_SO_FAR"
    return not (alone and after_text)


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
    is_footer = footer_shape()
    pending: list[Line] = []  # the lines since the last footer, from the first non-blank one
    solid: list[int] = []  # the places in `pending` of the lines that are not blank
    held: Draft | None = None
    settle = settle_at  # the length of `solid` at which to give what is decided
    for line in lines:
        text = line.text
        if not text or text.isspace():
            if PAGE_BREAK in line.raw:  # a blank line with a form feed, a page break: the page ends, as an input does
                yield from _rest(pending, solid, held, complete=True, ended_by=f"the page break at line {line.number}")
                pending, solid, held, settle = [], [], None, settle_at
            elif pending:
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


def _rest(
    pending: list[Line], solid: list[int], held: Draft | None, *, complete: bool, ended_by: str = END_OF_INPUT
) -> Iterator[Draft | Skipped]:
    """The end of a page: the entry held back, and what followed its footer (unless reading stopped short)."""
    items = _placed(_split(pending, solid, footer_follows=False), held) if pending and complete else []
    if items and isinstance(items[-1], Draft):
        items[-1].ended_by = ended_by
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
    bodies = [is_body(lines[i].text) for i in solid]
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
    if not footer_follows and len(rest) < 2:
        items.append(Skipped(lines[solid[0] : solid[-1] + 1]))
    elif not footer_follows:
        # The page ends: its last two lines may be a headline and the start of a body that
        # the end cut off, which _skip_unfounded decides; what is before them is skipped.
        if len(rest) > 2:
            items.append(Skipped(lines[solid[0] : solid[-3] + 1]))
        items.append(Draft(headline=rest[-2], body=rest[-1:], span=lines[solid[-2] : solid[-1] + 1]))
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
    exception is the end of a page cutting off its last entry's body (cut_body).
    """
    if footer_follows and len(items) == 1:
        return items  # the one draft, which the footer closes (the check below never looks at that one)
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
            and not any(has_body_sign(line.text) for line in item.body)
        ):
            if last_item and item.headline is not None and _is_cut_off_body(item.body, after_text=bool(run)):
                item.cut_off = True  # the page ends inside this entry's body
            else:
                item = Skipped(item.span)
        if isinstance(item, Skipped):
            run.append(item)
        else:
            end_run()
            kept.append(item)
    end_run()
    return kept
