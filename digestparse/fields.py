"""Small pure helpers that convert the strings the grammar has delimited.

They never look for structure: the grammar has already said which text is a
date, a byline, a credit or a list of tags. They clean text, turn a date string
into a `date`, a byline into names, a tag field into tags, and quote text
safely for messages.
"""

from __future__ import annotations

import html
import re
from datetime import date
from functools import lru_cache

# ---------------------------------------------------------------- characters

# Zero-width and bidirectional formatting characters: invisible, and never part
# of a field's meaning. U+00AD is the soft hyphen.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff" + "".join(
    chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)

# White space other than the plain space that scraped text carries: tab, vertical
# tab, form feed, NEL, NBSP, the typographic spaces, line and paragraph
# separators. None of them breaks a line for structure.
SPACES = "\t\x0b\x0c\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))

# Control characters (C0 but tab, line feed and carriage return; DEL; C1 but
# NEL) and lone surrogates become U+FFFD: kept out of structure, visible in fields.
REPLACED = "".join(
    chr(c) for c in [*range(0x09), *range(0x0E, 0x20), *range(0x7F, 0x85), *range(0x86, 0xA0)]
) + "".join(chr(c) for c in range(0xD800, 0xE000))

_REPLACEMENT = {
    **dict.fromkeys(INVISIBLE, ""),
    **dict.fromkeys(SPACES, " "),
    **dict.fromkeys(REPLACED, "�"),
}
_TO_REPLACE = re.compile("[" + re.escape("".join(_REPLACEMENT)) + "]")


def _replace(found: re.Match[str]) -> str:
    return _REPLACEMENT[found.group()]


def normalise(text: str) -> str:
    """Map every kind of space to " ", drop invisible characters, replace controls."""
    # Every character above is unprintable (tests/test_fields.py checks it), so
    # printable text, most of it, is already normal: a test in C. Otherwise a
    # regex finds the few characters to replace (str.translate with a table this
    # large looks up every character of the line: four times slower).
    if text.isprintable():
        return text
    return _TO_REPLACE.sub(_replace, text)


def clean(text: str) -> str:
    """Decode HTML character references, fold runs of white space, strip the ends."""
    if "&" in text:
        text = normalise(html.unescape(text))
    elif text.isprintable() and "  " not in text:
        # Most fields: a printable text's only white space is the plain space (every
        # other kind is unprintable), here never two in a row, so only the ends may
        # need trimming (strip returns the text itself when they do not).
        return text.strip()
    return " ".join(text.split())


def clean_normalised(text: str) -> str:
    """`clean` for text that `normalise` has made (every line digestparse reads), perhaps joined by line feeds.

    The same result without a second look at every character: in such text the
    only white space is the plain space and the line feed that joins two
    paragraphs (every other kind became a space, a control character U+FFFD).
    """
    if "&" in text:
        return clean(text)
    if "  " in text or "\n" in text:
        return " ".join(text.split())
    return text.strip()


def clean_or_none(text: str | None) -> str | None:
    """`clean`, with empty text and no text both giving None."""
    if text is None:
        return None
    return clean(text) or None


# ---------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

# A date string already delimited by the grammar: month word, optional dot,
# day with an optional ordinal suffix, optional comma, four-digit year.
_DATE_PARTS = re.compile(
    r"""
    (?P<month> [A-Za-z]+ ) \.? [ ]+
    (?P<day> [0-9]{1,2} ) (?P<suffix> [A-Za-z]{2} )? ,? [ ]+
    (?P<year> [0-9]{4} )
    """,
    re.VERBOSE,
)


class InvalidDateError(ValueError):
    """A date string that names no real day ("April 31, 2020")."""


# A digest repeats its dates (a day's entries, the dateline and the footer), so
# read_date remembers the last few thousand; its results are immutable.
@lru_cache(maxsize=4096)
def read_date(text: str) -> tuple[date, str | None]:
    """Turn "April 23, 2020" or "April 23rd, 2020" into a date.

    Returns the date and, when the ordinal suffix is missing or wrong, a note
    saying what was expected. Raises InvalidDateError for a day that does not exist.
    """
    parts = _DATE_PARTS.fullmatch(text) or _DATE_PARTS.fullmatch(clean(text))
    if parts is None:
        raise InvalidDateError(f"expected a date like 'April 23, 2020', found {quote(text)}")
    month = _MONTHS.get(parts["month"][:3].lower())
    if month is None:
        raise InvalidDateError(f"expected a month name, found {quote(parts['month'])}")
    day, year = int(parts["day"]), int(parts["year"])
    try:
        value = date(year, month, day)
    except ValueError:
        raise InvalidDateError(f"{quote(clean(text))} names no real day") from None
    suffix = parts["suffix"]
    note = None
    if suffix is not None and suffix != ordinal_suffix(day):
        note = f"expected the ordinal {day}{ordinal_suffix(day)}, found {day}{suffix}"
    return value, note


def ordinal_suffix(day: int) -> str:
    """The English ordinal suffix of a day of the month: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    if day % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


# -------------------------------------------------------------- names, tags

_BY_PREFIX = re.compile(r"[Bb]y\s+")
# Between two names: a comma (possibly with "and"), "and", or "&".
_NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")


def split_names(byline: str) -> list[str]:
    """ "By A, B, and C" -> ["A", "B", "C"]; an organisation stays one name."""
    # After clean() the only white space is a single space, so the grammar's
    # "By " or "by " is three characters, and a text without ",", "&" or " and "
    # has no separator: one name, the common byline (half the time of the split).
    text = clean(byline)
    rest = text[3:] if text.startswith(("By ", "by ")) else _BY_PREFIX.sub("", text, count=1)
    if "," not in rest and "&" not in rest and " and " not in rest:
        return [rest] if rest else []
    return [name for name in (n.strip() for n in _NAME_SEPARATOR.split(rest)) if name]


def split_tags(field: str) -> list[str]:
    """ "Iraq, North America, USA" -> three tags; empty items dropped, duplicates kept."""
    return [tag for tag in (clean(t) for t in field.split(",")) if tag]


def credit_text(paren: str) -> str | None:
    """ "(Getty)" -> "Getty"."""
    return clean_or_none(paren[1:-1])


# ------------------------------------------------------------------ messages

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def quote(text: str, limit: int = 60) -> str:
    """Quote text for a message: cut to `limit` characters, control characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def escape_controls(text: str) -> str:
    """Escape control characters so that a terminal never receives them raw."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)
