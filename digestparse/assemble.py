"""The main process's side of a run: events put in input order into the output, counted, deduplicated.

Events come in input order, from the main process's own reading or from the
workers' spool files, and take one path here whatever their origin: the output,
the diagnostics and the counts are the same, byte for byte, for any number of
processes. Here too are the diagnostics about whole inputs (`no-entries`) and
about sightings (`duplicate-entry`), and the run's Summary and exit status.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from .errors import EXIT_NO_ENTRIES, EXIT_OK, EXIT_STRICT, EXIT_UNREADABLE
from .inputs import STDIN_NAME, Input
from .models import Diagnostic, diagnostic
from .parts import Piece
from .work import Event, Outcome, Rendered


@dataclass
class InputSummary:
    """What one input gave."""

    source: str
    entries: int = 0
    ok: int = 0
    partial: int = 0
    skipped_blocks: int = 0
    not_a_digest: int = 0
    nonempty: bool = False  # the input held anything at all
    error: dict[str, str] | None = None

    def as_json(self) -> dict[str, object]:
        """The input's line of the --summary file."""
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
    without_entries: int = 0  # inputs read in full that gave no entry
    written: str | None = None  # what an archive took in, as the summary line says it
    stopped_by: Diagnostic | None = None  # the diagnostic that failed --strict

    def total(self, key: str) -> int:
        """The sum over the inputs of one of their figures."""
        return sum(getattr(one, key) for one in self.inputs)

    @property
    def not_a_digest(self) -> int:
        """Inputs that are markup or binary data."""
        return self.total("not_a_digest")

    @property
    def failed(self) -> bool:
        """Whether an input could not be read or decoded, an input is not a digest, or --strict failed.

        The output is then left as it was."""
        return bool(self.unreadable or self.not_a_digest or self.strict_failed)

    @property
    def empty_handed(self) -> bool:
        """Whether input that held something gave no entry at all: the output is left as it was too."""
        return self.total("entries") == 0 and any(one.nonempty for one in self.inputs)

    @property
    def exit_status(self) -> int:
        """The command line's exit status for this run (an output that cannot be written aside: 5)."""
        if self.unreadable:
            return EXIT_UNREADABLE
        if self.strict_failed:
            return EXIT_STRICT
        if self.not_a_digest or self.empty_handed:
            return EXIT_NO_ENTRIES
        return EXIT_OK


class Target(Protocol):
    """Where the assembler puts entries, in order: a document's text, or an archive."""

    def add(self, payload: object, source: str | None) -> None:
        """The next entry, rendered where it was parsed."""

    def diagnostic(self, found: Diagnostic) -> None:
        """A diagnostic that is no entry's issue (skipped text, an error), for a target that keeps them."""


class Assembler:
    """Puts a run's events, in input order, into its target; counts them; says what no part can say.

    `hear` is given every diagnostic, in input order. With `strict`, a problem
    of the run's own (an input that gave no entry) stops the run as a parser's
    problem does. With `dedupe`, each id is written once: the best sighting (ok
    over partial; among equals the first) in the place of the first, through a
    spool (`_Deduplicated`) since the best may come last.
    """

    def __init__(
        self,
        items: list[Input],
        target: Target,
        hear: Callable[[Diagnostic], object],
        *,
        strict: bool = False,
        allow: Collection[str] = (),
        dedupe: bool = False,
    ) -> None:
        self.summary = Summary(inputs=[InputSummary(item.source) for item in items])
        self._target = target
        self._hear = hear
        self._strict = strict
        self._allow = allow
        self._deduplicated = _Deduplicated(target, self._said) if dedupe else None
        self._input = -1
        self.stopped = False

    def begin(self, piece: Piece) -> None:
        """The events that follow are this piece's."""
        if piece.input != self._input:
            self._close_input()
            self._input = piece.input

    def event(self, event: Event) -> None:
        """One event of the current piece, in input order."""
        one = self.summary.inputs[self._input]
        one.nonempty = True
        if isinstance(event, Rendered):
            one.entries += 1
            if event.ok:
                one.ok += 1
            else:
                one.partial += 1
            for issue in event.issues:
                self._said(issue)
            if self._deduplicated is None:
                self._target.add(event.payload, event.source)
            elif not self._deduplicated.add(event):
                self.summary.duplicates += 1
            return
        if event.code == "skipped-text":
            one.skipped_blocks += 1
        elif event.code == "not-a-digest":  # markup: the parser's one error for the whole input
            one.not_a_digest += 1
            one.error = {"code": event.code, "message": event.message}
        self._said(event)
        self._target.diagnostic(event)

    def done(self, outcome: Outcome) -> None:
        """The current piece has ended; after a failure, `stopped` says whether the run goes on."""
        one = self.summary.inputs[self._input]
        one.nonempty = one.nonempty or outcome.nonempty
        if outcome.failure is None:
            return
        kind, found = outcome.failure
        one.error = {"code": found.code, "message": found.message}
        self._said(found)
        self._target.diagnostic(found)
        if kind == "unreadable":
            self.summary.unreadable += 1
        elif kind == "not-a-digest":
            one.not_a_digest += 1
        else:
            self._stop(found)

    def _stop(self, found: Diagnostic) -> None:
        """--strict failed: the run stops here."""
        self.summary.strict_failed = self.stopped = True
        self.summary.stopped_by = found

    def finish(self) -> None:
        """The run has read everything: the last input's end, and the deduplicated entries in place."""
        self._close_input()
        if self._deduplicated is not None and not self.stopped:
            self._deduplicated.write_out()

    def abandon(self) -> None:
        """The run stops short: let go of what is held for deduplication."""
        if self._deduplicated is not None:
            self._deduplicated.close()

    def _close_input(self) -> None:
        """An input has ended: one that gave no entry, read in full, says so (no-entries)."""
        if self._input < 0 or self.stopped:
            return
        one = self.summary.inputs[self._input]
        if one.entries or one.error is not None:
            return
        self.summary.without_entries += 1
        blocks = one.skipped_blocks
        what = f"its text is {blocks} skipped block{'s' if blocks != 1 else ''}" if one.nonempty else "it is empty"
        message = f"Expected entries in {one.source}, found none: {what}"
        found = diagnostic("no-entries", message, source=one.source, line=None, column=None, end_line=None)
        self._said(found)
        self._target.diagnostic(found)
        if self._strict and found.code not in self._allow:
            self._stop(found)

    def _said(self, found: Diagnostic) -> None:
        self.summary.codes[found.code] += 1
        self._hear(found)


