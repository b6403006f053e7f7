"""Hypothesis strategies for digests: well-formed entries with their truth, and hostile text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import strategies as st

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept.", "Oct", "Nov", "Dec"]

# Words that can never form a date, a byline keyword or a marker on their own.
WORDS = st.sampled_from(
    ["the", "a", "militia", "border", "talks", "power", "grid", "oil", "port", "aid", "convoy", "minister", "said",
     "on", "after", "into", "with", "over", "rockets", "protest", "budget", "crossing", "water", "farmers",
     "drought", "strike", "and", "of", "in", "to", "for", "north", "south"]
)  # fmt: skip
NAMES = st.sampled_from(
    ["Nick", "Givas", "Jennifer", "Griffin", "Alissa", "J.", "Rubin", "Falih", "Hassan", "Caleb", "Weiss", "Zoë",
     "O'Neil", "Jean-Pierre", "Hamdi", "Malik", "Salam", "Faraj", "Track", "Persia", "Karwan", "Faidhi", "Sune"]
)  # fmt: skip
MARKERS = ["[...]", "[…]", "…", "[&hellip;]", "Read More", "… Read More"]


def sentence(min_words: int = 1, max_words: int = 12) -> st.SearchStrategy[str]:
    """Lower-case words joined by spaces."""
    return st.lists(WORDS, min_size=min_words, max_size=max_words).map(" ".join)


def documented_id(headline: str, caption: str | None, excerpt: str | None, day: date | None) -> str:
    """An entry's id as docs/format.md defines it, written again here from the words, not from the code."""
    name = headline if headline else f"{caption or ''} {excerpt or ''}"
    text = " ".join(name.casefold().split()) + "\n" + (day.isoformat() if day else "")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Truth:
    """What an entry must parse to, and the lines it is written on."""

    fields: dict[str, Any]
    lines: list[str]


def _long_date(day: date, short: bool, padded: bool) -> str:
    month = SHORT_MONTHS[day.month - 1] if short else MONTHS[day.month - 1]
    return f"{month} {day.day:02d}, {day.year}" if padded else f"{month} {day.day}, {day.year}"


def _ordinal(day: date) -> str:
    n = day.day
    suffix = "th" if n in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{MONTHS[day.month - 1]} {n}{suffix}, {day.year}"


def _byline(names: list[str], style: int) -> str:
    if len(names) == 1:
        return f"By {names[0]}"
    if len(names) == 2:
        return f"By {names[0]} {'&' if style else 'and'} {names[1]}"
    comma = "," if style else ""
    return f"By {', '.join(names[:-1])}{comma} and {names[-1]}"


@st.composite
def entries(draw: st.DrawFn) -> Truth:
    """A well-formed entry, in one of the shapes real digests use, with the fields it must give."""
    headline = draw(sentence(2, 10)).capitalize()
    caption = draw(st.none() | sentence(3, 15).map(lambda s: s.capitalize() + "."))
    credit = draw(st.none() | st.sampled_from(["Getty", "REUTERS", "Social Media", "Flash90", "AFP", "Supplied"]))
    authors = draw(st.lists(st.lists(NAMES, min_size=1, max_size=3).map(" ".join), max_size=3))
    dateline = draw(st.dates(date(1990, 1, 1), date(2035, 12, 31)))
    # Some bylines come after the dateline; their excerpt then begins a sentence ("The ...") as a name never does.
    late = bool(authors) and draw(st.booleans())
    excerpt = draw(st.none() | (sentence(1, 20).map("The ".__add__) if late else sentence(1, 20).map(str.capitalize)))
    marker = draw(st.none() | st.sampled_from(MARKERS))
    posted_by = draw(st.none() | st.sampled_from(["admin", "Karwan Faidhi", "Editor"]))
    published = draw(st.dates(date(1990, 1, 1), date(2035, 12, 31)))
    tags = draw(st.lists(st.sampled_from(["Iraq", "Iran", "North America", "USA", "Lebanon", "Oil"]), max_size=4))
    byline = _byline(authors, draw(st.integers(0, 1))) if authors else None
    when = _long_date(dateline, draw(st.booleans()), draw(st.booleans()))
    parts = [caption, f"({credit})" if credit else None, *([when, byline] if late else [byline, when]), excerpt, marker]
    body = " ".join(part for part in parts if part)
    extra = draw(st.sampled_from(["", "|0 Comments", "|1 Comment"]))
    footer = f"By {posted_by or ''}|{_ordinal(published)}|{', '.join(tags)}|{extra}"
    fields = {
        "id": documented_id(headline, caption, excerpt, published), "headline": headline, "caption": caption,
        "credit": credit, "authors": authors, "dateline": dateline, "excerpt": excerpt,
        "truncated": marker is not None, "posted_by": posted_by, "published": published,
        "tags": tags, "status": "ok", "issues": [],
    }  # fmt: skip
    return Truth(fields, [headline, "", body, "", footer])


JUNK = st.sampled_from(["Share this:", "Related Posts", "Advertisement", "Load More Posts", "Home | About",
                        "1 2 3 Next", "Twitter Facebook", "Categories", "Search this site"])  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[Truth]]:
    """Several well-formed entries, separated by blank lines, with LF or CRLF line ends."""
    truths = draw(st.lists(entries(), min_size=1, max_size=5))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines: list[str] = []
    for truth in truths:
        lines += [*truth.lines, ""]
    return newline.join(lines), truths


