"""Small pure helpers that convert the pieces the grammar has delimited.

They never look for structure: the grammar has already said which text is a
date (and split it into month, day and year), a byline, a credit or a tag. They
clean text, turn a date's pieces into a `date`, and quote text safely for messages.
"""

from __future__ import annotations

import hashlib
import html
from datetime import date

from .text import normalise_characters

# ---------------------------------------------------------------- cleaning


def clean(text: str) -> str:
    """Decode HTML character references, fold runs of white space, strip the ends."""
    if "&" in text:
        text = normalise_characters(html.unescape(text))  # the references decoded once: "&amp;eacute;" is "&eacute;"
    elif text.isprintable() and "  " not in text:
        return text.strip()
    return " ".join(text.split())


def clean_read(text: str) -> str:
    """`clean`, sooner, for text read from the input's lines: normalised by reader.py, so its only white
    space is the plain space and the line feeds that join a body's paragraphs (a test holds it).

    Then text with no reference, no two spaces in a row and no line feed needs only stripping:
    no str.isprintable pass over it.
    """
    if "&" not in text and "  " not in text and "\n" not in text:
        return text.strip()
    return clean(text)


def clean_or_none(text: str | None) -> str | None:
    """`clean`, with empty text and no text both giving None."""
    if text is None:
        return None
    return clean(text) or None


def credit_text(paren: str) -> str | None:
    """ "(Getty)" -> "Getty"."""
    return clean_or_none(paren[1:-1])


# ---------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


class InvalidDateError(ValueError):
    """A date that names no real day ("April 31, 2020")."""


def read_date(month: str, day: str, suffix: str | None, year: str) -> tuple[date, str | None]:
    """Turn the pieces of "April 23, 2020" or "April 23rd, 2020" (syntax.date_pieces) into a date.

    Returns the date and, when the ordinal suffix is wrong, a note saying what
    was expected. Raises InvalidDateError for a day that does not exist.
    """
    number = int(day)
    try:
        value = date(int(year), _MONTHS[month[:3].lower()], number)  # every month of the grammar starts so
    except ValueError:
        raise InvalidDateError("names no real day") from None
    note = None
    if suffix is not None and suffix != ordinal_suffix(number):
        note = f"expected the ordinal {number}{ordinal_suffix(number)}, found {number}{suffix}"
    return value, note


def ordinal_suffix(day: int) -> str:
    """The English ordinal suffix of a day of the month: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    if day % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def long_date(value: date) -> str:
    """A date as a dateline writes it: "April 23, 2020"."""
    return f"{value:%B} {value.day}, {value.year:04d}"  # four digits, as the grammar's years are: "0445"


def ordinal_date(value: date) -> str:
    """A date as a footer writes it: "April 23rd, 2020"."""
    return f"{value:%B} {value.day}{ordinal_suffix(value.day)}, {value.year:04d}"


# ------------------------------------------------------------------ identity


# The version of the formula below. A database records the formula its ids were made by
# (digestparse.sinks), so that a change of it can never silently give every entry a second row.
ID_FORMULA = 1


def entry_id(headline: str, caption: str | None, excerpt: str | None, day: date | None) -> str:
    """An entry's identity: 16 hex digits of the SHA-256 of its folded name and its date.

    The name is the headline, or (no headline) the caption and the excerpt
    joined by a space; folded: case folded, white space runs made one space,
    ends stripped. The date is the footer's (published), else the dateline's,
    in ISO form; empty when there is neither. The two joined by a line feed.
    The same article on two pages, or in two crawls of one, gets the same id.
    """
    name = headline if headline else f"{caption or ''} {excerpt or ''}"
    folded = " ".join(name.casefold().split())
    return hashlib.sha256(f"{folded}\n{day.isoformat() if day else ''}".encode()).hexdigest()[:16]


# ------------------------------------------------------------------ messages


def quote(text: str, limit: int = 60) -> str:
    """Quote text for a message: cut to `limit` characters, control characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)
