"""What a run checks before it reads or writes anything: its settings, its inputs, and every output's place.

A mistake found here is a UsageError (exit 2), or an OutputError (exit 5) for
a folder that cannot be reached, and nothing has been touched: an output must
be a file in a folder that exists, never one of the inputs (by any path, link
or hard link, standard input's file included), nor another output, nor a
`.txt` file inside an input folder, where the next run would read it.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Collection, Iterable
from typing import IO

from . import formats
from .codes import CODES, unknown
from .errors import OutputError, UsageError
from .inputs import STDIN, Input, expand_inputs, is_digest_name, shown_name
from .outputs import reason, written_path
from .reader import codec_name

Path_ = str | os.PathLike[str]


def path(value: Path_ | None) -> str | None:
    return None if value is None else os.fspath(value)


def expand(inputs: Iterable[Path_]) -> list[Input]:
    names = list(inputs)
    if not names:
        raise UsageError("expected at least one input (a file, a folder, or '-' for standard input), found none")
    try:
        return expand_inputs(names)
    except ValueError as error:
        raise UsageError(str(error)) from None


def settings(fmt: formats.Format, out_path: str | None, out: object, *, encoding: str, allow: Collection[str]) -> None:
    """The run's own settings: an encoding of text, known codes, and an archive that can be written."""
    try:
        codec_name(encoding)
    except LookupError as error:
        raise UsageError(f"expected a text encoding for --encoding, found {encoding!r}: {error}") from None
    strange = unknown(set(allow))
    if strange:
        raise UsageError(f"expected diagnostic codes for --allow, found {', '.join(map(repr, strange))}; "
                         f"the codes are: {', '.join(CODES)}")  # fmt: skip
    if fmt.archive and out_path in (None, STDIN):
        example = "-o news.db" if fmt.name == "sqlite" else f"-o news.{fmt.name}"
        found = "standard output" if out_path == STDIN else f"an open {type(out).__name__}"
        raise UsageError(f"expected a file to write the {fmt.name} archive to ({example}), found {found}")
    if fmt.needs is not None:
        try:
            __import__(fmt.needs)
        except ImportError:
            raise UsageError(f"expected {fmt.needs} for --to {fmt.name}, found it missing: "
                             f"pip install 'digestparse[{fmt.name}]'") from None  # fmt: skip


def _identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _stdin_identity(stdin: IO[bytes] | None) -> tuple[int, int] | None:
    """The file standard input reads, when it is one (`< page.txt`): an output must not be it."""
    stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
    try:
        found = os.fstat(stream.fileno()) if stream is not None else None
    except (OSError, ValueError, AttributeError):  # a stream with no descriptor (a test's BytesIO)
        return None
    if found is None or not stat.S_ISREG(found.st_mode):
        return None
    return found.st_dev, found.st_ino


def outputs(outputs: dict[str, str | None], items: list[Input], stdin: IO[bytes] | None) -> None:
    """At most one output on standard output, a folder that exists for each file, never onto an input or another."""
    on_stdout = [flag for flag, path in outputs.items() if path == STDIN]
    if len(on_stdout) > 1:
        raise UsageError(f"expected one output on standard output, found {on_stdout[0]} and {on_stdout[1]} both '-'"
                         " (give -o FILE for the entries)")  # fmt: skip
    files = {flag: path for flag, path in outputs.items() if path is not None and path != STDIN}
    for flag, path in files.items():
        _check_place(flag, path)
    if not files:
        return
    inputs: dict[tuple[int, int], str] = {}
    paths: dict[str, str] = {}  # an input that does not exist, which an output of that path would become
    for item in items:
        where = _stdin_identity(stdin) if item.is_stdin else _identity(item.name)
        if where is not None:
            inputs[where] = "standard input" if item.is_stdin else repr(item.source)
        elif not item.is_stdin:
            paths[os.path.realpath(item.name)] = repr(item.source)
    folders = sorted({item.folder for item in items if item.in_folder})
    seen: dict[object, str] = {}
    for flag, path in files.items():
        where = _identity(path)
        same = inputs.get(where) if where is not None else paths.get(os.path.realpath(path))
        if same is not None:
            also = "" if same == repr(shown_name(path)) else f" (the same file as the input {same})"
            raise UsageError(f"expected {flag} to be a file other than the inputs, found {shown_name(path)!r}{also}; "
                             "nothing was written")  # fmt: skip
        written = written_path(path)  # a symbolic link writes the file it names: that is what is checked
        if is_digest_name(written) and any(_is_within(written, folder) for folder in folders):
            raise UsageError(f"expected {flag} outside the input folders, found {shown_name(path)!r}: a .txt file "
                             "there is read as a digest; write it elsewhere")  # fmt: skip
        key: object = where if where is not None else os.path.realpath(path)
        if key in seen:
            raise UsageError(f"expected a file of its own for each output, found {seen[key]} and {flag} both "
                             f"{shown_name(path)!r}")  # fmt: skip
        seen[key] = flag


def _check_place(flag: str, path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    try:
        is_folder = stat.S_ISDIR(os.stat(folder).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        is_folder = False
    except OSError as error:  # a folder that cannot be reached: no permission, ...
        raise OutputError(f"cannot write {shown_name(path)} ({flag}): {reason(error)}") from None
    if not is_folder:
        shown = os.path.dirname(path) or "."
        raise UsageError(f"expected an existing folder for {flag} {shown_name(path)!r}, found no folder "
                         f"{shown_name(shown)!r}")  # fmt: skip
    if os.path.isdir(path):
        raise UsageError(f"expected a file name for {flag}, found the directory {shown_name(path)!r}")


def _is_within(path: str, folder: str) -> bool:
    parent = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    top = os.path.realpath(folder)
    return parent == top or parent.startswith(top.rstrip(os.sep) + os.sep)
