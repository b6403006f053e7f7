"""One part's work: its pieces read, parsed and rendered, in the main process or in a worker.

Each piece goes through the library's one reading pipeline (parser.stream_events);
each entry is rendered where it is parsed (its text in the output format, or its
record for an archive), and each event goes to `emit` in input order. In a
worker, `emit` writes the events to a spool file a batch at a time, which the
main process reads back as it puts the parts in order: neither side holds a
whole part, however large.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, NamedTuple

from . import formats
from .errors import DigestParseError, InputChangedError
from .inputs import unreadable, why_not_a_file
from .models import Diagnostic, Entry, diagnostic
from .parser import stream_events
from .parts import Identity, Part, Piece, identity_of
from .reader import ReadCounter


@dataclass(frozen=True)
class Options:
    """How each piece is read and rendered; the same for every part, and sent to every worker."""

    to: str = "json"
    title: str | None = None
    formula_guard: bool = True
    strict: bool = False
    allow: frozenset[str] = frozenset()
    encoding: str = "utf-8"

    def renderer(self) -> Callable[[Entry], object]:
        """What an entry becomes where it is parsed: its text in a document's format, or its record for an archive."""
        found = formats.by_name(self.to)
        if found.archive:
            return _record
        from .export import document  # noqa: PLC0415 - the text formats, for a run that writes one

        return document(self.to, title=self.title, formula_guard=self.formula_guard).render


def _record(entry: Entry) -> object:
    return entry.model_dump()


class Rendered(NamedTuple):
    """An entry, rendered where it was parsed: its text in the output format (or its record), and its issues."""

    payload: object
    source: str | None
    id: str
    line: int
    end_line: int
    ok: bool
    issues: tuple[Diagnostic, ...]


Event = Rendered | Diagnostic


class Failure(NamedTuple):
    """What stopped a piece: its input could not be read or decoded, is not a digest, or failed --strict."""

    kind: str  # "unreadable", "not-a-digest" or "strict"
    diagnostic: Diagnostic


class Outcome(NamedTuple):
    """How a piece ended: in full, or stopped by a failure (after the events it gave)."""

    failure: Failure | None
    nonempty: bool  # the piece held anything at all


def process(
    piece: Piece,
    options: Options,
    render: Callable[[Entry], object],
    emit: Callable[[Event], object],
    *,
    stream: IO[bytes] | None = None,
    on_read: Callable[[int], object] | None = None,
) -> Outcome:
    """Read, parse and render one piece, giving each event to `emit` in input order.

    `stream` is the stream a piece goes on reading (standard input, a named
    pipe), for the main process; `on_read` hears the size of each read.
    """
    nonempty = False
    item = piece.item
    try:
        refused = why_not_a_file(item)
        if refused is not None:
            return _unreadable(piece, refused, nonempty=False)
        handle = _open(piece, stream)
        try:
            counted = handle if on_read is None else ReadCounter(handle, on_read)
            events = stream_events(counted, strict=options.strict, allow=options.allow, encoding=options.encoding,
                                   source=item.source, first_line=piece.first_line, at_start=piece.first)  # fmt: skip
            for event in events:
                nonempty = True
                if isinstance(event, Entry):
                    emit(Rendered(render(event), event.source, event.id, event.line, event.end_line,
                                  event.status == "ok", tuple(event.issues)))  # fmt: skip
                else:
                    emit(event)
        finally:
            handle.close()
    except OSError as error:
        return _unreadable(piece, unreadable(item, error), nonempty=nonempty)
    except DigestParseError as error:
        found = diagnostic(
            error.code, error.message, source=error.source, line=error.line, column=error.column, end_line=error.line
        )
        return Outcome(Failure(_failure_kind(error, options), found), True)
    return Outcome(None, nonempty)


def _unreadable(piece: Piece, message: str, *, nonempty: bool) -> Outcome:
    # A whole input that cannot be read has no line or column to point at.
    found = diagnostic("read-error", message, source=piece.item.source, line=None, column=None, end_line=None)
    return Outcome(Failure("unreadable", found), nonempty)


