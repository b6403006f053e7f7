"""Digests to one output, in parts, on one core or on all of them: `convert`, and the command line's engine.

An input is read in parts. With one process each input is one part, read and
written as it streams. With several, a large file is cut where the grouping
allows (lines.cut_points) and each worker reads its own byte range; standard
input and pipes (`<(zcat archive.gz)`), which can be read only once, are read
and cut by the main process; many files are many parts. A part is parsed and
rendered where it is read: entries into the output format's text, diagnostics
into their JSON line, their message and their rejects block. The main process
only puts the rendered parts in input order into the output, a few parts ahead
at most. The output, the diagnostics
and the tallies are the same, byte for byte, whatever the number of processes.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import signal
import stat
import sys
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, NamedTuple, Protocol, TextIO

from .errors import DigestParseError, WorkerLostError
from .export import Document
from .lines import cut_points
from .models import Diagnostic, Entry
from .outputs import Output
from .parser import events
from .reader import (
    STDIN,
    STDIN_NAME,
    ReadCounter,
    decoded_chunks,
    expand_inputs,
    lines_of_chunks,
    looks_like_binary,
    looks_like_markup,
    make_line,
    unreadable,
)
from .text import escape_controls

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from .sinks import Parquet, SQLite

# A large file is cut into parts of about this size: small enough to keep every
# worker busy and memory flat, large enough that each part's set-up is negligible
# (on 40 MB, parts of 1 MB ran as fast as parts of 2 MB, with a peak of 54 MB against 72).
PART_BYTES = 1 << 20
# With --jobs auto, worker processes are started for this much input or more: two
# parts' worth, the least that two processes can share. Two workers cost about 0.04 s
# to start; on two cores they took 2.5 MB from 0.48 s to 0.37 s and two 1 MB files
# from 0.41 s to 0.32 s, and made one 2.0 MB file (one part) 0.04 s slower.
AUTO_MIN_BYTES = 2 * PART_BYTES
# How far past a part's planned end to look for a place to cut (lines.cut_points).
CUT_WINDOW = 64 << 10
CUT_REACH = 1 << 20


def source_name(name: str) -> str:
    """The name an input's entries carry: the path as given, or <stdin>."""
    return STDIN_NAME if name == STDIN else name


# ----------------------------------------------------------------- rendered


class Message(NamedTuple):
    """A diagnostic, rendered where it was found: what the output files and standard error need of it."""

    code: str
    severity: str
    text: str  # the message itself
    line: str  # for standard error: SOURCE:LINE:COLUMN: SEVERITY: MESSAGE [CODE]
    record: str  # for --diagnostics: one JSON object and a line feed ("" unless asked for)
    reject: str  # for --rejects: the skipped block under its header ("" unless asked for, or not skipped text)
    entry: str | None = None  # the id of the entry it is an issue of


class Rendered(NamedTuple):
    """An entry, rendered where it was parsed: its text in the output format (or its record), and its issues."""

    payload: object  # the text of a document's format; the entry's fields (model_dump) for an archive
    source: str | None
    id: str
    line: int
    end_line: int
    ok: bool
    issues: tuple[Message, ...]


Event = Rendered | Message


class Failure(NamedTuple):
    """What stopped a part: the file could not be read or decoded, is not a digest, or failed --strict."""

    kind: str  # "unreadable", "not-a-digest" or "strict"
    message: Message


def record_of(diagnostic: Diagnostic) -> dict[str, object]:
    """A diagnostic as the JSON object --diagnostics writes."""
    return diagnostic.model_dump(mode="json")


def message_line(record: Mapping[str, object]) -> str:
    """SOURCE:LINE:COLUMN: SEVERITY: MESSAGE [CODE], control characters escaped; with no line (or column), less."""
    where = str(record["source"] or STDIN_NAME)
    if record["line"] is not None:
        where += f":{record['line']}"
        if record["column"] is not None:
            where += f":{record['column']}"
    return escape_controls(f"{where}: {record['severity']}: {record['message']} [{record['code']}]")


