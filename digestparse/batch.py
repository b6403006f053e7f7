"""Many inputs, read in order: here, one event at a time, or spread over worker processes.

Worker processes send their events back as plain tuples of field values, which
the main process makes into models again without validating them a second
time: a pickled pydantic model costs twice as much to unpickle, and the main
process, which also writes the output, is where a parallel run waits.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Collection, Iterator
from typing import IO, TYPE_CHECKING, Any

from .errors import DigestParseError
from .models import Diagnostic, Entry, built
from .parser import stream_events
from .reader import STDIN, STDIN_NAME

if TYPE_CHECKING:
    from concurrent.futures import Future

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
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    on_read: Callable[[int], object] | None = None,
) -> Iterator[tuple[str, Iterator[Event]]]:
    """Each input's source name and its events, in input order.

    A DigestParseError (undecodable input, or --strict) or an OSError (a file
    that cannot be read) is raised while its input's events are read. With jobs > 1 the files are parsed in worker
    processes, a few ahead of the one being written out; standard input is
    always read here.
    """
    if jobs <= 1:
        for name in names:
            file = stdin if name == STDIN else name
            source = source_name(name)
            yield (
                source,
                stream_events(file, strict=strict, allow=allow, encoding=encoding, source=source, on_read=on_read),
            )
        return
    # Imported here: worker processes cost a run of one process ~8 ms of imports.
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        ahead: deque[tuple[str, Future[_Result] | None]] = deque()
        allowed = frozenset(allow)
        collect = functools.partial(
            _collect, stdin=stdin, strict=strict, allow=allowed, encoding=encoding, on_read=on_read
        )
        for name in names:
            task = None if name == STDIN else pool.submit(_parse_whole, name, strict, allowed, encoding)
            ahead.append((name, task))
            # Keep every worker busy without holding the results of the whole archive.
            while len(ahead) > 2 * jobs:
                yield collect(*ahead.popleft())
        while ahead:
            yield collect(*ahead.popleft())


def _collect(
    name: str,
    task: Future[_Result] | None,
    *,
    stdin: IO[bytes],
    strict: bool,
    allow: frozenset[str],
    encoding: str,
    on_read: Callable[[int], object] | None,
) -> tuple[str, Iterator[Event]]:
    source = source_name(name)
    if task is None:
        return source, stream_events(
            stdin, strict=strict, allow=allow, encoding=encoding, source=source, on_read=on_read
        )
    packed, error = task.result()
    if on_read is not None:
        on_read(os.path.getsize(name) if os.path.isfile(name) else 0)
    return source, _replay(packed, error)


def _replay(packed: list[_Packed], error: DigestParseError | OSError | None) -> Iterator[Event]:
    for item in packed:
        yield _unpack(item)
    if error is not None:
        raise error


def _parse_whole(name: str, strict: bool, allow: frozenset[str], encoding: str) -> _Result:
    """In a worker: every event of one file, packed, and the error that stopped it, if any."""
    packed: list[_Packed] = []
    try:
        events = stream_events(name, strict=strict, allow=allow, encoding=encoding, source=name)
        packed.extend(_pack(event) for event in events)
    except (DigestParseError, OSError) as error:
        return packed, error
    return packed, None


# An event as plain values: (True, an Entry's field values, its issues' field values)
# or (False, a Diagnostic's field values, ()).
_Packed = tuple[bool, tuple[Any, ...], tuple[tuple[Any, ...], ...]]
# What a worker sends back for one file: its events, and the error that stopped it.
_Result = tuple[list[_Packed], DigestParseError | OSError | None]
_ENTRY_FIELDS = tuple(name for name in Entry.model_fields if name != "issues")
_DIAGNOSTIC_FIELDS = tuple(Diagnostic.model_fields)


def _pack(event: Event) -> _Packed:
    if isinstance(event, Entry):
        values = tuple(getattr(event, name) for name in _ENTRY_FIELDS)
        return True, values, tuple(_values(issue) for issue in event.issues)
    return False, _values(event), ()


def _values(diagnostic: Diagnostic) -> tuple[Any, ...]:
    return tuple(getattr(diagnostic, name) for name in _DIAGNOSTIC_FIELDS)


def _unpack(item: _Packed) -> Event:
    # The values are those a worker's parser made (and built), so they are built
    # again as they are, without validation; tests/test_scale.py holds --jobs output
    # to a single process's, byte for byte.
    is_entry, values, issues = item
    if not is_entry:
        return built(Diagnostic, dict(zip(_DIAGNOSTIC_FIELDS, values, strict=True)))
    found = [built(Diagnostic, dict(zip(_DIAGNOSTIC_FIELDS, issue, strict=True))) for issue in issues]
    return built(Entry, {**dict(zip(_ENTRY_FIELDS, values, strict=True)), "issues": found})
