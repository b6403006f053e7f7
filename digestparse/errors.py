"""Every exception digestparse defines, public and internal, in one place.

The public tree, each a DigestError, and the command line's exit status for each:

    DigestError          the base: anything digestparse raises on purpose
    ├── DigestParseError input that cannot be read as a digest, located (strict=True; exit 1, 3 or 4)
    ├── UsageError       a call that cannot be carried out as asked: a format, an encoding, an output onto an input (2)
    ├── OutputError      an output that cannot be written: no folder, no permission, a full disk (5)
    └── WorkerLostError  a worker process killed before its part was done (70)

The others never leave digestparse: they carry a condition from where it is
found to where it is handled.
"""

from __future__ import annotations

# The command line's exit statuses, and the --summary file's "exit_status".
EXIT_OK = 0
EXIT_STRICT = 1  # the input failed --strict
EXIT_USAGE = 2  # UsageError
EXIT_NO_ENTRIES = 3  # no entry in input that held something, or an input that is not a digest
EXIT_UNREADABLE = 4  # an input could not be read or decoded
EXIT_UNWRITABLE = 5  # OutputError
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE: a fault of digestparse itself, or a worker process lost
EXIT_INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  # stopped by SIGTERM (128 + SIGTERM)


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


class UsageError(DigestError):
    """A call that cannot be carried out as asked, found before anything is read or written."""


class OutputError(DigestError):
    """An output that cannot be written. The message names the user's path and the reason."""


class WorkerLostError(DigestError):
    """A worker process ended before its part was done: killed by a signal, or by the system for want of memory."""


# ------------------------------------------------------------------ internal


class StdoutClosedError(Exception):
    """The reader of standard output (or of a pipe written straight through) went away: `| head`."""


class InputChangedError(OSError):
    """A file that is no longer the one the run planned to read: replaced or changed since (a read error)."""


class UndecodableBytesError(Exception):
    """Bytes that the named encoding cannot decode; the line splitter locates them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
