"""Many inputs, read in order: here, one event at a time, or spread over worker processes."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import IO

from .errors import DigestParseError
from .models import Diagnostic, Entry
from .parser import stream_events
from .reader import STDIN, STDIN_NAME

Event = Entry | Diagnostic


def source_name(name: str) -> str:
    """The name an input's entries carry: the path as given, or <stdin>."""
    return STDIN_NAME if name == STDIN else name


def read_inputs(
    names: list[str],
    *,
    stdin: IO[bytes],
    jobs: int = 1,
    strict: bool = False,
    encoding: str = "utf-8",
    on_read: Callable[[int], object] | None = None,
) -> Iterator[tuple[str, Iterator[Event]]]:
    """Each input's source name and its events, in input order.

    A DigestParseError (an unreadable file, or --strict) is raised while its
    input's events are read. With jobs > 1 the files are parsed in worker
    processes, a few ahead of the one being written out; standard input is
    always read here.
    """
    if jobs <= 1:
        for name in names:
            file = stdin if name == STDIN else name
            source = source_name(name)
            yield source, stream_events(file, strict=strict, encoding=encoding, source=source, on_read=on_read)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        ahead: deque[tuple[str, Future[tuple[list[Event], DigestParseError | None]] | None]] = deque()
        for name in names:
            task = None if name == STDIN else pool.submit(_parse_whole, name, strict, encoding)
            ahead.append((name, task))
            # Keep every worker busy without holding the results of the whole archive.
            while len(ahead) > 2 * jobs:
                yield _collect(*ahead.popleft(), stdin=stdin, strict=strict, encoding=encoding, on_read=on_read)
        while ahead:
            yield _collect(*ahead.popleft(), stdin=stdin, strict=strict, encoding=encoding, on_read=on_read)


def _collect(
    name: str,
    task: Future[tuple[list[Event], DigestParseError | None]] | None,
    *,
    stdin: IO[bytes],
    strict: bool,
    encoding: str,
    on_read: Callable[[int], object] | None,
) -> tuple[str, Iterator[Event]]:
    source = source_name(name)
    if task is None:
        return source, stream_events(stdin, strict=strict, encoding=encoding, source=source, on_read=on_read)
    events, error = task.result()
    if on_read is not None:
        on_read(os.path.getsize(name) if os.path.isfile(name) else 0)
    return source, _replay(events, error)


def _replay(events: list[Event], error: DigestParseError | None) -> Iterator[Event]:
    yield from events
    if error is not None:
        raise error


def _parse_whole(name: str, strict: bool, encoding: str) -> tuple[list[Event], DigestParseError | None]:
    """In a worker: every event of one file, and the error that stopped it, if any."""
    events: list[Event] = []
    try:
        events.extend(stream_events(name, strict=strict, encoding=encoding, source=name))
    except DigestParseError as error:
        return events, error
    return events, None
