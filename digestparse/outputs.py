"""Where output goes: a file that appears whole or not at all, or standard output held until the run ends.

A file is written beside itself under a temporary name and renamed into place
at the end, when the run succeeded; standard output is held in a temporary file
and copied out at the end, so that a failed run writes nothing there. A path
that is no regular file (/dev/null, a FIFO) is written straight through. Every
failure to write names the user's path.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from typing import IO, TextIO

from .reader import STDIN


class OutputError(Exception):
    """An output that cannot be written. The message names the user's path and the reason."""


class StdoutClosedError(Exception):
    """The reader of standard output went away (`| head`)."""


class Output:
    """Where an output goes; it appears whole when the run succeeds, or not at all.

    A file is written to a temporary file beside it and renamed into place at the
    end. Standard output is held in a temporary file too, and copied out at the
    end, so that a failed run writes nothing there. A path that is no regular
    file (/dev/null, a FIFO, /dev/stdout) is written straight through: it cannot
    be replaced. Every failure to write names the user's path.
    """

    def __init__(self, path: str | None, flag: str, *, default_stdout: bool = False) -> None:
        """`flag` names the output in messages (-o, --diagnostics, ...)."""
        # "-" is standard output; no path at all is standard output for the
        # entries, and nothing for the side files (--diagnostics, --rejects, --summary).
        self.path = None if path in (None, STDIN) else path
        self.flag = flag
        self.to_stdout = path == STDIN or (path is None and default_stdout)
        self.active = self.path is not None or self.to_stdout
        self._handle: TextIO | None = None
        self._temp: str | None = None
        self._direct = False
        self._abandoned = False

    @property
    def _shown(self) -> str:
        return self.path if self.path is not None else "standard output"

    def _failed(self, error: OSError) -> OutputError:
        return OutputError(f"cannot write {self._shown} ({self.flag}): {error.strerror or error}")

    def __enter__(self) -> Output:
        try:
            if self.path is not None and _is_special(self.path):
                self._direct = True
                self._handle = open(self.path, "w", encoding="utf-8", newline="")
            elif self.path is not None:
                folder = os.path.dirname(os.path.abspath(self.path))
                fd, self._temp = tempfile.mkstemp(prefix=".digestparse-", suffix=".tmp", dir=folder)
                self._handle = open(fd, "w", encoding="utf-8", newline="")
            elif self.to_stdout:
                self._handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        except OSError as error:
            raise self._failed(error) from None
        return self

    def write(self, text: str) -> None:
        """Write text to the output (nothing, for an output nobody asked for)."""
        if self._handle is None:
            return
        try:
            self._handle.write(text)
        except OSError as error:
            raise self._failed(error) from None

    def abandon(self) -> None:
        """Leave any existing file as it was, and standard output empty: the run failed."""
        self._abandoned = True

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        handle = self._handle
        if handle is None:
            return
        keep = kind is None and not self._abandoned
        try:
            if self.to_stdout:
                self._copy_to_stdout(handle, keep)
            elif self._direct:
                handle.close()
            else:
                self._put_in_place(handle, keep)
        except OSError as failure:
            if kind is None:
                raise self._failed(failure) from None

    def _copy_to_stdout(self, handle: TextIO, keep: bool) -> None:
        with handle:
            if not keep:
                return
            handle.seek(0)
            # The bytes as they are when standard output takes bytes (it is UTF-8: _prefer_utf8);
            # else (a program's own text stream) the text.
            target = getattr(sys.stdout, "buffer", None)
            flush_stdout()
            if target is None:
                while text := handle.read(COPY_SIZE):
                    write_stdout(text)
            else:
                while block := handle.buffer.read(COPY_SIZE):
                    _write_stdout_bytes(target, block)
        flush_stdout()

    def _put_in_place(self, handle: TextIO, keep: bool) -> None:
        temp, path = self._temp, self.path
        if temp is None or path is None:  # pragma: no cover - __enter__ sets both with the handle
            raise TypeError("a file output without its paths")
        try:
            handle.close()
            if keep:
                os.chmod(temp, _new_file_mode(path))
                os.replace(temp, path)
        finally:
            if os.path.lexists(temp):
                os.unlink(temp)


# Standard output is copied out of its temporary file in blocks of this many bytes (or characters).
COPY_SIZE = 1 << 16


def _is_special(path: str) -> bool:
    """Whether the path exists and is no regular file: a device, a FIFO, a socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


def _new_file_mode(path: str) -> int:
    # The temporary file is private (0600); the result gets the mode a plain
    # open() would give it, or keeps the mode of the file it replaces.
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_stdout(text: str) -> None:
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        _silence_stdout()
        raise StdoutClosedError from None


def _write_stdout_bytes(target: IO[bytes], block: bytes) -> None:
    try:
        target.write(block)
    except BrokenPipeError:
        _silence_stdout()
        raise StdoutClosedError from None


def flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise StdoutClosedError from None


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