def reject_block(source: str | None, first: int, last: int, text: str) -> str:
    """One skipped block in the --rejects layout: a header line, then the block's lines, then a blank line.

    The header, `==> SOURCE line N <==` or `==> SOURCE lines N-M <==`, says how
    many lines follow (M - N + 1), so a block that holds blank lines reads back whole.
    """
    span = f"line {first}" if first == last else f"lines {first}-{last}"
    return f"==> {source or STDIN_NAME} {span} <==\n{text}\n\n"


@dataclass(frozen=True)
class Options:
    """How each part is read and rendered; the same for every part, and sent to every worker."""

    to: str = "jsonl"
    title: str | None = None
    formula_guard: bool = True
    strict: bool = False
    allow: frozenset[str] = frozenset()
    encoding: str = "utf-8"
    records: bool = False  # render each diagnostic's JSON line (--diagnostics)
    rejects: bool = False  # render each skipped block (--rejects)

    def message(
        self, record: Mapping[str, object], diagnostic: Diagnostic | None = None, entry: str | None = None
    ) -> Message:
        """A diagnostic's rendered forms."""
        json_line = json.dumps(record, ensure_ascii=False) + "\n" if self.records else ""
        reject = ""
        if self.rejects and diagnostic is not None and diagnostic.code == "skipped-text":
            text = diagnostic.text or ""
            reject = reject_block(diagnostic.source, diagnostic.line, diagnostic.end_line, text)
        code, severity, text = str(record["code"]), str(record["severity"]), str(record["message"])
        return Message(code, severity, text, message_line(record), json_line, reject, entry)

    def diagnostic(self, diagnostic: Diagnostic, entry: str | None = None) -> Message:
        """A diagnostic of the parser, rendered; `entry`, the id of the entry it is an issue of."""
        return self.message(record_of(diagnostic), diagnostic, entry)

    def renderer(self) -> Callable[[Entry], object]:
        """What an entry becomes where it is parsed: its text in a document's format, or its record for an archive."""
        if self.to in ARCHIVES:
            return _fields_of
        return Document(self.to, title=self.title, formula_guard=self.formula_guard).render


# The formats that go into an archive (digestparse.sinks) rather than a text document.
ARCHIVES = ("sqlite", "parquet")


def _fields_of(entry: Entry) -> object:
    return entry.model_dump()


# -------------------------------------------------------------------- parts


@dataclass(frozen=True)
class Part:
    """A stretch of one input: a whole file, a byte range of one, or bytes read from standard input."""

    input: int  # the input's place among the inputs
    source: str
    path: str | None = None  # None: the bytes are in `data`
    data: bytes | None = None
    start: int = 0
    end: int | None = None  # None: to the end of the file
    first_line: int = 1
    first: bool = True  # the part starts its input: a byte-order mark, sniffing for markup and binary data

    @property
    def size(self) -> int:
        """The part's bytes (for a progress bar); -1 when unknown (a whole file not yet opened)."""
        if self.data is not None:
            return len(self.data)
        return -1 if self.end is None else self.end - self.start


class _Range:
    """A byte range of a file, read with os.pread: each part's own reads, whatever the others do."""

    def __init__(self, path: str, start: int, end: int | None) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._at = start
        self._end = end

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            size = 1 << 30
        if self._end is not None:
            size = max(0, min(size, self._end - self._at))
        block = os.pread(self._fd, size, self._at) if size else b""
        self._at += len(block)
        return block

    def close(self) -> None:
        os.close(self._fd)


class Outcome(NamedTuple):
    """How a part ended: in full, or stopped by a failure (after the events it gave)."""

    failure: Failure | None
    nonempty: bool  # the part held anything at all


