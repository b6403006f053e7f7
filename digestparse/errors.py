"""The one error type digestparse raises, with the position it happened at."""

from __future__ import annotations


class DigestError(Exception):
    """Base class of every error digestparse raises on purpose."""


class DigestParseError(DigestError):
    """Input that cannot be read as a digest, located by 1-based line and column."""

    def __init__(
        self,
        message: str,
        line: int,
        column: int,
        *,
        source: str | None = None,
        code: str = "parse-error",
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.source = source
        self.code = code
        super().__init__(f"{message} (at line {line}, column {column})")
