"""The grammar, built once: the parts of a body or a footer, and the shapes and pieces other modules look up.

This module and lalr.py are the only ones that import lark, and only when lark
itself parses: the lean runner's tables and the terminals are kept between
runs (cache.py), so a run whose texts all fit needs no lark. A body's or a
footer's text becomes the pieces of each part (BodyParts, FooterParts), or a
SyntaxProblem saying what was expected, what was found and where; no lark
exception leaves this module. The grammar's `shapes` (a footer line, a
caption's end, a date's pieces, a byline's separators) are compiled here from
its own terminals, so that no other module restates its syntax.

Texts are read by lalr.LeanParser, which runs the grammar's own LALR tables
and lexers in a lean loop; a text it cannot read goes to lark itself, whose
error says what was expected and where. With DIGESTPARSE_BACKEND=lark, lark
itself reads every text (slower; the same results, which the tests check).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from . import cache as kept
from .errors import DigestError
from .lalr import LeanParser, Piece, UnsupportedParserError, read_tables, route_pattern, scanner_pattern

if TYPE_CHECKING:
    from lark import Lark, Token, UnexpectedInput

__all__ = [
    "BodyParts",
    "DatePieces",
    "FooterParts",
    "Piece",
    "SyntaxProblem",
    "backend",
    "body_or_none",
    "date_pieces",
    "marker_spellings",
    "parse_body",
    "parse_cut_body",
    "parse_footer",
    "parse_with_lark",
    "parse_with_lean",
    "shape",
    "shape_width",
    "split_names",
    "split_tags",
]

GRAMMAR_NAME = "digest.lark"
STARTS = ("body", "cut_body", "footer", "shapes")

# What a message quotes as found: the word where the text stopped fitting.
_WORD = re.compile(r"[^|\s]{1,40}")

# Friendly names for the terminals, used in "expected ..." messages.
_DESCRIBE = {
    "CAPTION": "a caption",
    "LOOSE_CAPTION": "a caption",
    "CUT_CAPTION": "a caption",
    "CREDIT": "a photo credit like '(Getty)'",
    "CUT_CREDIT": "a photo credit like '(Getty)'",
    "BYLINE": "a byline like 'By A and B'",
    "CUT_BYLINE": "a byline like 'By A and B'",
    "LATE_BYLINE": "a byline like 'By A and B'",
    "GUESSED_BYLINE": "a byline like 'By A and B'",
    "DATELINE": "a dateline like 'April 23, 2020'",
    "CUT_DATELINE": "a dateline like 'April 23, 2020'",
    "CAPTION_SO_FAR": "a caption",
    "EXCERPT": "the excerpt",
    "MARKER": "a truncation marker like '[...]'",
    "BY_WORD": "the word 'By'",
    "PIPE": "'|'",
    "POSTED_BY": "the poster's name",
    "FOOTER_DATE": "a date like 'April 23rd, 2020'",
    "TIMESTAMP": "a timestamp",
    "COMMENTS": "a comment count",
    "LABEL": "a label like 'Tags:'",
    "FIELD_TEXT": "a field",
}


@dataclass(slots=True)
class BodyParts:
    """The pieces of a body paragraph; each is absent when the body lacks that part."""

    caption: Piece | None = None
    credit: Piece | None = None
    byline: Piece | None = None
    dateline: Piece | None = None
    excerpt: Piece | None = None
    marker: Piece | None = None


@dataclass(slots=True)
class FooterParts:
    """The footer's name after "By", then its pipe-separated fields, each a list of pieces."""

    posted_by: Piece | None
    fields: list[list[Piece]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Where and why a text did not fit the grammar (1-based, relative to the text)."""

    line: int
    column: int
    expected: str
    found: str


# The part of BodyParts that each body terminal fills.
_BODY_PART = {
    "CAPTION": "caption",
    "LOOSE_CAPTION": "caption",
    "CUT_CAPTION": "caption",
    "CREDIT": "credit",
    "CUT_CREDIT": "credit",
    "BYLINE": "byline",
    "CUT_BYLINE": "byline",
    "LATE_BYLINE": "byline",
    "GUESSED_BYLINE": "byline",
    "DATELINE": "dateline",
    "CUT_DATELINE": "dateline",
    "CAPTION_SO_FAR": "caption",
    "EXCERPT": "excerpt",
    "MARKER": "marker",
}


def _body_parts(pieces: list[Piece]) -> BodyParts:
    """Gather the pieces of a body by their terminal's name."""
    parts = BodyParts()
    for piece in pieces:
        setattr(parts, _BODY_PART[piece.type], piece)
    return parts


def _footer_parts(pieces: list[Piece]) -> FooterParts:
    """The name after "By", then the pieces between each pipe and the next."""
    rest = pieces[1:]  # after the word "By"
    posted_by = rest.pop(0) if rest and rest[0].type == "POSTED_BY" else None
    parts = FooterParts(posted_by)
    for piece in rest:
        if piece.type == "PIPE":
            parts.fields.append([])
        else:
            parts.fields[-1].append(piece)
    return parts


def _piece(token: Token) -> Piece:
    return Piece(token.type, str(token), token.line or 1, token.column or 1)


def _parts_from_tree() -> Any:
    """When lark itself parses: each start rule's tokens made into the same parts as the lean runner's."""
    from lark import Token, Transformer  # noqa: PLC0415 - lark is imported when lark parses

    class PartsFromTree(Transformer[Token, object]):
        def body(self, tokens: list[Token]) -> BodyParts:
            return _body_parts([_piece(token) for token in tokens])

        undated_body = body
        cut_body = body

        def footer(self, tokens: list[Token]) -> FooterParts:
            return _footer_parts([_piece(token) for token in tokens])

    return PartsFromTree()


def grammar_text() -> str:
    """The grammar: shipped inside the package, or read from the source tree."""
    shipped = resources.files("digestparse") / "grammar" / GRAMMAR_NAME
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "grammar" / GRAMMAR_NAME).read_text(encoding="utf-8")