def process(
    part: Part,
    options: Options,
    emit: Callable[[Event], object],
    stdin: IO[bytes] | None = None,
    on_read: Callable[[int], object] | None = None,
) -> Outcome:
    """Read, parse and render one part, giving each event to `emit` in input order.

    `stdin`, for a part of standard input read as it streams; `on_read` hears the size of each read.
    """
    render = options.renderer()
    nonempty = False
    try:
        handle: _Range | _Bytes | IO[bytes]
        if part.path is not None and part.start == 0 and part.end is None:
            handle = open(part.path, "rb")  # noqa: SIM115 - closed below; a whole file, a pipe (<(zcat ...)) too
        elif part.path is not None:
            handle = _Range(part.path, part.start, part.end)
        else:
            handle = _Bytes(part.data if part.data is not None else b"", stdin)
        try:
            counted = handle if on_read is None else ReadCounter(handle, on_read)
            chunks = decoded_chunks(counted, options.encoding, part.source, sniff=part.first)
            lines = lines_of_chunks(chunks, part.source, first_number=part.first_line, at_start=part.first)
            for event in events(lines, part.source, options.strict, options.allow, sniff=part.first):
                nonempty = True
                if isinstance(event, Entry):
                    issues = tuple(options.diagnostic(issue, event.id) for issue in event.issues)
                    emit(
                        Rendered(
                            render(event),
                            event.source,
                            event.id,
                            event.line,
                            event.end_line,
                            event.status == "ok",
                            issues,
                        )
                    )
                else:
                    emit(options.diagnostic(event))
        finally:
            handle.close()
    except OSError as error:
        # A whole input that cannot be read has no line or column to point at.
        message = unreadable(part.source, error)
        record: dict[str, object] = {"code": "read-error", "severity": "error", "message": message,
                                     "source": part.source, "line": None, "column": None, "end_line": None}  # fmt: skip
        return Outcome(Failure("unreadable", options.message(record)), nonempty)
    except DigestParseError as error:
        located: dict[str, object] = {"code": error.code, "severity": "error", "message": error.message,
                                      "source": error.source, "line": error.line, "column": error.column,
                                      "end_line": error.line}  # fmt: skip
        return Outcome(Failure(_failure_kind(error, options), options.message(located)), True)
    return Outcome(None, nonempty)


def _failure_kind(error: DigestParseError, options: Options) -> str:
    if error.code == "decode-error":
        return "unreadable"
    if error.code == "not-a-digest" and (not options.strict or error.code in options.allow):
        return "not-a-digest"  # binary data: the reader refuses it, strict or not
    return "strict"


class _Bytes:
    """A part's bytes already in memory (standard input), or standard input itself, read to its end."""

    def __init__(self, data: bytes, stdin: IO[bytes] | None) -> None:
        self._data = memoryview(data)
        self._at = 0
        self._stdin = stdin

    def read(self, size: int = -1, /) -> bytes:
        if self._stdin is not None:
            return self._stdin.read(size)
        block = bytes(self._data[self._at : self._at + size if size >= 0 else None])
        self._at += len(block)
        return block

    def close(self) -> None:
        return None


class Gathered(NamedTuple):
    """A part's events as a worker sends them back: the entries (rendered), the diagnostics, their counts."""

    payloads: list[object]
    ids: list[str]
    spans: list[tuple[int, int]]  # each entry's line and end_line
    messages: list[Message]
    message_at: list[int]  # for each diagnostic, how many of the part's entries came before it
    counts: InputSummary
    outcome: Outcome


