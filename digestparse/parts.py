"""Inputs in parts: what one task reads, a large file cut where the grouping allows, small files batched.

With one process, each input is one part, read as it streams. With several:

- a file of two parts' size or more is cut into byte ranges where the grouping
  allows (lines.cut_points: after a footer, before the next headline), each
  knowing the number of its first line; a worker reads its own range;
- smaller files go whole, batched into parts of about PART_BYTES, so that a
  crawl of thousands of small pages costs a handful of tasks, not thousands;
- standard input and named pipes, which can be read only once, are read and cut
  here, and their parts carry their bytes; a stream that is no digest text, or
  that shows no place to cut for CUT_REACH bytes, is read by the main process
  itself from there on, as it parses: memory stays flat.

A part that a worker reads carries each file's identity (device, inode, size,
time of change) as it was planned: a file replaced or changed in the meantime
is a read error, never a silent part of another file.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from typing import IO, NamedTuple

from .inputs import Input
from .lines import cut_points
from .reader import is_digest_text, make_line

# A large file is cut into parts of about this size: small enough to keep every
# worker busy and memory flat, large enough that each part's set-up is negligible
# (on 40 MB, parts of 1 MB ran as fast as parts of 2 MB, with a peak of 54 MB against 72).
PART_BYTES = 1 << 20
# How far past a part's planned end to look for a place to cut (lines.cut_points).
CUT_WINDOW = 64 << 10
CUT_REACH = 1 << 20


# Parts go to the workers pickled, a few thousand files a part: named tuples, which pickle in C
# (frozen dataclasses with slots took 0.6 s of the main process for 20,000 small files).


class Identity(NamedTuple):
    """What tells a file from another one that took its name, or from itself changed."""

    device: int
    inode: int
    size: int
    changed: int  # st_mtime_ns


def identity_of(found: os.stat_result) -> Identity:
    """The identity a stat result shows."""
    return Identity(found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


class Piece(NamedTuple):
    """A stretch of one input: a whole file, a byte range of one, or bytes of a stream."""

    input: int  # the input's place among the run's inputs
    item: Input
    start: int = 0
    end: int | None = None  # None: to the end
    first_line: int = 1
    first: bool = True  # the piece starts its input: a byte-order mark, sniffing for markup and binary data
    data: bytes | None = None  # bytes of a stream, read here
    stream: bool = False  # then the rest of the stream, read by the main process as it parses
    identity: Identity | None = None  # the file as planned, checked by the reader

    @property
    def size(self) -> int:
        """The piece's bytes as planned (for a progress bar); 0 when unknown (a stream)."""
        if self.data is not None:
            return len(self.data)
        if self.end is not None:
            return self.end - self.start
        return self.identity.size if self.identity is not None else 0


class Part(NamedTuple):
    """One task: pieces read one after the other, in input order."""

    pieces: tuple[Piece, ...]

    @property
    def local(self) -> bool:
        """Whether the main process must read it: it goes on reading a stream that only the main process holds."""
        return any(piece.stream for piece in self.pieces)

    @property
    def size(self) -> int:
        """The part's bytes as planned."""
        return sum(piece.size for piece in self.pieces)


def one_process_parts(items: list[Input]) -> Iterator[Part]:
    """Each input in one part, read as it streams (a file, a pipe, standard input)."""
    for index, item in enumerate(items):
        yield Part((Piece(index, item, stream=item.is_stdin),))