def _where(source: str | None, line: int) -> str:
    return f"{source or STDIN_NAME}:{line}"


@dataclass
class _Sighting:
    """Where an id was first seen, and which of its sightings is kept."""

    first: str
    kept: str
    ok: bool


class _Deduplicated:
    """Each id's best sighting, in the place of its first: entries go through a spool file, written out at the end.

    The first sighting of each id goes to the spool; a later ok sighting of an id
    whose kept one is partial is held, and written in its place when the spool
    is written out. Memory holds the ids and those better sightings only.
    """

    def __init__(self, target: Target, said: Callable[[Diagnostic], None]) -> None:
        self._target = target
        self._said = said
        self._seen: dict[str, _Sighting] = {}
        self._better: dict[str, tuple[object, str | None]] = {}
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by write_out or close

    def add(self, entry: Rendered) -> bool:
        """Take one sighting; whether it is the first of its id (a later one is dropped, or replaces the kept one)."""
        here = _where(entry.source, entry.line)
        seen = self._seen.get(entry.id)
        if seen is None:
            self._seen[entry.id] = _Sighting(here, here, entry.ok)
            pickle.dump((entry.id, entry.payload, entry.source), self._spool, protocol=pickle.HIGHEST_PROTOCOL)
            return True
        if entry.ok and not seen.ok:
            dropped, seen.kept, seen.ok = seen.kept, here, True
            self._better[entry.id] = (entry.payload, entry.source)
            told = f"kept this ok sighting in its place, dropped the partial one at {dropped}"
        else:
            told = f"dropped it, kept the sighting at {seen.kept}"
        message = f"Expected each entry once, found {entry.id} again, first seen at {seen.first}; {told}"
        found = diagnostic(
            "duplicate-entry", message, source=entry.source, line=entry.line, column=None, end_line=entry.end_line
        )
        self._said(found)
        return False

    def write_out(self) -> None:
        """Every kept sighting into the target, in the order of first sightings."""
        spool = self._spool
        spool.seek(0)
        while True:
            try:
                entry_id, payload, source = pickle.load(spool)  # noqa: S301 - this run's own file
            except EOFError:
                break
            better = self._better.get(entry_id)
            self._target.add(*(better or (payload, source)))
        self.close()

    def close(self) -> None:
        self._spool.close()


# ------------------------------------------------------------------ targets


class DocumentTarget:
    """A document of one of the text formats, its text written as it grows."""

    def __init__(self, document: Any, write: Callable[[str], object]) -> None:
        self.document = document
        self._write = write
        write(document.begin())

    def add(self, payload: object, source: str | None) -> None:
        self._write(self.document.add(str(payload), source))

    def diagnostic(self, found: Diagnostic) -> None:
        return None

    def end(self) -> None:
        """What comes after the last entry."""
        self._write(self.document.end())


class ArchiveTarget:
    """An archive of digestparse.sinks: each entry's record, and the diagnostics when it keeps them."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self._keep = getattr(sink, "add_diagnostic", None)

    def add(self, payload: object, source: str | None) -> None:
        self.sink.add(payload)

    def diagnostic(self, found: Diagnostic) -> None:
        if self._keep is not None:
            self._keep(found)

    def end(self) -> None:
        """Nothing: the sink writes its end when it is left."""