def process_in_worker(part: Part, options: Options, spool: str) -> str:
    """A worker process's task: one part read, parsed and rendered, and how it ended, kept in a file in `spool`.

    The worker answers with the file's name only. A message that short reaches
    the main process whole or not at all, so a worker killed at any moment (by
    the system, for want of memory) is a clear error: with the part itself in
    the answer, a worker killed while sending it left the pool waiting forever
    for the rest (a limit of Python's ProcessPoolExecutor).
    """
    gathered = _gathered(part, options)
    fd, path = tempfile.mkstemp(suffix=".part", dir=spool)
    with open(fd, "wb") as kept:
        pickle.dump(gathered, kept, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def take_back(path: str) -> Gathered:
    """What a worker kept in a file (process_in_worker); the file is removed."""
    try:
        with open(path, "rb") as kept:
            gathered: Gathered = pickle.load(kept)  # noqa: S301 - written by this run's own worker, in its own folder
    finally:
        os.unlink(path)
    return gathered


def _gathered(part: Part, options: Options) -> Gathered:
    gathered = Gathered([], [], [], [], [], InputSummary(part.source), Outcome(None, False))

    def gather(event: Event) -> None:
        gathered.counts.count(event)
        entries = len(gathered.payloads)
        if isinstance(event, Rendered):
            gathered.messages.extend(event.issues)
            gathered.message_at.extend([entries] * len(event.issues))
            gathered.payloads.append(event.payload)
            gathered.ids.append(event.id)
            gathered.spans.append((event.line, event.end_line))
        else:
            gathered.messages.append(event)
            gathered.message_at.append(entries)

    outcome = process(part, options, gather)
    return gathered._replace(outcome=outcome)


def count_lines(path: str, start: int, end: int) -> int:
    """The line ends in a byte range of a file (CR LF, CR and LF each end a line): where the next range starts."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.pread(fd, end - start, start)
    finally:
        os.close(fd)
    return _line_ends(data)


def _line_ends(data: bytes) -> int:
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


def _may_cut(head: bytes, encoding: str) -> bool:
    """Whether an input that starts with `head` may be cut: UTF-8 text (a line end's bytes are known), a digest."""
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf8") or looks_like_binary(head):
        return False
    text = head[:CUT_WINDOW].decode("utf-8", "replace")
    lines = [make_line(n, raw) for n, raw in enumerate(text.splitlines()[:100], start=1)]
    return looks_like_markup([line.text for line in lines if not line.blank][:20]) is None


def file_ranges(path: str, part_bytes: int = PART_BYTES, encoding: str = "utf-8") -> list[tuple[int, int]]:
    """A file's byte ranges, cut where the grouping allows, about `part_bytes` each (one if it may not be cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size < 2 * part_bytes or not _may_cut(os.pread(fd, CUT_WINDOW, 0), encoding):
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


def _stream_parts(index: int, source: str, stream: IO[bytes], part_bytes: int, encoding: str) -> Iterator[Part]:
    """An input that can be read only once, in order, read here in parts cut where the grouping allows.

    Standard input, or a pipe given by name (`<(zcat archive.gz)`): the workers
    cannot read it themselves.
    """
    pending = stream.read(part_bytes)
    if not _may_cut(pending, encoding):  # the whole of it, in one part
        yield Part(index, source, data=pending + stream.read())
        return
    first_line = 1
    first = True
    while True:
        block = stream.read(part_bytes)
        pending += block
        cut = cut_in(pending[part_bytes // 2 :], at_end=not block) if len(pending) >= part_bytes else None
        if cut is None or part_bytes // 2 + cut >= len(pending):
            if block:
                continue
            yield Part(index, source, data=pending, first_line=first_line, first=first)
            return
        cut += part_bytes // 2
        yield Part(index, source, data=pending[:cut], first_line=first_line, first=first)
        first_line += _line_ends(pending[:cut])
        pending, first = pending[cut:], False


def _read_once(path: str) -> bool:
    """Whether a named input can be read only once, in order: a pipe or a device rather than a regular file."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # the worker meets the same error, and reports it


# ----------------------------------------------------------------- running


def cores() -> int:
    """The processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def resolve_jobs(jobs: int | str, names: list[str]) -> int:
    """The number of processes: `auto` is one for small inputs and every core for large ones."""
    if jobs != "auto":
        return max(1, int(jobs))
    known = sum(os.path.getsize(name) for name in names if name != STDIN and os.path.isfile(name))
    return cores() if known >= AUTO_MIN_BYTES else 1


class Decision(NamedTuple):
    """What the consumer of a part's outcome wants next."""

    stop: bool  # nothing more: --strict failed


GO_ON = Decision(stop=False)
STOP = Decision(stop=True)


def run(
    names: list[str],
    options: Options,
    assembler: Assembler,
    *,
    jobs: int,
    stdin: IO[bytes],
    on_read: Callable[[int], object] | None = None,
    part_bytes: int = PART_BYTES,
) -> None:
    """Process every input in order, giving each event and each part's outcome to `assembler`.

    With one process, each input is one part, streamed. With more, the parts go
    to a pool of worker processes, at most 2 x `jobs` ahead of the one being
    consumed; after a failure, the rest of that input's parts are dropped.
    """
    if jobs <= 1:
        for index, name in enumerate(names):
            part = Part(index, source_name(name), path=None if name == STDIN else name)
            assembler.begin_part(part)
            outcome = process(part, options, assembler.emit, stdin if name == STDIN else None, on_read=on_read)
            if assembler.done(part, outcome).stop:
                return
        return
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - one process does not pay for the pool
    from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

    with (
        tempfile.TemporaryDirectory(prefix="digestparse-") as spool,
        ProcessPoolExecutor(max_workers=jobs, initializer=_leave_interrupts_to_the_main_process) as pool,
    ):
        try:
            _run_in_pool(pool, names, options, assembler, jobs=jobs, stdin=stdin, on_read=on_read,
                         part_bytes=part_bytes, spool=spool)  # fmt: skip
        except BaseException as stopped:  # a worker lost, Ctrl-C, an output that cannot be written: no part more
            pool.shutdown(wait=True, cancel_futures=True)
            if isinstance(stopped, BrokenProcessPool):
                raise WorkerLostError(
                    "a worker process stopped before its part was done (killed by a signal, or by the system for "
                    "want of memory)"
                ) from None
            raise


def _leave_interrupts_to_the_main_process() -> None:
    """A worker ignores Ctrl-C, which a terminal sends to every process of the command: the main process stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _planned(pool: Executor, names: list[str], stdin: IO[bytes], options: Options, part_bytes: int) -> Iterator[Part]:
    """Every part of every input, in order, each knowing the number of its first line."""
    for index, name in enumerate(names):
        if name == STDIN:
            yield from _stream_parts(index, STDIN_NAME, stdin, part_bytes, options.encoding)
            continue
        if _read_once(name):
            try:
                stream = open(name, "rb")  # noqa: SIM115 - closed below, when its last part is read
            except OSError:
                yield Part(index, name, path=name)  # the worker meets the same error, and reports it
                continue
            with stream:
                yield from _stream_parts(index, name, stream, part_bytes, options.encoding)
            continue
        try:
            ranges = file_ranges(name, part_bytes, options.encoding)
        except OSError:
            ranges = [(0, -1)]  # the worker meets the same error, and reports it
        # The line numbers each range starts at: its line ends, counted by the workers, range by range.
        counts = [pool.submit(count_lines, name, start, end) for start, end in ranges[:-1]]
        first_line = 1
        for k, (start, end) in enumerate(ranges):
            yield Part(index, name, path=name, start=start, end=None if end < 0 else end, first_line=first_line,
                       first=k == 0)  # fmt: skip
            if k < len(counts):
                first_line += counts[k].result()


def _run_in_pool(
    pool: Executor,
    names: list[str],
    options: Options,
    assembler: Assembler,
    *,
    jobs: int,
    stdin: IO[bytes],
    on_read: Callable[[int], object] | None,
    part_bytes: int,
    spool: str,
) -> None:
    ahead: deque[tuple[Part, Future[str]]] = deque()
    failed: set[int] = set()  # inputs that stopped at a failure: the rest of their parts are dropped
    parts = _planned(pool, names, stdin, options, part_bytes)
    exhausted = False
    while ahead or not exhausted:
        while not exhausted and len(ahead) < 2 * jobs:
            part = next(parts, None)
            if part is None:
                exhausted = True
            else:
                ahead.append((part, pool.submit(process_in_worker, part, options, spool)))
        if not ahead:
            break
        part, task = ahead.popleft()
        gathered = take_back(task.result())
        outcome = gathered.outcome
        if part.input in failed:
            continue
        assembler.begin_part(part)
        assembler.take(part, gathered)
        if on_read is not None:
            on_read(part.size if part.size >= 0 else _file_size(part.path))
        if outcome.failure is not None:
            failed.add(part.input)
        if assembler.done(part, outcome).stop:
            for _, pending in ahead:
                pending.cancel()
            return


def _file_size(path: str | None) -> int:
    try:
        return os.path.getsize(path) if path is not None else 0
    except OSError:
        return 0


# ------------------------------------------------------------ putting in place


@dataclass
class InputSummary:
    """What one input gave (or one part of it)."""

    source: str
    entries: int = 0
    ok: int = 0
    partial: int = 0
    skipped_blocks: int = 0
    not_a_digest: int = 0
    nonempty: bool = False  # the input held anything at all
    error: dict[str, str] | None = None

    def count(self, event: Event) -> None:
        """Count one event of the input."""
        self.nonempty = True
        if isinstance(event, Rendered):
            self.entries += 1
            if event.ok:
                self.ok += 1
            else:
                self.partial += 1
        elif event.code == "skipped-text":
            self.skipped_blocks += 1
        elif event.code == "not-a-digest":
            self.not_a_digest += 1

    def add(self, part: InputSummary) -> None:
        """Add the counts of one of the input's parts."""
        self.entries += part.entries
        self.ok += part.ok
        self.partial += part.partial
        self.skipped_blocks += part.skipped_blocks
        self.not_a_digest += part.not_a_digest
        self.nonempty = self.nonempty or part.nonempty

    def as_json(self) -> dict[str, object]:
        return {"source": self.source, "entries": self.entries, "ok": self.ok, "partial": self.partial,
                "skipped_blocks": self.skipped_blocks, "error": self.error}  # fmt: skip


@dataclass
class Summary:
    """What a conversion saw: entries and skipped blocks for each input, diagnostics by code, failures."""

    inputs: list[InputSummary] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0
    strict_failed: bool = False
    duplicates: int = 0

    def total(self, key: str) -> int:
        """The sum over the inputs of one of their figures."""
        return sum(getattr(one, key) for one in self.inputs)

    @property
    def nonempty_input(self) -> bool:
        """Whether any input held anything at all."""
        return any(one.nonempty for one in self.inputs)

    @property
    def not_a_digest(self) -> int:
        """Inputs that are markup or binary data."""
        return self.total("not_a_digest")

    @property
    def failed(self) -> bool:
        """Whether the output should be left unwritten: an input could not be read, or --strict failed."""
        return bool(self.unreadable or self.strict_failed)


class Target(Protocol):
    """Where the main process puts the rendered entries, in order: a text document, or an archive."""

    def begin(self) -> None:
        """Before the first entry."""

    def add(self, payloads: list[object], source: str | None) -> None:
        """The next entries, rendered, all from one source."""

    def diagnostic(self, message: Message) -> None:
        """A diagnostic that is no entry's issue (skipped text, an error)."""

    def end(self) -> None:
        """After the last entry."""


class TextTarget:
    """A document in one of export's formats, its text written as it grows."""

    def __init__(self, options: Options, write: Callable[[str], object]) -> None:
        self.document = Document(options.to, title=options.title, formula_guard=options.formula_guard)
        self._write = write

    def begin(self) -> None:
        self._write(self.document.begin())

    def add(self, payloads: list[object], source: str | None) -> None:
        self._write("".join([self.document.add(str(text), source) for text in payloads]))

    def diagnostic(self, message: Message) -> None:
        return None

    def end(self) -> None:
        self._write(self.document.end())


class Archive(Protocol):
    """What a sink of digestparse.sinks takes."""

    def add(self, entry: Any) -> None: ...


class ArchiveTarget:
    """An archive (digestparse.sinks): each entry's fields, and the diagnostics when it keeps them."""

    def __init__(self, sink: Archive) -> None:
        self.sink = sink

    def begin(self) -> None:
        return None

    def add(self, payloads: list[object], source: str | None) -> None:
        for fields in payloads:
            self.sink.add(fields)

    def diagnostic(self, message: Message) -> None:
        keep = getattr(self.sink, "add_diagnostic", None)
        if keep is not None and message.record:
            keep(json.loads(message.record))

    def end(self) -> None:
        return None


class Assembler:
    """The main process's side: puts rendered events, in input order, into the target, and counts them.

    `on_message` hears each diagnostic, in order (the command line prints it, and
    writes its JSON line and rejects block). With `dedupe`, an entry whose id was
    already put in is dropped, and a `duplicate-entry` diagnostic says where it was first.
    """

    def __init__(
        self,
        names: list[str],
        options: Options,
        target: Target,
        on_message: Callable[[Message], object] | None = None,
        *,
        dedupe: bool = False,
    ) -> None:
        self.summary = Summary(inputs=[InputSummary(source_name(name)) for name in names])
        self.target = target
        self._options = options
        self._on_message = on_message
        self._input = 0
        self._seen: dict[str, tuple[str | None, int]] | None = {} if dedupe else None

    def begin(self) -> None:
        """What comes before the entries."""
        self.target.begin()

    def end(self) -> None:
        """What comes after the entries."""
        self.target.end()

    def emit(self, event: Event) -> None:
        """One event of the current part, in input order (a part read in this process)."""
        self.summary.inputs[self._input].count(event)
        if isinstance(event, Rendered):
            for issue in event.issues:
                self._message(issue)
            if self._first(event.id, event.source, (event.line, event.end_line)):
                self.target.add([event.payload], event.source)
        else:
            self._message(event)
            self.target.diagnostic(event)

    def take(self, part: Part, gathered: Gathered) -> None:
        """A part read by a worker: its diagnostics and entries, in the order one process would give them."""
        self.summary.inputs[part.input].add(gathered.counts)
        messages, at = gathered.messages, gathered.message_at
        kept: list[object] = []
        m = 0
        for n, payload in enumerate(gathered.payloads):
            while m < len(messages) and at[m] <= n:  # the diagnostics before entry n, its issues among them
                self._message(messages[m])
                if messages[m].entry is None:
                    self.target.diagnostic(messages[m])
                m += 1
            if self._first(gathered.ids[n], part.source, gathered.spans[n]):
                kept.append(payload)
        for message in messages[m:]:
            self._message(message)
            self.target.diagnostic(message)
        self.target.add(kept, part.source)

    def _first(self, entry: str, source: str | None, span: tuple[int, int]) -> bool:
        """Whether an entry goes in: always, or with `dedupe` the first time its id is seen."""
        seen = self._seen
        if seen is None:
            return True
        first = seen.get(entry)
        if first is None:
            seen[entry] = (source, span[0])
            return True
        self.summary.duplicates += 1
        where = f"{first[0] or STDIN_NAME}:{first[1]}"
        message = f"Expected each entry once, found {entry} again, first seen at {where}; dropped"
        record = {"code": "duplicate-entry", "severity": "info", "message": message, "source": source,
                  "line": span[0], "column": None, "end_line": span[1]}  # fmt: skip
        self._message(self._options.message(record, entry=entry))
        return False

    def begin_part(self, part: Part) -> None:
        """The events that follow are this part's."""
        self._input = part.input

    def done(self, part: Part, outcome: Outcome) -> Decision:
        """A part has ended; after a failure, say whether the run goes on."""
        if outcome.failure is None:
            return GO_ON
        kind, message = outcome.failure
        summary = self.summary
        one = summary.inputs[part.input]
        one.nonempty = one.nonempty or outcome.nonempty
        one.error = {"code": message.code, "message": message.text}
        self._message(message)
        self.target.diagnostic(message)
        if kind == "unreadable":
            summary.unreadable += 1
        elif kind == "not-a-digest":
            one.not_a_digest += 1
        else:
            summary.strict_failed = True
            return STOP
        return GO_ON

    def _message(self, message: Message) -> None:
        self.summary.codes[message.code] += 1
        if self._on_message is not None:
            self._on_message(message)


# ------------------------------------------------------------------ the library


def convert(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    to: str = "jsonl",
    out: str | os.PathLike[str] | TextIO,
    jobs: int | str = "auto",
    strict: bool = False,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    title: str | None = None,
    formula_guard: bool = True,
    dedupe: bool = False,
    on_message: Callable[[Message], object] | None = None,
    part_bytes: int = PART_BYTES,
) -> Summary:
    """Parse digest files and write them as one document or archive, on every core when they are large enough to gain.

    `to` is a document format (json, jsonl, csv, markdown, digest) or an archive
    (sqlite, parquet: digestparse.sinks). `out` is a path (a document is written
    under a temporary name and renamed into place, so that it appears whole, and
    only when no input failed; an archive is one transaction) or, for a document,
    an open text file. `jobs` is a number of processes, or "auto": one for small
    inputs, the cores for large ones; the output is the same, byte for byte,
    whatever it is. With `dedupe`, an entry whose id was already written is
    dropped. `on_message` receives each diagnostic, rendered, in input order. A
    folder means every .txt file under it; "-" reads standard input. Files that
    cannot be read and strict failures are in the returned Summary
    (`summary.failed`), not raised. `part_bytes` is the size of the parts a large
    file is cut into.
    """
    names = expand_inputs(inputs)
    options = Options(to=to, title=title, formula_guard=formula_guard, strict=strict, allow=frozenset(allow),
                      encoding=encoding, records=to == "sqlite")  # fmt: skip
    count = resolve_jobs(jobs, names)
    assemble = functools.partial(
        _assemble, names, options, on_message=on_message, jobs=count, part_bytes=part_bytes, dedupe=dedupe
    )
    if to in ARCHIVES:
        if not isinstance(out, str | os.PathLike):
            raise TypeError(f"expected a path to write the {to} archive to, found {type(out).__name__}")
        with open_archive(to, os.fspath(out), names) as sink:
            summary = assemble(ArchiveTarget(sink))
            if summary.failed:
                sink.abandon()
        return summary
    if not isinstance(out, str | os.PathLike):
        return assemble(TextTarget(options, out.write))
    with Output(os.fspath(out), "out") as document:
        summary = assemble(TextTarget(options, document.write))
        if summary.failed:
            document.abandon()
    return summary


def open_archive(to: str, path: str, names: list[str]) -> SQLite | Parquet:
    """The sink of an archive format, to be entered: a SQLite database or a Parquet file."""
    from .sinks import Parquet, SQLite  # noqa: PLC0415 - a run to a document does not pay for them

    return SQLite(path, inputs=names) if to == "sqlite" else Parquet(path)


def _assemble(
    names: list[str],
    options: Options,
    target: Target,
    *,
    on_message: Callable[[Message], object] | None,
    jobs: int,
    part_bytes: int,
    dedupe: bool,
) -> Summary:
    assembler = Assembler(names, options, target, on_message, dedupe=dedupe)
    assembler.begin()
    run(names, options, assembler, jobs=jobs, stdin=sys.stdin.buffer, part_bytes=part_bytes)
    assembler.end()
    return assembler.summary
