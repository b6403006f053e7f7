"""The grammar, built once, and the transformer that names what it found.

This is the only module that imports lark. It turns a body's or a footer's text
into the tokens of each part, or into a `SyntaxProblem` saying what was
expected, what was found and where; no lark exception leaves it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import DigestError

GRAMMAR_NAME = "digest.lark"

# What a message quotes as found: the word where the text stopped fitting.
_WORD = re.compile(r"[^|\s]{1,40}")

__all__ = ["BodyParts", "FooterParts", "SyntaxProblem", "Token", "parse_body", "parse_footer", "position", "prepare"]

# Friendly names for the terminals, used in "expected ..." messages.
_DESCRIBE = {
    "CAPTION": "a caption",
    "LOOSE_CAPTION": "a caption",
    "CREDIT": "a photo credit like '(Getty)'",
    "BYLINE": "a byline like 'By A and B'",
    "DATELINE": "a dateline like 'April 23, 2020'",
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
    """The tokens of a body paragraph; each is absent when the body lacks that part."""

    caption: Token | None = None
    credit: Token | None = None
    byline: Token | None = None
    dateline: Token | None = None
    excerpt: Token | None = None
    marker: Token | None = None


@dataclass(slots=True)
class FooterParts:
    """The footer's name after "By", then its pipe-separated fields, each a list of tokens."""

    by: Token
    posted_by: Token | None
    fields: list[list[Token]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Where and why a text did not fit the grammar (1-based, relative to the text)."""

    line: int
    column: int
    expected: str
    found: str


class _Name(Transformer[Token, object]):
    """One small method per rule: gather the tokens of each part by their terminal's name."""

    def body(self, tokens: list[Token]) -> BodyParts:
        parts = BodyParts()
        for token in tokens:
            setattr(parts, token.type.lower().removeprefix("loose_"), token)
        return parts

    undated_body = body

    def footer(self, tokens: list[Token]) -> FooterParts:
        by, *rest = tokens
        posted_by = rest.pop(0) if rest and rest[0].type == "POSTED_BY" else None
        parts = FooterParts(by, posted_by)
        for token in rest:
            if token.type == "PIPE":
                parts.fields.append([])
            else:
                parts.fields[-1].append(token)
        return parts


def grammar_text() -> str:
    """The grammar: shipped inside the package, or read from the source tree."""
    shipped = resources.files("digestparse") / "grammar" / GRAMMAR_NAME
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "grammar" / GRAMMAR_NAME).read_text(encoding="utf-8")


# DIGESTPARSE_BACKEND=lark-cython runs the same grammar with lark-cython's
# compiled lexer and parser (pip install 'digestparse[fast]'); the pure-Python
# lark is the default.
BACKEND_VARIABLE = "DIGESTPARSE_BACKEND"
BACKENDS = ("python", "lark-cython")


@cache
def _parser() -> Lark:
    backend = os.environ.get(BACKEND_VARIABLE, "python")
    options: dict[str, object] = {}
    if backend == "lark-cython":
        try:
            import lark_cython  # noqa: PLC0415 - an optional extra
        except ImportError:
            raise DigestError(
                f"{BACKEND_VARIABLE}=lark-cython needs lark-cython: pip install 'digestparse[fast]'"
            ) from None
        options["_plugins"] = lark_cython.plugins
    elif backend != "python":
        raise DigestError(f"expected {BACKEND_VARIABLE} to be one of {', '.join(BACKENDS)}, found {backend!r}")
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=["body", "footer"],
        transformer=_Name(),
        maybe_placeholders=False,
        **options,
    )


def prepare() -> None:
    """Build the parser now (it is built once, on first use); a bad backend choice raises DigestError."""
    _parser()


def terminal_pattern(name: str) -> str:
    """The regex of one of the grammar's terminals, for code that must agree with it."""
    return _parser().get_terminal(name).pattern.to_regexp()


def parse_body(text: str) -> BodyParts | SyntaxProblem:
    """Name the parts of a body paragraph (paragraphs joined by a line feed)."""
    return _parse(text, "body", BodyParts)


def parse_footer(text: str) -> FooterParts | SyntaxProblem:
    """Name the parts of a footer line."""
    return _parse(text, "footer", FooterParts)


_Parts = TypeVar("_Parts", BodyParts, FooterParts)


def _parse(text: str, start: str, kind: type[_Parts]) -> _Parts | SyntaxProblem:
    try:
        result = _parser().parse(text, start=start)
    except UnexpectedInput as error:
        return _problem(error, text)
    if not isinstance(result, kind):  # pragma: no cover - the transformer's rule methods make sure
        raise TypeError(f"the {start} rule produced {type(result).__name__}")
    return result


def position(token: Token) -> tuple[int, int]:
    """A token's 1-based line and column within the text that was parsed."""
    return token.line or 1, token.column or 1


def _problem(error: UnexpectedInput, text: str) -> SyntaxProblem:
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