# DIGESTPARSE_BACKEND chooses who runs the grammar: "lean" (the default), the
# lean runner with lark for errors; or "lark", lark itself for every text.
BACKEND_VARIABLE = "DIGESTPARSE_BACKEND"
BACKENDS = ("lean", "lark")


def _chosen_backend() -> str:
    chosen = os.environ.get(BACKEND_VARIABLE, "lean")
    if chosen not in BACKENDS:
        raise DigestError(f"expected {BACKEND_VARIABLE} to be one of {', '.join(BACKENDS)}, found {chosen!r}")
    return chosen


@cache
def _parser() -> Lark:
    """Lark's parser of the grammar, built once (and kept by lark in the user's cache folder: cache.lark_file)."""
    from lark import Lark  # noqa: PLC0415 - a run whose texts all fit the grammar needs no lark

    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=list(STARTS),
        transformer=_parts_from_tree(),
        maybe_placeholders=False,
        cache=kept.lark_file(),
    )


# The footer's pipes only divide its fields (_footer_parts): their pieces need no text or place.
SEPARATORS = frozenset({"PIPE"})

# The footers an archive page writes (`By |April 23rd, 2020|tag, tag|`; a name after "By", a
# timestamp glued before the date, a comment count after the tags): the lean runner reads each of
# these sequences of the grammar's terminals in one regex match (lalr.route_pattern, exact by
# construction), five times as fast as its loop; any other footer goes through the loop.
# They are 99.5% of the benchmark corpus's footers.
ROUTES = {
    "footer": [
        ["BY_WORD", *name, "PIPE", *stamp, "FOOTER_DATE", "PIPE", "FIELD_TEXT", "PIPE", *comments]
        for name in ([], ["POSTED_BY"])
        for stamp in ([], ["TIMESTAMP"])
        for comments in ([], ["COMMENTS"])
    ]
}