class Planner:
    """The parts of a run on several processes, planned as they are asked for; streams opened here are closed."""

    def __init__(self, items: list[Input], *, part_bytes: int, encoding: str, stdin: IO[bytes]) -> None:
        self.items = items
        self.part_bytes = part_bytes
        self.encoding = encoding
        self._stdin = stdin
        self.streams: dict[int, IO[bytes]] = {}  # the stream of each input read here, by the input's place

    def parts(self) -> Iterator[Part]:
        """Every part of every input, in order."""
        batch: list[Piece] = []
        batched = 0
        for index, item in enumerate(self.items):
            ahead = self._pieces(index, item)
            for piece, alone in ahead:
                if alone:
                    if batch:
                        yield Part(tuple(batch))
                        batch, batched = [], 0
                    yield Part((piece,))
                    continue
                batch.append(piece)
                batched += piece.size
                if batched >= self.part_bytes:
                    yield Part(tuple(batch))
                    batch, batched = [], 0
        if batch:
            yield Part(tuple(batch))

    def close(self) -> None:
        """Close the named pipes opened here."""
        for index, stream in self.streams.items():
            if not self.items[index].is_stdin:
                stream.close()

    def _pieces(self, index: int, item: Input) -> Iterator[tuple[Piece, bool]]:
        """An input's pieces, each with whether it is a part of its own (else it may share one with others)."""
        if item.is_stdin:
            self.streams[index] = self._stdin
            yield from ((piece, True) for piece in self._stream_pieces(index, item, self._stdin))
            return
        try:
            found = os.stat(item.name)
        except OSError:
            yield Piece(index, item), False  # reading it meets the same error, and reports it
            return
        if not stat.S_ISREG(found.st_mode):
            if item.in_folder:  # a pipe or a device in a folder is reported, never opened (inputs.why_not_a_file)
                yield Piece(index, item), False
                return
            try:
                stream = open(item.name, "rb")  # noqa: SIM115 - closed by close(), when the run ends
            except OSError:
                yield Piece(index, item), False  # reading it meets the same error, and reports it
                return
            self.streams[index] = stream
            yield from ((piece, True) for piece in self._stream_pieces(index, item, stream))
            return
        identity = identity_of(found)
        if found.st_size < self.part_bytes:
            yield Piece(index, item, identity=identity), False
            return
        ranges = file_ranges(item.name, self.part_bytes, self.encoding)
        first_line = 1
        for k, (start, end) in enumerate(ranges):
            piece = Piece(index, item, start=start, end=end, first_line=first_line, first=k == 0, identity=identity)
            yield piece, True
            if k < len(ranges) - 1:
                first_line += count_line_ends(item.name, start, end)

    def _stream_pieces(self, index: int, item: Input, stream: IO[bytes]) -> Iterator[Piece]:
        """A stream that can be read only once, in order, cut here where the grouping allows.

        Standard input, or a pipe given by name (`<(zcat archive.gz)`): the workers
        cannot read it themselves. What is no digest text, or shows no place to cut
        for CUT_REACH bytes, is read from there on by the main process as it parses.
        """
        size = self.part_bytes
        pending = _read_up_to(stream, size + CUT_WINDOW)
        ended = len(pending) < size + CUT_WINDOW
        if not is_digest_text(pending[:CUT_WINDOW], self.encoding):
            yield Piece(index, item, data=pending, stream=not ended)
            return
        first_line, first = 1, True
        while True:
            cut = None
            window = CUT_WINDOW
            while len(pending) > size:  # a cut is looked for from `size` on, in windows as for a file
                if not ended and len(pending) < size + window:
                    more = _read_up_to(stream, size + window - len(pending))
                    ended = len(pending) + len(more) < size + window
                    pending += more
                found = cut_in(pending[size : size + window], at_end=ended and size + window >= len(pending))
                if found is not None:
                    cut = size + found
                    break
                if window >= CUT_REACH or (ended and size + window >= len(pending)):
                    break
                window *= 4
            if cut is None or cut >= len(pending):
                # The end of the stream (a part for a worker), or no place to cut within reach:
                # the rest is read by the main process as it parses.
                yield Piece(index, item, data=pending, first_line=first_line, first=first, stream=not ended)
                return
            yield Piece(index, item, data=pending[:cut], first_line=first_line, first=first)
            first_line += line_ends(pending[:cut])
            pending, first = pending[cut:], False
            if not ended:
                more = _read_up_to(stream, size + CUT_WINDOW - len(pending))
                ended = len(pending) + len(more) < size + CUT_WINDOW
                pending += more


def _read_up_to(stream: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes of a stream, fewer only at its end (a pipe gives what it holds at each read)."""
    blocks: list[bytes] = []
    got = 0
    while got < size:
        block = stream.read(size - got)
        if not block:
            break
        blocks.append(block)
        got += len(block)
    return b"".join(blocks)


def count_line_ends(path: str, start: int, end: int) -> int:
    """The line ends in a byte range of a file: where the next range's line numbers start."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return line_ends(os.pread(fd, end - start, start))
    finally:
        os.close(fd)


def line_ends(data: bytes) -> int:
    """The line ends in some bytes: CR LF, CR and LF each end a line."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


# ------------------------------------------------------------------ cutting

_LINE_END = re.compile(rb"\r\n|\r|\n")


def cut_in(data: bytes, *, at_end: bool) -> int | None:
    """The offset of the first place in `data` where its input may be cut (lines.cut_points), or None.

    `data` starts anywhere in the input: its first, partial line is skipped, and
    so is its last unless `at_end` says the input ends there. A line counts only
    whole, from a line end to the next.
    """
    ends = list(_LINE_END.finditer(data))
    starts = [match.end() for match in ends]  # where each line after a line end begins
    stops = [match.start() for match in ends[1:]]  # where it ends, at the next line end
    if at_end and starts and starts[-1] < len(data):
        stops.append(len(data))
    spans = zip(starts, stops, strict=False)  # the last line end may start no whole line
    whole = [make_line(n, data[a:b].decode("utf-8", "replace")) for n, (a, b) in enumerate(spans)]
    for line in cut_points(whole):
        return starts[line.number]
    return None


def _find_cut(fd: int, target: int, size: int) -> int | None:
    """The first place at or after `target` where the file may be cut, looked for within CUT_REACH bytes."""
    window = CUT_WINDOW
    while True:
        data = os.pread(fd, window, target)
        at_end = target + len(data) >= size
        cut = cut_in(data, at_end=at_end)
        if cut is not None:
            return target + cut
        if at_end or window >= CUT_REACH:
            return None
        window *= 4


def file_ranges(path: str, part_bytes: int = PART_BYTES, encoding: str = "utf-8") -> list[tuple[int, int]]:
    """A file's byte ranges, cut where the grouping allows, about `part_bytes` each (one if it may not be cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size < 2 * part_bytes or not is_digest_text(os.pread(fd, CUT_WINDOW, 0), encoding):
            return [(0, size)]
        cuts = [0]
        target = part_bytes
        while target + part_bytes // 2 < size:
            cut = _find_cut(fd, target, size)
            if cut is None or cut >= size:
                break
            cuts.append(cut)
            target = cut + part_bytes
    finally:
        os.close(fd)
    return list(zip(cuts, [*cuts[1:], size], strict=True))
