"""`convert`: digests in, one output out. The one orchestration, which the command line calls as it is.

Everything that can be checked is checked before anything is read or written
(the format, the encoding, the codes of `allow`, every output's place, and that
no output is one of the inputs: checks.py); then the inputs are read in parts (parts.py),
on one process or on a pool of workers (pool.py, work.py), put in order
(assemble.py) into one output; and one rule decides what a run leaves behind:

- the output appears whole when the run succeeds, and is left exactly as it was
  when an input could not be read or decoded, --strict failed, input that held
  something gave no entry at all, or the run was stopped (outputs.py; a
  database's transaction is rolled back);
- --diagnostics, --rejects and --summary are written for failed runs too (they
  say what went wrong), but not for a run stopped by Ctrl-C.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import IO, Any, NamedTuple, TextIO

from . import __version__, checks, formats
from .assemble import (
    ArchiveTarget,
    Assembler,
    DocumentTarget,
    InputSummary,
    Summary,
    Target,
)
from .errors import EXIT_INTERNAL, EXIT_UNWRITABLE, OutputError, UsageError, WorkerLostError
from .inputs import STDIN, Input, shown_name
from .models import Diagnostic
from .outputs import Output
from .parts import PART_BYTES, Part, Piece, Planner, one_process_parts
from .work import Options, Outcome, process, read_back, work_in_worker

# With jobs="auto", worker processes are started for this much input or more: two
# parts' worth, the least that two processes can share.
AUTO_MIN_BYTES = 2 * PART_BYTES


class Progress(NamedTuple):
    """How far a run has got: for a progress bar."""

    files: int  # the inputs
    total: int  # their bytes, as far as known (a stream's are not)
    done: int  # the bytes read so far


Path_ = str | os.PathLike[str]


def convert(
    inputs: Iterable[Path_],
    *,
    out: Path_ | TextIO,
    to: str | None = None,
    jobs: int | str = "auto",
    strict: bool = False,
    allow: Collection[str] = (),
    encoding: str = "utf-8",
    title: str | None = None,
    formula_guard: bool = True,
    dedupe: bool = False,
    diagnostics: Path_ | None = None,
    rejects: Path_ | None = None,
    summary: Path_ | None = None,
    on_diagnostic: Callable[[Diagnostic], object] | None = None,
    on_progress: Callable[[Progress], object] | None = None,
    part_bytes: int = PART_BYTES,
    stdin: IO[bytes] | None = None,
) -> Summary:
    """Parse digests and write them as one document or archive; on every core when the input is large enough.

    `inputs` are files, folders (every .txt file under them) or "-" for standard
    input. `out` is a path ("-" for standard output), or an open text file for a
    document, written as it goes. `to` is a format of digestparse.formats, by
    default the one `out`'s extension names, else json. `diagnostics`,
    `rejects` and `summary` are the command line's side files (paths, or "-").
    `on_diagnostic` receives every Diagnostic in input order; `on_progress` a
    Progress now and then. The output is the same, byte for byte, whatever
    `jobs` is. Inputs that cannot be read, a failed `strict` and input with no
    entry are in the Summary (`summary.exit_status`), not raised; UsageError,
    OutputError and WorkerLostError are raised, the output left as it was.
    """
    out_path = None if not isinstance(out, str | os.PathLike) else os.fspath(out)
    fmt = formats.for_output(to, out_path if out_path != STDIN else None)
    items = checks.expand(inputs)
    checks.settings(fmt, out_path, out, encoding=encoding, allow=allow)
    sides = {"--diagnostics": checks.path(diagnostics), "--rejects": checks.path(rejects),
             "--summary": checks.path(summary)}  # fmt: skip
    checks.outputs({"-o": out_path, **sides}, items, stdin)
    if title is None and fmt.name == "markdown" and len(items) == 1 and not items[0].is_stdin:
        title = os.path.basename(items[0].source)
    options = Options(to=fmt.name, title=title, formula_guard=formula_guard, strict=strict, allow=frozenset(allow),
                      encoding=encoding)  # fmt: skip
    sizes = [_size(item) for item in items]
    run = _Run(items, options, fmt, strict=strict, allow=allow, dedupe=dedupe and not fmt.dedupes_itself,
               jobs=resolve_jobs(jobs, sizes), part_bytes=part_bytes, progress=on_progress, total=sum(sizes),
               stdin=stdin if stdin is not None else sys.stdin.buffer)  # fmt: skip
    failure: BaseException | None = None
    with (
        Output(sides["--diagnostics"], "--diagnostics") as diagnostics_out,
        Output(sides["--rejects"], "--rejects") as rejects_out,
        Output(sides["--summary"], "--summary") as summary_out,
    ):

        def hear(found: Diagnostic) -> None:
            diagnostics_out.write(json.dumps(found.model_dump(mode="json"), ensure_ascii=False) + "\n")
            if found.code == "skipped-text":
                rejects_out.write(reject_block(found))
            if on_diagnostic is not None:
                on_diagnostic(found)

        status = EXIT_INTERNAL
        try:
            run.into(out, hear)
            status = run.summary.exit_status
        except OutputError as error:
            failure, status = error, EXIT_UNWRITABLE
        except WorkerLostError as error:
            failure, status = error, EXIT_INTERNAL
        finally:
            if summary_out.active and sys.exc_info()[0] is None:  # not for a run stopped short (Ctrl-C, a bug)
                report = summary_object(run.summary, fmt.name, out_path, status)
                summary_out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if failure is not None:
        raise failure
    return run.summary


def summary_object(summary: Summary, to: str, out: str | None, status: int) -> dict[str, Any]:
    """The --summary object: the run's figures, each input's, and its exit status."""
    return {
        "digestparse": __version__,
        "exit_status": status,
        "format": to,
        "output": shown_name(out) if out not in (None, STDIN) else None,
        "files": len(summary.inputs),
        "entries": summary.total("entries"),
        "ok": summary.total("ok"),
        "partial": summary.total("partial"),
        "skipped_blocks": summary.total("skipped_blocks"),
        "files_without_entries": summary.without_entries,
        "duplicates_dropped": summary.duplicates,
        "diagnostics": dict(sorted(summary.codes.items())),
        "inputs": [one.as_json() for one in summary.inputs],
    }


def reject_block(found: Diagnostic) -> str:
    """One skipped block in the --rejects layout: a header line, then the block's lines, then a blank line.

    The header, `==> SOURCE line N <==` or `==> SOURCE lines N-M <==`, says how
    many lines follow (M - N + 1), so a block that holds blank lines reads back whole.
    """
    first, last = found.line, found.end_line
    span = f"line {first}" if first == last else f"lines {first}-{last}"
    return f"==> {found.source} {span} <==\n{found.text or ''}\n\n"


def _size(item: Input) -> int:
    if item.is_stdin:
        return 0
    try:
        found = os.stat(item.name)
    except OSError:
        return 0
    return found.st_size if stat.S_ISREG(found.st_mode) else 0


def cores() -> int:
    """The processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def resolve_jobs(jobs: int | str, sizes: list[int]) -> int:
    """The number of processes for inputs of these sizes: `auto` is one for small inputs, every core for large ones."""
    if jobs == "auto":
        return cores() if sum(sizes) >= AUTO_MIN_BYTES else 1
    try:
        count = int(jobs)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError(f"expected auto or a whole number of 1 or more for jobs, found {jobs!r}")
    return count


