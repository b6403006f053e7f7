"""The inputs a run is given: standard input, files, folders of files, and the names their entries carry.

A folder means every file under it whose name ends in `.txt` (in any case), in
sorted order. A name is kept as the system gives it, so that any file opens,
and shown with the bytes that are not UTF-8 written as `\\xff`, so that every
output can hold it: that shown name is the `source` of the entries.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from typing import NamedTuple

# The name that means standard input on the command line, and the source name its entries carry.
STDIN = "-"
STDIN_NAME = "<stdin>"

# The files a folder given as input contributes: these suffixes, in any case.
DIGEST_SUFFIXES = (".txt",)


class Input(NamedTuple):
    """One input of a run: standard input, or a file by its name as the system gives it."""

    name: str  # "-" for standard input; else the path, undecodable bytes as surrogates (os.fsdecode)
    folder: str = ""  # the folder given as input that it was found under ("": given by name); it must be a file

    @property
    def in_folder(self) -> bool:
        """Whether it was found under a folder given as input."""
        return bool(self.folder)

    @property
    def is_stdin(self) -> bool:
        """Whether this is standard input."""
        return self.name == STDIN

    @property
    def source(self) -> str:
        """The name its entries and diagnostics carry: <stdin>, or the path as shown (shown_name)."""
        return STDIN_NAME if self.is_stdin else shown_name(self.name)


def shown_name(name: str) -> str:
    """A path as text that any output can hold: bytes of the name that are not UTF-8 written as `\\xff`."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def is_digest_name(path: str | os.PathLike[str]) -> bool:
    """Whether a file's name makes it a digest that a folder contributes: `.txt`, in any case."""
    return os.path.splitext(os.fspath(path))[1].lower() in DIGEST_SUFFIXES


def expand_inputs(names: Iterable[str | bytes | os.PathLike[str] | os.PathLike[bytes]]) -> list[Input]:
    """The inputs named: a folder means every digest file under it, in sorted order; "-" is standard input.

    Every `.txt` entry of a folder is an input, whatever it is: a broken link, a
    named pipe or a device there is reported as an input that cannot be read
    (`why_not_a_file`), not left out unsaid. A folder with no digest file in it
    is a ValueError.
    """
    found: list[Input] = []
    for name in map(os.fsdecode, names):
        if name == STDIN or not os.path.isdir(name):
            found.append(Input(name))
            continue
        under = sorted(os.path.join(top, file) for top, _, files in os.walk(name) for file in files)
        digests = [Input(path, folder=name) for path in under if is_digest_name(path)]
        if not digests:
            raise ValueError(f"expected .txt files in the directory {shown_name(name)!r}, found none")
        found += digests
    return found


def is_broken_link(path: str) -> bool:
    """Whether a path is a symbolic link to nothing."""
    return os.path.islink(path) and not os.path.exists(path)


# What a folder's entry that is no regular file is, as a message names it.
_NOT_FILES = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
              stat.S_IFBLK: "a device", stat.S_IFDIR: "a directory"}  # fmt: skip


def why_not_a_file(item: Input) -> str | None:
    """Why an input found in a folder cannot be read as a file (a pipe, a device), or None.

    Opening a named pipe waits for a writer: one in a folder is reported, not
    opened. Given by name, a pipe is read like standard input.
    """
    if not item.in_folder:
        return None
    try:
        mode = os.stat(item.name).st_mode
    except OSError:
        return None  # reading it meets the same error, and reports it
    what = _NOT_FILES.get(stat.S_IFMT(mode))
    if what is None:
        return None
    return f"cannot read {item.source}: it is {what}, not a file (give it by name to read it)"


def unreadable(item: Input, error: OSError) -> str:
    """Why an input cannot be read, as a message says it: the system's reason, and the target of a broken link."""
    reason = error.strerror or str(error)
    with contextlib.suppress(OSError):  # a link removed between the two looks is only missing
        if is_broken_link(item.name):
            reason += f" (a symbolic link to {shown_name(os.readlink(item.name))!r}, which does not exist)"
    return f"cannot read {item.source}: {reason}"
