"""The errors digestparse raises on purpose: input that cannot be read as a digest, and a worker process lost."""

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

    def __reduce__(self) -> tuple[type[DigestParseError], tuple[str, int, int], dict[str, object]]:
        # Pickle by the constructor's own arguments, so that the error can come
        # back from a worker process (--jobs).
        return (type(self), (self.message, self.line, self.column), {"source": self.source, "code": self.code})


class WorkerLostError(DigestError):
    """A worker process ended before its part was done: killed by a signal, or by the system for want of memory."""