def _build() -> kept.Built:
    """What a run needs of the grammar, built with lark: every terminal, and the lean runner's tables."""
    parser = _parser()
    terminals = {str(t.name): kept.Terminal(t.pattern.to_regexp(), int(t.pattern.max_width), str(t.pattern.value),
                                             "".join(sorted(t.pattern.flags))) for t in parser.terminals}  # fmt: skip
    try:
        tables = read_tables(parser)
    except UnsupportedParserError:
        tables = None  # another lark release: lark itself still parses
    patterns = [(terminal.regexp, 0) for terminal in terminals.values()]
    if tables is not None:
        patterns += [(scanner_pattern(names, ignored), flags) for names, ignored, flags in tables.scans]
        patterns += [route_pattern(tables, start, names) for start, routes in ROUTES.items() for names in routes]
    codes = {kept.code_key(*pattern): kept.regex_code(*pattern) for pattern in patterns}
    return kept.Built(terminals, tables, {key: code for key, code in codes.items() if code is not None})


@cache
def _built() -> kept.Built:
    return kept.built(grammar_text(), _build)


@cache
def _lean() -> LeanParser | None:
    """The lean runner of the grammar's tables; None when lark runs every text."""
    if _chosen_backend() == "lark":
        return None
    built = _built()
    if built.tables is None:
        return None
    compile_regex = functools.partial(kept.compiled, built.codes)
    return LeanParser(built.tables, separators=SEPARATORS, compile_regex=compile_regex, routes=ROUTES)


def backend() -> str:
    """Who runs the grammar: "lean" (the lean runner, lark for errors) or "lark"; DigestError for a bad choice."""
    return "lark" if _lean() is None else "lean"


# ------------------------------------------------------------------ parsing


def parse_body(text: str) -> BodyParts | SyntaxProblem:
    """Name the parts of a body paragraph (paragraphs joined by a line feed)."""
    return _parse(text, "body", BodyParts)


def parse_cut_body(text: str) -> BodyParts | SyntaxProblem:
    """Name the parts of a body that the end of the input cut off before its dateline."""
    return _parse(text, "cut_body", BodyParts)


def parse_footer(text: str) -> FooterParts | SyntaxProblem:
    """Name the parts of a footer line."""
    return _parse(text, "footer", FooterParts)


def body_or_none(text: str, start: str = "body") -> BodyParts | None:
    """The parts of a body (or of a cut body: `start`), or None when it does not fit.

    For code that only asks whether a text is a body: no lark to say what was
    expected and where (lark would be imported and built for that alone).
    """
    lean = _lean()
    if lean is None:
        found = _parse_with_lark(text, start, BodyParts)
        return found if isinstance(found, BodyParts) else None
    pieces = lean.parse(text, start)
    return None if pieces is None else _body_parts(pieces)


_Parts = TypeVar("_Parts", BodyParts, FooterParts)


def _parse(text: str, start: str, kind: type[_Parts]) -> _Parts | SyntaxProblem:
    lean = _lean()
    pieces = lean.parse(text, start) if lean is not None else None
    if pieces is not None:
        made = _footer_parts(pieces) if kind is FooterParts else _body_parts(pieces)
        if not isinstance(made, kind):  # pragma: no cover - the start rule says which parts
            raise TypeError(f"the {start} rule made {type(made).__name__}")
        return made
    return _parse_with_lark(text, start, kind)


def _parse_with_lark(text: str, start: str, kind: type[_Parts]) -> _Parts | SyntaxProblem:
    from lark import UnexpectedInput  # noqa: PLC0415 - lark is imported when lark parses

    try:
        result = _parser().parse(text, start=start)
    except UnexpectedInput as error:
        return _problem(error, text)
    if not isinstance(result, kind):  # pragma: no cover - the transformer's rule methods make sure
        raise TypeError(f"the {start} rule produced {type(result).__name__}")
    return result


