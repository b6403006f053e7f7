"""Where output goes: a file that appears whole or not at all, or standard output held until the run ends.

A file is written beside itself under a temporary name and renamed into place
at the end, when the run succeeded; standard output is held in a temporary file
and copied out at the end, so that a failed run writes nothing there. A path
that is no regular file (/dev/null, a FIFO, /dev/stdout) is written straight
through. Every failure to write names the user's path.

A run killed with SIGKILL cannot remove its temporary file: the next output
written into the same folder removes it (`remove_litter`). A live run holds a
lock on its own temporary file, which the system lets go when the run ends, so
a file still locked is never touched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, TextIO

from .errors import OutputError, StdoutClosedError
from .inputs import STDIN

# The temporary file of an output is named `.digestparse-`, eight random characters, `.tmp`, and lies beside it.
TEMP_PREFIX = ".digestparse-"
TEMP_SUFFIX = ".tmp"
# Standard output is copied out of its temporary file in blocks of this many bytes.
COPY_SIZE = 1 << 16


def reason(error: OSError) -> str:
    """The system's reason for an error, as a message says it."""
    return error.strerror or str(error)


def locked_temporary(folder: str, *, prefix: str = TEMP_PREFIX, suffix: str = TEMP_SUFFIX) -> tuple[int, str]:
    """A new private file in `folder`, locked for as long as it is open: (its descriptor, its path)."""
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new: nobody else holds it
    return fd, path


def is_abandoned(path: str) -> bool:
    """Whether a file's lock is free: the run that made it has ended (it may be gone meanwhile: then False)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live run holds it
    finally:
        os.close(fd)
    return True


def remove_litter(folder: str) -> None:
    """Remove the temporary files that runs killed before their end left in `folder` (those no live run holds)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
            path = os.path.join(folder, name)
            if is_abandoned(path):
                with contextlib.suppress(OSError):
                    os.unlink(path)


def written_path(path: str) -> str:
    """The file an output replaces: a symbolic link's target, written through as the shell's `>` writes it."""
    return os.path.realpath(path) if os.path.islink(path) else path


def temporary_for(path: str) -> tuple[int, str]:
    """A locked temporary file beside the file that `path` writes, once killed runs' litter there is removed."""
    folder = os.path.dirname(os.path.abspath(written_path(path)))
    remove_litter(folder)
    return locked_temporary(folder)


def put_in_place(temp: str, path: str) -> None:
    """Rename a finished temporary file onto the file `path` writes, with the mode of the one it replaces."""
    target = written_path(path)
    os.chmod(temp, _new_file_mode(target))
    os.replace(temp, target)


def _new_file_mode(path: str) -> int:
    # The temporary file is private (0600); the result keeps the mode of the file
    # it replaces, or gets the mode a plain open() would give a new one.
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def is_special(path: str) -> bool:
    """Whether the path exists and is no regular file: a device, a FIFO, a socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


class Output:
    """Where an output goes; it appears whole when the run succeeds, or not at all.

    `path` is a file, "-" for standard output, or None: standard output for the
    entries (`default_stdout`), nothing at all for a side file nobody asked for.
    `flag` names the output in messages (-o, --diagnostics, ...).
    """

    def __init__(self, path: str | None, flag: str, *, default_stdout: bool = False) -> None:
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

    def _failed(self, error: OSError) -> Exception:
        if error.errno == errno.EPIPE:  # the reader of a pipe went away: `-o /dev/stdout | head`
            return StdoutClosedError()
        return OutputError(f"cannot write {self._shown} ({self.flag}): {reason(error)}")

    def __enter__(self) -> Output:
        try:
            if self.path is not None and is_special(self.path):
                self._direct = True
                self._handle = open(self.path, "w", encoding="utf-8", newline="")
            elif self.path is not None:
                fd, self._temp = temporary_for(self.path)
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
            self._abandoned = True  # a file cut short is never put in place, whoever catches the error
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
            handle.flush()
            handle.seek(0)
            with signals_held():  # begun, the copy is finished: Ctrl-C never leaves a torn record
                copy_to_stdout(handle)

    def _put_in_place(self, handle: TextIO, keep: bool) -> None:
        temp, path = self._temp, self.path
        if temp is None or path is None:  # pragma: no cover - __enter__ sets both with the handle
            raise TypeError("a file output without its paths")
        try:
            handle.close()
            if keep:
                put_in_place(temp, path)
        finally:
            if os.path.lexists(temp):
                os.unlink(temp)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block ends; they take effect then (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def copy_to_stdout(handle: TextIO) -> None:
    """Copy a text file's contents to standard output: its bytes where standard output takes bytes, else its text."""
    target = getattr(sys.stdout, "buffer", None)
    flush_stdout()
    if target is None:
        while text := handle.read(COPY_SIZE):
            write_stdout(text)
    else:
        while block := handle.buffer.read(COPY_SIZE):
            _write_stdout_bytes(target, block)
    flush_stdout()


def write_stdout(text: str) -> None:
    """Write to standard output; a StdoutClosedError when its reader went away."""
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
    """Flush standard output; a StdoutClosedError when its reader went away."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise StdoutClosedError from None


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes at exit.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