def digest_lines() -> st.SearchStrategy[str]:
    """Lines of every kind a digest holds, well-formed or broken."""
    return st.one_of(
        sentence(1, 8),
        JUNK,
        entries().map(lambda truth: truth.lines[0]),
        entries().map(lambda truth: truth.lines[2]),
        entries().map(lambda truth: truth.lines[4]),
        st.sampled_from(
            [
                "By |||",
                "By ",
                "By |April 31st, 2020|x|",
                "(Getty) April 3, 2020",
                "[...]",
                "April 3, 2020",
                "By A and B April 3, 2020",
                "((((",
                "By |2022-04-01T10:15:00+00:00",
                "\ufeffx",
                "",
            ]
        ),
        st.text(max_size=40),
    )


def hostile_text() -> st.SearchStrategy[str]:
    """Any text: digest-like lines glued with every kind of line break, or arbitrary characters."""
    breaks = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\u2028", "\x0c", "\x0b", "\x85", "\u2029"])
    glued = st.lists(st.tuples(digest_lines(), breaks), max_size=12).map(
        lambda pairs: "".join(line + brk for line, brk in pairs)
    )
    anything = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200)
    return st.one_of(glued, anything)


# One way to break one entry of a well-formed digest, the code its entry must then carry, and how:
# each takes the entry's lines [headline, "", body, "", footer] and gives the broken ones.
_DATE_IN_BODY = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? [0-9]{1,2}, [0-9]{4}")
SECOND_BODY = "Trucks wait at the crossing. (UN) March 9, 2021 The first convoy crossed on Tuesday [...]"
BREAKAGES: dict[str, tuple[str, Callable[[list[str]], list[str]]]] = {
    "drop its footer": ("missing-footer", lambda lines: lines[:3]),
    "repeat its footer": ("duplicate-footer", lambda lines: [*lines, "", lines[4]]),
    "drop its body": ("missing-body", lambda lines: [lines[0], "", lines[4]]),
    "drop its headline": ("missing-headline", lambda lines: lines[2:]),
    "put its footer first": ("footer-before-body", lambda lines: [lines[0], "", lines[4], "", lines[2]]),
    "give it a second body": ("extra-body", lambda lines: [*lines[:3], "", SECOND_BODY, "", lines[4]]),
    "put a stray line before its footer": ("unexpected-text", lambda lines: [*lines[:4], "Share this:", "",
                                                                            lines[4]]),
    "break its dateline": ("invalid-date", lambda lines: [*lines[:2], _DATE_IN_BODY.sub("April 31, 2020", lines[2],
                                                                                        count=1), *lines[3:]]),
    "break its footer date": ("invalid-date", lambda lines: [*lines[:4], "By |February 30th, 2021|Iraq|"]),
    "empty its footer date": ("missing-date", lambda lines: [*lines[:4], "By ||Iraq, Iran|"]),
    "take its footer's pipes": ("malformed-footer", lambda lines: [*lines[:4], "By April 3rd, 2020 Iraq"]),
    "misspell its ordinal": ("unusual-ordinal", lambda lines: [*lines[:4], "By |April 1th, 2022|Iraq|"]),
    "add a footer field": ("unknown-footer-field", lambda lines: [*lines[:4], "By |April 3rd, 2020|Iraq|Featured|"]),
    "take its dateline": ("missing-dateline", lambda lines: [*lines[:2], "No date in this body, only a marker [...]",
                                                             *lines[3:]]),
    "guess its byline's end": ("uncertain-byline", lambda lines: [*lines[:2], "Trucks wait. (UN) March 9, 2021 By Ann "
                                                                  "Lee Iran said on Tuesday [...]", *lines[3:]]),
}  # fmt: skip
# How the end of a page cuts its last entry off, after "A photo of the scene. ", and the code the entry then carries.
CUT_ENDS = {
    "(AFP) Dece": "cut-off-entry",
    "(AFP) December 12": "cut-off-entry",
    "(WT) By Florencia Monta": "cut-off-entry",
    "(REUTERS) Se": "cut-off-entry",
    "(Getty) By Ann Lee and Bo Kim April 3": "cut-off-entry",
    "Soldiers stand guard at the crossing near the town of": "cut-off-entry",  # inside the caption
    "Soldiers stand guard after the attempt, Nov 8, 2021": "missing-dateline",  # the date may be the caption's
}


@st.composite
def broken_documents(draw: st.DrawFn) -> tuple[str, int, str]:
    """A digest of well-formed entries, one of them broken; with that entry's index and the code it must carry."""
    truths = draw(st.lists(entries(), min_size=1, max_size=4))
    target = draw(st.integers(0, len(truths) - 1))
    blocks = [list(truth.lines) for truth in truths]
    how = draw(st.sampled_from([*BREAKAGES, "cut it off"]))
    if how == "cut it off":  # the end of the input cuts the last entry off before its dateline
        target = len(blocks) - 1
        end = draw(st.sampled_from(sorted(CUT_ENDS)))
        blocks[target] = [blocks[target][0], "", "A photo of the scene. " + end]
        code = CUT_ENDS[end]
    else:
        code, breaking = BREAKAGES[how]
        blocks[target] = breaking(blocks[target])
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(newline.join(block) + newline for block in blocks), target, code


@st.composite
def inputs(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Several inputs, as (source, text): well-formed digests and broken ones, the end of a page cutting some off."""
    texts = st.one_of(documents().map(lambda document: document[0]), broken_documents().map(lambda broken: broken[0]))
    return [(f"page-{n}.txt", text) for n, text in enumerate(draw(st.lists(texts, min_size=2, max_size=4)))]
