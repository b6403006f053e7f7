"""Characters: which ones are white space, invisible or control characters, and what becomes of them.

Scraped text carries every kind of space, zero-width and bidirectional marks,
and control characters, some of them written as HTML character references.
`normalise` maps them so that structure is read from plain text (reader.py does
it to every line), and `escape_controls` keeps them from ever reaching a terminal raw.
"""

from __future__ import annotations

import html
import re
from functools import cache, lru_cache

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
    **dict.fromkeys(REPLACED, "\ufffd"),
}


def _character_class(characters: str) -> str:
    """A regex class of these characters, runs of code points written as ranges (2,200 surrogates and controls
    one by one took a 3 ms compile at every start)."""
    points = sorted(set(map(ord, characters)))
    runs: list[list[int]] = []
    for point in points:
        if runs and point == runs[-1][1] + 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return "[" + "".join(re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b))) for a, b in runs) + "]"


_CHARACTERS = _character_class("".join(_REPLACEMENT))
_TABLE = str.maketrans(_REPLACEMENT)

# An HTML character reference, by name, in decimal or in hexadecimal, as html.unescape (and so clean())
# finds one: the semicolon may be missing, as in the legacy "&amp" and "&#8217".
_REFERENCE_SHAPE = r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)"
_REFERENCES = re.compile(_REFERENCE_SHAPE)
# Either: the two never overlap (a reference is printable ASCII, the characters are not).
# Compiled when first needed (`_compiled`), as the patterns above and below: a run on a
# clean page pays for none of them.
_EITHER = f"{_CHARACTERS}|{_REFERENCE_SHAPE}"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# A page flattened without decoding its character references (`&nbsp;`, `&#8217;`,
# `&eacute;`) is read as what they stand for, so that a date, a byline ("O&#8217;Neil")
# or a caption's closing quote is read as the reader sees it. A reference to one of
# these stays as it is until a field is cleaned: each would make structure the page
# does not show (a credit's parenthesis, a footer's pipe, markup, another reference),
# and to_digest writes them as references for that reason.
KEPT_AS_REFERENCES = "&<>()|"


@lru_cache(maxsize=4096)  # a page repeats its references: "&#8217;", "&amp;", "&hellip;"
def _reference(found: str) -> str:
    value = html.unescape(found)
    if value == found or any(char in KEPT_AS_REFERENCES for char in value):
        return found
    return value.translate(_TABLE)  # NBSP a space, a zero-width space nothing, a control U+FFFD


def _replacement(found: str) -> str:
    return _REPLACEMENT[found] if found[0] != "&" else _reference(found)


def _replace(found: re.Match[str]) -> str:
    return _replacement(found.group())


def normalise(text: str) -> str:
    """Read character references, map every kind of space to " ", drop invisible characters, replace controls."""
    if "&" in text:
        text = _REFERENCES.sub(_replace, text)
    return normalise_characters(text)


def normalise_characters(text: str) -> str:
    """Map every kind of space to " ", drop invisible characters, replace controls with U+FFFD; references stay."""
    # Every character above is unprintable (a test checks it), so printable text,
    # most lines, is already normal: str.isprintable is one pass in C, less than
    # half the cost of the regex's pass (0.7 against 1.8 us for a body).
    if text.isprintable():
        return text
    return _compiled(_CHARACTERS).sub(_replace, text)


def starts(text: str) -> tuple[int, ...]:
    """Where each character of `normalise(text)` starts in `text`, then the length of `text`."""
    found: list[int] = []
    done = 0
    for match in _compiled(_EITHER).finditer(text):
        found.extend(range(done, match.start()))
        replacement = _replacement(match.group())
        if replacement == match.group():  # a reference kept as it is: each of its characters is its own
            found.extend(range(match.start(), match.end()))
        else:
            found.extend([match.start()] * len(replacement))
        done = match.end()
    found.extend(range(done, len(text) + 1))
    return tuple(found)


_SURROGATE = "[\ud800-\udfff]"


def encodable(text: str) -> str:
    """The input's own text, as it is but for lone surrogates (U+FFFD), which no UTF-8 writer accepts."""
    return _compiled(_SURROGATE).sub("\ufffd", text)


# Control characters, line and paragraph separators, lone surrogates, and the bidirectional
# controls that can make a terminal or a page show text in another order than it is ("Trojan source").
_UNPRINTABLE = r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"


def escape_controls(text: str) -> str:
    """Escape control and bidirectional characters (as `\\x1b`, `\\u202e`): a terminal or a page never gets them raw."""
    return _compiled(_UNPRINTABLE).sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    return found.group().encode("unicode_escape", "backslashreplace").decode("ascii")
