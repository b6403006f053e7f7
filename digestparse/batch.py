"""Many inputs, read in order: here, one event at a time, or spread over worker processes.

With jobs > 1, each file is parsed whole in a worker process, which sends its
entries and diagnostics back (pickled models); the main process hands them on
in the order of the inputs, a few files ahead of the one being written out.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Collection, Iterator
from typing import IO, TYPE_CHECKING

from .errors import DigestParseError
from .models import Diagnostic, Entry
from .parser import stream_events
from .reader import STDIN, STDIN_NAME

if TYPE_CHECKING:
    from concurrent.futures import Future

Event = Entry | Diagnostic
# What a worker sends back for one file: its events, and the error that stopped it.
_Result = tuple[list[Event], DigestParseError | OSError | None]


def source_name(name: str) -> str:
    """The name an input's entries carry: the path as given, or <stdin>."""
    return STDIN_NAME if name == STDIN else name


def read_inputs(
    names: list[str],
    *,
    stdin: IO[bytes],
    jobs: int = 1,
    strict: bool = False,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    on_read: Callable[[int], object] | None = None,
) -> Iterator[tuple[str, Iterator[Event]]]:
    """Each input's source name and its events, in input order.

    A DigestParseError (undecodable input, or --strict) or an OSError (a file
    that cannot be read) is raised while its input's events are read. With
    jobs > 1 the files are parsed in worker processes; standard input is always
    read here.
    """
    read = functools.partial(_read_here, stdin=stdin, strict=strict, allow=allow, encoding=encoding, on_read=on_read)
    if jobs <= 1:
        for name in names:
            yield read(name)
        return
    # Imported here: worker processes cost a run of one process ~8 ms of imports.
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        ahead: deque[tuple[str, Future[_Result] | None]] = deque()
        allowed = frozenset(allow)
        for name in names:
            task = None if name == STDIN else pool.submit(_parse_whole, name, strict, allowed, encoding)
            ahead.append((name, task))
            # Keep every worker busy without holding the results of the whole archive.
            while len(ahead) > 2 * jobs:
                yield _collect(*ahead.popleft(), read=read, on_read=on_read)
        while ahead:
            yield _collect(*ahead.popleft(), read=read, on_read=on_read)


def _read_here(
    name: str,
    *,
    stdin: IO[bytes],
    strict: bool,
    allow: Collection[str],
    encoding: str,
    on_read: Callable[[int], object] | None,
) -> tuple[str, Iterator[Event]]:
    source = source_name(name)
    file = stdin if name == STDIN else name
    return source, stream_events(file, strict=strict, allow=allow, encoding=encoding, source=source, on_read=on_read)


def _collect(
    name: str,
    task: Future[_Result] | None,
    *,
    read: Callable[[str], tuple[str, Iterator[Event]]],
    on_read: Callable[[int], object] | None,
) -> tuple[str, Iterator[Event]]:
    if task is None:
        return read(name)
    events, error = task.result()
    if on_read is not None:
        on_read(os.path.getsize(name) if os.path.isfile(name) else 0)
    return source_name(name), _replay(events, error)


def _replay(events: list[Event], error: DigestParseError | OSError | None) -> Iterator[Event]:
    yield from events
    if error is not None:
        raise error


def _parse_whole(name: str, strict: bool, allow: frozenset[str], encoding: str) -> _Result:
    """In a worker: every event of one file, and the error that stopped it, if any."""
    events: list[Event] = []
    try:
        events.extend(stream_events(name, strict=strict, allow=allow, encoding=encoding, source=name))
    except (DigestParseError, OSError) as error:
        return events, error
    return events, None