def _failure_kind(error: DigestParseError, options: Options) -> str:
    if error.code == "decode-error":
        return "unreadable"
    if error.code == "not-a-digest" and (not options.strict or error.code in options.allow):
        return "not-a-digest"  # binary data: the reader refuses it, strict or not
    return "strict"


def _open(piece: Piece, stream: IO[bytes] | None) -> IO[bytes] | _Bytes | _Range:
    """The piece's bytes as an open binary file."""
    if piece.data is not None or piece.item.is_stdin:
        return _Bytes(piece.data or b"", stream if piece.stream else None)
    if piece.stream and stream is not None:  # a named pipe the main process opened
        return _Bytes(b"", stream)
    if piece.identity is None:
        return open(piece.item.name, "rb")
    return _Range(piece.item.name, piece.start, piece.end, piece.identity)


class _Bytes(io.RawIOBase):
    """Bytes already read from a stream, then (when it goes on) the stream itself."""

    def __init__(self, data: bytes, stream: IO[bytes] | None) -> None:
        super().__init__()
        self._data = memoryview(data)
        self._at = 0
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        if self._at < len(self._data):
            block = bytes(self._data[self._at : self._at + size if size >= 0 else None])
            self._at += len(block)
            return block
        return self._stream.read(size) if self._stream is not None else b""


class _Range(io.RawIOBase):
    """A byte range of a file, read with os.pread, checked to be the file the run planned."""

    def __init__(self, path: str, start: int, end: int | None, identity: Identity) -> None:
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._path = path
        self._at = start
        self._end = identity.size if end is None else end
        self._identity = identity
        self._check()

    def _check(self) -> None:
        if identity_of(os.fstat(self._fd)) != self._identity:
            os.close(self._fd)
            self._fd = -1
            raise InputChangedError(0, "it was replaced or changed while the run read it; run again once it is written")

    def read(self, size: int = -1, /) -> bytes:
        left = max(0, self._end - self._at)
        size = left if size < 0 else min(size, left)
        block = os.pread(self._fd, size, self._at) if size else b""
        self._at += len(block)
        if not block:
            self._check()  # the last read: was it the file planned, to its end?
        return block

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        super().close()


# ------------------------------------------------------------------ in a worker

# A worker writes its events to the spool this many at a time.
SPOOL_BATCH = 256


def work_in_worker(part: Part, options: Options, spool: str) -> str:
    """A worker's task: one part read, parsed and rendered, its events kept in a file in `spool`; the file's name.

    The file holds, for each piece in order, batches of events then the piece's
    Outcome. The answer through the pipe is the file's name only: short enough
    to arrive whole or not at all.
    """
    render = options.renderer()
    fd, path = tempfile.mkstemp(suffix=".part", dir=spool)
    with open(fd, "wb") as kept:
        batch: list[Event] = []

        def keep(event: Event) -> None:
            batch.append(event)
            if len(batch) >= SPOOL_BATCH:
                pickle.dump(batch, kept, protocol=pickle.HIGHEST_PROTOCOL)
                batch.clear()

        for piece in part.pieces:
            outcome = process(piece, options, render, keep)
            if batch:
                pickle.dump(batch, kept, protocol=pickle.HIGHEST_PROTOCOL)
                batch.clear()
            pickle.dump(outcome, kept, protocol=pickle.HIGHEST_PROTOCOL)
            if outcome.failure is not None and outcome.failure.kind == "strict":
                break  # the run stops there: the rest of the part is not wanted
    return path


def read_back(path: str) -> Iterator[list[Event] | Outcome]:
    """What a worker kept in a spool file, in order: batches of events, and each piece's Outcome; then it is removed."""
    try:
        with open(path, "rb") as kept:
            while True:
                try:
                    found = pickle.load(kept)  # noqa: S301 - written by this run's own worker, in its own folder
                except EOFError:
                    return
                yield found
    finally:
        os.unlink(path)
