"""The library's front door: text or files in, a Digest or a stream of entries out.

reader.py turns an input into numbered lines, grouping.py groups them into entry
drafts and skipped blocks, build.py makes each an Entry or a Diagnostic. Under
`strict`, the first warning or error whose code is not in `allow` raises
DigestParseError instead.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator

from . import build
from .errors import DigestParseError
from .grouping import group
from .lines import Draft
from .models import Diagnostic, Digest, Entry
from .reader import (
    SNIFF_LINES,
    BinaryInput,
    Line,
    decoded_chunks,
    lines_of_chunks,
    lines_of_text,
    looks_like_markup,
    open_input,
)
from .reader import source_name as _name_of


def events(
    lines: Iterable[Line], source: str | None, strict: bool = False, allow: Collection[str] = (), *, sniff: bool = True
) -> Iterator[Entry | Diagnostic]:
    """Entries and skipped-text diagnostics, in input order, one at a time.

    With `sniff` (the lines start an input), an input whose first lines are markup is one `not-a-digest` error.
    When the lines stop at an error (bytes that cannot be decoded, a read that
    fails), the entries read before it are given, up to the last footer; then
    the error is raised.
    """
    stopped: list[DigestParseError | OSError] = []
    yield from _events(_until_error(lines, stopped), source, strict, allow, sniff=sniff, complete=lambda: not stopped)
    if stopped:
        raise stopped[0]


def _until_error(lines: Iterable[Line], stopped: list[DigestParseError | OSError]) -> Iterator[Line]:
    """The lines, ending (and keeping the error in `stopped`) where reading them fails."""
    try:
        yield from lines
    except (DigestParseError, OSError) as error:
        stopped.append(error)


def _events(
    lines: Iterable[Line],
    source: str | None,
    strict: bool,
    allow: Collection[str],
    *,
    sniff: bool,
    complete: Callable[[], bool],
) -> Iterator[Entry | Diagnostic]:
    stream = iter(lines)
    head: list[Line] = []
    solid: list[Line] = []
    for line in stream if sniff else ():
        head.append(line)
        if not line.blank:
            solid.append(line)
            if len(solid) == SNIFF_LINES:
                break
    markup = looks_like_markup([line.text for line in solid])
    if markup is not None:
        first = build.not_a_digest(markup, solid[0], solid[0], source)
        if strict:
            _raise_first_problem([first], allow)
        last = solid[-1]
        for line in stream:  # read to the end, for the span: nothing is lost
            if not line.blank:
                last = line
        yield build.not_a_digest(markup, solid[0], last, source)
        return
    for item in group(itertools.chain(head, stream), complete=complete):
        if isinstance(item, Draft):
            entry = build.entry(item, source)
            if strict:
                _raise_first_problem(entry.issues, allow)
            yield entry
        else:
            diagnostic = build.skipped(item, source)
            if strict:
                _raise_first_problem([diagnostic], allow)
            yield diagnostic


def _raise_first_problem(diagnostics: list[Diagnostic], allow: Collection[str]) -> None:
    for diagnostic in diagnostics:
        if diagnostic.is_problem and diagnostic.code not in allow:
            # A parser's diagnostic is always located (only a run's own, about a whole input, is not).
            line, column = diagnostic.line or 1, diagnostic.column or 1
            raise DigestParseError(diagnostic.message, line, column, source=diagnostic.source, code=diagnostic.code)


def collect(stream: Iterable[Entry | Diagnostic], source: str | None) -> Digest:
    """Gather a stream of events into a Digest, diagnostics in input order."""
    entries: list[Entry] = []
    diagnostics: list[Diagnostic] = []
    for event in stream:
        if isinstance(event, Entry):
            entries.append(event)
            diagnostics += event.issues
        else:
            diagnostics.append(event)
    return Digest(source=source, entries=entries, diagnostics=diagnostics)


def parse(text: str | bytes, source: str | None = None, strict: bool = False, *, allow: Collection[str] = ()) -> Digest:
    """Parse a digest held in a string (bytes are read as UTF-8)."""
    if isinstance(text, bytes | bytearray):
        return collect(stream_events(io.BytesIO(bytes(text)), strict=strict, allow=allow, source=source), source)
    if not isinstance(text, str):
        raise TypeError(f"parse() takes a str, not {type(text).__name__}")
    return collect(events(lines_of_text(text), source, strict, allow), source)


def parse_file(
    file: BinaryInput,
    strict: bool = False,
    *,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    source: str | None = None,
) -> Digest:
    """Parse a digest file, given by path or as an open binary file.

    A file that cannot be opened or read raises the OSError that `open` raises.
    """
    name = _name_of(file, source)
    return collect(stream_events(file, strict=strict, allow=allow, encoding=encoding, source=name), name)


def iter_entries(
    file: BinaryInput,
    strict: bool = False,
    *,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    source: str | None = None,
    on_diagnostic: Callable[[Diagnostic], object] | None = None,
) -> Iterator[Entry]:
    """Yield a file's entries one at a time, holding only the current entry in memory.

    Skipped text, which belongs to no entry, goes to `on_diagnostic` when given.
    """
    name = _name_of(file, source)
    for event in stream_events(file, strict=strict, allow=allow, encoding=encoding, source=name):
        if isinstance(event, Entry):
            yield event
        elif on_diagnostic is not None:
            on_diagnostic(event)


def stream_events(
    file: BinaryInput,
    *,
    strict: bool = False,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    source: str | None = None,
    first_line: int = 1,
    at_start: bool = True,
) -> Iterator[Entry | Diagnostic]:
    """Entries and skipped-text diagnostics of a file, streamed: the one reading pipeline.

    A file opened here is closed at the end. A stretch of an input that does not
    start it (`at_start` false: a part of a file cut in parts) starts at line
    `first_line`, and is neither sniffed for binary data or markup nor stripped
    of a byte-order mark. A file that cannot be opened or read raises OSError, as `open` does.
    """
    with open_input(file) as handle:
        chunks = decoded_chunks(handle, encoding, source, sniff=at_start)
        lines = lines_of_chunks(chunks, source, first_number=first_line, at_start=at_start)
        yield from events(lines, source, strict, allow, sniff=at_start)