# ---------------------------------------------------------------------- the run


class _Run:
    """One run: its inputs read in parts, in order, into its output."""

    def __init__(self, items: list[Input], options: Options, fmt: formats.Format, *, strict: bool,
                 allow: Collection[str], dedupe: bool, jobs: int, part_bytes: int,
                 progress: Callable[[Progress], object] | None, total: int, stdin: IO[bytes]) -> None:  # fmt: skip
        self.items = items
        self.options = options
        self.fmt = fmt
        self.jobs = jobs
        self.part_bytes = part_bytes
        self.stdin = stdin
        self.strict = strict
        self.allow = allow
        self.dedupe = dedupe
        self._assembler: Assembler | None = None
        self._progress = progress
        self._total = total
        self._done = 0
        self._failed: set[int] = set()  # inputs that stopped at a failure: the rest of their parts are dropped

    @property
    def summary(self) -> Summary:
        """What the run saw (nothing, if it stopped before it began)."""
        if self._assembler is None:
            return Summary(inputs=[InputSummary(item.source) for item in self.items])
        return self._assembler.summary

    @property
    def assembler(self) -> Assembler:
        if self._assembler is None:  # pragma: no cover - into() makes it before any part is read
            raise TypeError("the run has no output yet")
        return self._assembler

    def _begin(self, target: Target, hear: Callable[[Diagnostic], object]) -> None:
        self._assembler = Assembler(self.items, target, hear, strict=self.strict, allow=self.allow,
                                    dedupe=self.dedupe)  # fmt: skip

    def into(self, out: Path_ | TextIO, hear: Callable[[Diagnostic], object]) -> None:
        """Read every input into `out`; leave it as it was when the run fails (Summary.failed, empty_handed)."""
        if self.fmt.archive:
            path = os.fspath(out) if isinstance(out, str | os.PathLike) else ""  # _check: always a path
            with self.fmt.load()(path, inputs=[item.source for item in self.items]) as sink:
                self._begin(ArchiveTarget(sink), hear)
                try:
                    self._read_all()
                finally:
                    if self._leaves_nothing():
                        sink.abandon()
            self.summary.written = f"{shown_name(path)}: {sink.added}"  # once the sink has written all of it
            return
        from .export import document  # noqa: PLC0415 - the text formats, for a run that writes one

        made = document(self.fmt.name, title=self.options.title, formula_guard=self.options.formula_guard)
        if not isinstance(out, str | os.PathLike):
            target = DocumentTarget(made, out.write)
            self._begin(target, hear)
            self._read_all()
            target.end()
            return
        with Output(os.fspath(out), "-o", default_stdout=True) as written:
            target = DocumentTarget(made, written.write)
            self._begin(target, hear)
            try:
                self._read_all()
            finally:
                if self._leaves_nothing():
                    written.abandon()
            target.end()

    def _leaves_nothing(self) -> bool:
        summary = self.summary
        return summary.failed or summary.empty_handed or self.assembler.stopped

    def _read_all(self) -> None:
        try:
            if self.jobs <= 1:
                for part in one_process_parts(self.items):
                    self._read_here(part, {})
                    if self.assembler.stopped:
                        break
            else:
                self._read_in_pool()
            if not self.assembler.stopped:
                self.assembler.finish()
        finally:
            self.assembler.abandon()

    def _read_in_pool(self) -> None:
        from .pool import Pool, spool_folder  # noqa: PLC0415 - a run on one process does not pay for it

        planner = Planner(self.items, part_bytes=self.part_bytes, encoding=self.options.encoding, stdin=self.stdin)
        try:
            with spool_folder() as spool, Pool(self.jobs) as pool:

                def task(part: Part) -> tuple[Callable[..., str], tuple[Any, ...]] | None:
                    return None if part.local else (work_in_worker, (part, self.options, spool))

                for part, answer in pool.ordered(planner.parts(), task, ahead=2 * self.jobs):
                    if answer is None:
                        self._read_here(part, planner.streams)
                    else:
                        self._take(part, answer)
                    if self.assembler.stopped:
                        pool.terminate()
                        return
        finally:
            planner.close()

    def _read_here(self, part: Part, streams: dict[int, IO[bytes]]) -> None:
        render = self.options.renderer()
        for piece in part.pieces:
            if piece.input in self._failed:
                continue
            self.assembler.begin(piece)
            stream = self.stdin if piece.item.is_stdin else streams.get(piece.input)
            outcome = process(piece, self.options, render, self.assembler.event, stream=stream,
                              on_read=self._advance)  # fmt: skip
            self._done_with(piece.input, outcome)
            if self.assembler.stopped:
                return

    def _take(self, part: Part, spooled: str) -> None:
        """A part a worker read: its events from the spool, piece after piece, as one process would give them."""
        pieces: Iterator[Piece] = iter(part.pieces)
        piece: Piece | None = next(pieces)
        for record in read_back(spooled):
            if piece is None:  # pragma: no cover - a worker writes one outcome a piece
                break
            if piece.input in self._failed:
                if not isinstance(record, list):
                    piece = next(pieces, None)
                continue
            self.assembler.begin(piece)
            if isinstance(record, list):
                for event in record:
                    self.assembler.event(event)
                continue
            self._done_with(piece.input, record)
            self._advance(piece.size)
            if self.assembler.stopped:
                return
            piece = next(pieces, None)

    def _done_with(self, index: int, outcome: Outcome) -> None:
        self.assembler.done(outcome)
        if outcome.failure is not None:
            self._failed.add(index)

    def _advance(self, size: int) -> None:
        self._done += size
        if self._progress is not None:
            self._progress(Progress(len(self.items), self._total, self._done))