def parse_with_lark(text: str, start: str) -> BodyParts | FooterParts | SyntaxProblem:
    """Parse with lark itself, never the lean runner: for the tests and the fuzzer, which compare the two."""
    if start == "footer":
        return _parse_with_lark(text, start, FooterParts)
    return _parse_with_lark(text, start, BodyParts)


def parse_with_lean(text: str, start: str) -> BodyParts | FooterParts | None:
    """Parse with the lean runner alone: the parts, or None when the text does not fit (or lark runs every text)."""
    lean = _lean()
    pieces = lean.parse(text, start) if lean is not None else None
    if pieces is None:
        return None
    return _footer_parts(pieces) if start == "footer" else _body_parts(pieces)


def _problem(error: UnexpectedInput, text: str) -> SyntaxProblem:
    from lark import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken  # noqa: PLC0415 - see _parse_with_lark

    expected: set[str] = set()
    if isinstance(error, UnexpectedCharacters):
        expected = set(error.allowed or ())
        at = error.pos_in_stream or 0
        word = _WORD.match(text, at)
        found = (word.group() if word else "") or text[at : at + 1] or "the end"
    elif isinstance(error, UnexpectedToken):
        expected = set(error.expected)
        # The token may come from any terminal of the grammar (lark retries with all
        # of them to say what it found), so quote only its first word.
        word = _WORD.match(str(error.token))
        found = "the end" if error.token.type == "$END" else (word.group() if word else str(error.token)[:1])
    elif isinstance(error, UnexpectedEOF):  # pragma: no cover - the LALR parser reports $END as a token
        expected = set(error.expected)
        found = "the end"
    else:  # pragma: no cover - lark has no other kind
        found = "?"
    names = sorted(_DESCRIBE.get(name, name) for name in expected if not name.startswith("_") and name != "$END")
    line = error.line if error.line > 0 else 1
    column = error.column if error.column > 0 else 1
    return SyntaxProblem(line, column, " or ".join(names) or "the end", found)


# ------------------------------------------------------------- shapes, pieces


@cache
def shape(name: str) -> re.Pattern[str]:
    """One of the grammar's terminals, compiled: for code that must tell text apart as the grammar does."""
    built = _built()
    return kept.compiled(built.codes, built.terminals[name].regexp)


@cache
def shape_width(name: str) -> int:
    """The most characters one of the grammar's terminals can match (its look-arounds aside)."""
    return _built().terminals[name].max_width


@cache
def marker_spellings() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The truncation markers as the grammar spells them: those read in their case, and those read in any case.

    Those of the second kind are given in lower case.
    """
    exact: list[str] = []
    any_case: list[str] = []
    for name, terminal in _built().terminals.items():
        if name.startswith("MARKER_"):
            (any_case if "i" in terminal.flags else exact).append(terminal.value.lower())
    return tuple(exact), tuple(any_case)


class DatePieces(NamedTuple):
    """The pieces of a date as written: "Sept.", "7", None (or "th"), "2018"."""

    month: str
    day: str
    suffix: str | None
    year: str


@lru_cache(maxsize=4096)  # a digest repeats its dates: a day's entries, the dateline and the footer
def date_pieces(text: str) -> DatePieces | None:
    """The pieces of a DATELINE or FOOTER_DATE text (the grammar's DATE_PIECES); None for any other text."""
    found = shape("DATE_PIECES").fullmatch(text)
    if found is None:
        return None
    return DatePieces(found["month"], found["day"], found["suffix"], found["year"])


def split_names(byline: str) -> list[str]:
    """The names of a byline's text ("By A, B, and C"), split where the grammar's NAME_SEPARATOR is."""
    start = shape("BY_PREFIX").match(byline)
    names = byline[start.end() :] if start is not None else byline
    return [name for name in shape("NAME_SEPARATOR").split(names) if name]


def split_tags(text: str) -> list[str]:
    """The tags of a footer field's text, split where the grammar's TAG_SEPARATOR is (empty ones kept)."""
    return shape("TAG_SEPARATOR").split(text)
