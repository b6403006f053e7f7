"""The command line: flags in, `convert()` run, diagnostics and a summary on standard error, an honest exit status.

Everything a run does is the library's `convert`; here are only the flags, what
standard error shows (each diagnostic, up to a screenful; a progress bar; the
summary line), and the mapping of what happened to an exit status (exit
statuses: digestparse.assemble, and the table of docs/cli.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
from collections import Counter
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, TextIO

from . import __version__
from .errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NO_ENTRIES,
    EXIT_OK,
    EXIT_STRICT,
    EXIT_TERMINATED,
    EXIT_UNREADABLE,
    EXIT_UNWRITABLE,
    EXIT_USAGE,
    DigestError,
    OutputError,
    StdoutClosedError,
    WorkerLostError,
)
from .formats import FORMATS
from .inputs import STDIN, STDIN_NAME
from .outputs import flush_stdout, write_stdout
from .text import escape_controls

if TYPE_CHECKING:
    from .assemble import Summary
    from .conversion import Progress
    from .models import Diagnostic

# The parser, the models and the exporters (pydantic, lark) are imported when
# there is work to do, so that --help and usage errors answer at once.

__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_NO_ENTRIES", "EXIT_OK", "EXIT_STRICT", "EXIT_TERMINATED",
           "EXIT_UNREADABLE", "EXIT_UNWRITABLE", "EXIT_USAGE", "build_parser", "main"]  # fmt: skip

# Standard error shows at most this many warnings and infos, one a line (a screenful); then it counts them.
SCREENFUL = 20
# A progress bar is worth showing for this much work, and only to a terminal.
PROGRESS_MIN_FILES = 20
PROGRESS_MIN_BYTES = 32 << 20


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, kept separate so that docs/cli.md and the tests can check it."""
    parser = argparse.ArgumentParser(
        prog="digestparse",
        description="Turn plain-text news digests into JSON, JSON Lines, CSV, Markdown, digest text, a SQLite "
        "database or a Parquet file.",
        epilog="Exit status: 0 success (warnings allowed), 1 --strict failed, 2 usage error, "
        "3 no entry found in non-empty input or an input that is not a digest, "
        "4 a file could not be read or decoded, 5 an output could not be written, 70 an internal error or a "
        "worker process lost, 130 Ctrl-C, 143 SIGTERM.",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE",
        help="digest files; '-' or none reads standard input; a directory means every file under it "
        "whose name ends in .txt (in any case: .TXT too), in sorted order",
    )  # fmt: skip
    parser.add_argument(
        "--to", choices=list(FORMATS),
        help="output format (default: from -o's extension, else json); sqlite and parquet need -o FILE",
    )  # fmt: skip
    parser.add_argument("-o", "--output", metavar="OUT", help="write here instead of standard output")
    parser.add_argument("--strict", action="store_true", help="fail (exit 1) on any warning or error")
    parser.add_argument(
        "--dedupe", action="store_true",
        help="across all inputs, write each entry id once: the best sighting (ok over partial, else the first), "
        "in the place of the first; the others are dropped and counted",
    )  # fmt: skip
    parser.add_argument(
        "--allow", action="append", default=[], metavar="CODE[,CODE...]",
        help="with --strict: diagnostics with these codes are still reported but do not fail the run "
        "(repeatable; for example --allow skipped-text)",
    )  # fmt: skip
    parser.add_argument(
        "--diagnostics", metavar="FILE",
        help="write every diagnostic here, one JSON object a line; standard error then counts them only",
    )  # fmt: skip
    parser.add_argument("--rejects", metavar="FILE", help="write the verbatim text of every skipped block here")
    parser.add_argument("--summary", metavar="FILE", help="write a JSON object describing the run here, at its end")
    parser.add_argument("--schema", action="store_true", help="print the JSON Schema of an entry and exit")
    parser.add_argument("--encoding", default="utf-8", help="the input's text encoding (default: utf-8)")
    parser.add_argument(
        "--no-formula-guard", dest="formula_guard", action="store_false",
        help="CSV: leave cells that begin with = + - @, a tab, a CR or their full-width forms as they are (by "
             "default they get a leading ')",
    )  # fmt: skip
    parser.add_argument(
        "-j", "--jobs", type=_jobs, default="auto", metavar="N",
        help="worker processes: a number, or auto (the default: one process for small inputs, every core for "
        "large ones); the output is the same, byte for byte",
    )  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print no warnings, no summary, no progress bar: only the errors that say why a run "
                             "failed")  # fmt: skip
    parser.add_argument("--debug", action="store_true", help="let unexpected errors show their traceback")
    parser.add_argument("--version", action="version", version=f"digestparse {__version__}")
    return parser


def _jobs(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected auto or a whole number of 1 or more, found {text!r}")
    return value


class _Stopped(KeyboardInterrupt):
    """SIGTERM, taken as Ctrl-C is: the run stops, its outputs are left as they were."""


# The signal that stopped the run, once one has. A library may wrap the KeyboardInterrupt a
# signal raises in its own error (pydantic does, when it comes in a serializer it calls):
# what was asked for is still a stop, never an internal error.
_received: list[int] = []


def _stop(number: int, frame: FrameType | None) -> None:
    _received.append(number)
    raise _Stopped if number == signal.SIGTERM else KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed its usage message
        return int(stop.code or 0)
    own_process = argv is None
    _prefer_utf8(sys.stdout)
    stderr = Stderr(sys.stderr)
    if own_process:
        signal.signal(signal.SIGTERM, _stop)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not where Ctrl-C is ignored
            signal.signal(signal.SIGINT, _stop)
    return _guarded(args, stderr, own_process=own_process)


def _guarded(args: argparse.Namespace, stderr: Stderr, *, own_process: bool) -> int:
    """The run, every way it can end turned into an exit status: never a traceback (but with --debug)."""
    try:
        return _run(args, stderr, own_process=own_process)
    except StdoutClosedError:
        return EXIT_OK
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: every output is left as it was, the workers stop
        return _stopped(stderr, terminated=isinstance(stop, _Stopped))
    except DigestError as error:
        return _failed(error, stderr)
    except Exception as error:  # the last line of defence: never a traceback
        if _received:  # a stop, wrapped by a library on its way out
            return _stopped(stderr, terminated=_received[0] == signal.SIGTERM)
        if args.debug:
            raise
        stderr.say(f"digestparse: internal error: {type(error).__name__}: {escape_controls(str(error))} "
                   "(run with --debug for details)")  # fmt: skip
        return EXIT_INTERNAL


def _stopped(stderr: Stderr, *, terminated: bool) -> int:
    stderr.say("digestparse: stopped by SIGTERM" if terminated else "digestparse: interrupted")
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


def _failed(error: DigestError, stderr: Stderr) -> int:
    """Say why the run could not be done; its exit status."""
    said = f"digestparse: error: {escape_controls(str(error))}"
    if isinstance(error, WorkerLostError):  # not digestparse's fault, but the run could not be done
        stderr.say(f"{said}; no output was written: run again, or with --jobs 1")
        return EXIT_INTERNAL
    stderr.say(said)
    return EXIT_UNWRITABLE if isinstance(error, OutputError) else EXIT_USAGE


def _run(args: argparse.Namespace, stderr: Stderr, *, own_process: bool) -> int:
    if args.schema:
        from .models import entry_schema  # noqa: PLC0415 - see the note on imports above

        write_stdout(json.dumps(entry_schema(), indent=2) + "\n")
        flush_stdout()
        return EXIT_OK
    from .conversion import convert  # noqa: PLC0415 - see the note on imports above

    if own_process:
        _freeze_imported_objects()
    files = args.files or [STDIN]
    if STDIN in files and not args.quiet and _is_terminal(sys.stdin):
        stderr.say("digestparse: reading a digest from standard input; end it with Ctrl-D (Ctrl-Z then Enter on "
                   "Windows), stop with Ctrl-C, or see digestparse --help")  # fmt: skip
    report = Report(stderr, quiet=args.quiet, diagnostics_file=args.diagnostics is not None)
    try:
        summary = convert(
            files, out=args.output or STDIN, to=args.to, jobs=args.jobs, strict=args.strict,
            allow=_allowed_codes(args.allow), encoding=args.encoding, formula_guard=args.formula_guard,
            dedupe=args.dedupe, diagnostics=args.diagnostics, rejects=args.rejects, summary=args.summary,
            on_diagnostic=report.hear, on_progress=report.progress,
        )  # fmt: skip
    finally:
        report.close()
    report.finish(summary, args.diagnostics)
    return summary.exit_status


def _allowed_codes(values: list[str]) -> frozenset[str]:
    return frozenset(code.strip() for value in values for code in value.split(",") if code.strip())


def _freeze_imported_objects() -> None:
    """Import what the run needs, then keep the garbage collector's full passes off all of it.

    What pydantic and lark build at import lives as long as the process, and a
    full collection walks every object of it (tens of milliseconds, once or
    twice a run, found by profiling). Frozen, it is never walked again. Only for
    the process's own command line (main() without arguments): a program that
    calls main() itself keeps its collector as it was.
    """
    from . import export, work  # noqa: F401, PLC0415 - imported to be frozen with the rest

    gc.freeze()


# ------------------------------------------------------------------ standard error


class Stderr:
    """Standard error, written one line at a time; when it cannot be written (closed, a full disk, a pipe
    nobody reads), it falls silent: diagnostics that cannot be shown are no reason to lose the entries."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.is_terminal = _is_terminal(stream)

    def say(self, line: str) -> None:
        """Write one line (one write: a Ctrl-C never cuts a line from its line end)."""
        if self.stream is None:
            return
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None


class Report:
    """What standard error shows of a run: its diagnostics (a screenful), a progress bar, a summary line."""

    def __init__(self, stderr: Stderr, *, quiet: bool, diagnostics_file: bool) -> None:
        self.stderr = stderr
        self.quiet = quiet
        self.diagnostics_file = diagnostics_file  # each diagnostic goes to --diagnostics: standard error counts them
        self.shown = 0
        self.unshown: Counter[str] = Counter()
        self._bar: Any = None
        self._bar_decided = False

    def hear(self, found: Diagnostic) -> None:
        """One diagnostic: shown, or counted."""
        if self.quiet and found.severity != "error":  # -q: an error still says why the run failed
            return
        if found.code == "duplicate-entry":  # each is in --diagnostics; the summary line counts them
            return
        if found.severity != "error" and (self.diagnostics_file or self.shown >= SCREENFUL):
            self.unshown[found.code] += 1
            return
        self.shown += found.severity != "error"
        self._say(message_line(found))

    def progress(self, progress: Progress) -> None:
        """How far the run has got: a bar on a terminal, when the work is long."""
        if not self._bar_decided:
            self._bar_decided = True
            long = progress.files >= PROGRESS_MIN_FILES or progress.total >= PROGRESS_MIN_BYTES
            if not self.quiet and self.stderr.is_terminal and long:
                import tqdm  # noqa: PLC0415 - imported only when a bar is shown: it costs start-up time

                tqdm.tqdm.monitor_interval = 0  # no thread of its own: the workers are forked processes
                self._bar = tqdm.tqdm(total=progress.total, unit="B", unit_scale=True, unit_divisor=1024,
                                      file=self.stderr.stream, desc="digestparse", leave=False,
                                      dynamic_ncols=True)  # fmt: skip
        if self._bar is not None:
            self._bar.update(progress.done - self._bar.n)

    def _say(self, line: str) -> None:
        if self._bar is not None:
            try:
                self._bar.write(line, file=self.stderr.stream)
            except (OSError, ValueError):
                self.stderr.stream = None
        else:
            self.stderr.say(line)

    def close(self) -> None:
        """The run has ended: the bar goes."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def finish(self, summary: Summary, diagnostics: str | None) -> None:
        """The lines after the run: what was not shown, why nothing was written, and the summary line."""
        if self.unshown and not self.quiet:
            counts = ", ".join(f"{code} {count:,}" for code, count in self.unshown.most_common())
            total = sum(self.unshown.values())
            if self.diagnostics_file:
                where = "standard output" if diagnostics == STDIN else diagnostics
                self._say(f"diagnostics: {counts}; every one is in {where}")
            else:
                self._say(f"... and {total:,} more diagnostic{'s' if total != 1 else ''} ({counts}): "
                          "--diagnostics FILE writes every one")  # fmt: skip
        stopped = summary.stopped_by
        if stopped is not None:
            where = message_line(stopped).split(": ", 1)[0]
            self._say(f"digestparse: error: --strict failed at {where} ({stopped.severity}, {stopped.code}); "
                      "the output was left as it was")  # fmt: skip
        elif summary.unreadable or summary.not_a_digest:
            failures = []
            if summary.unreadable:
                failures.append(f"{_inputs(summary.unreadable)} could not be read")
            if summary.not_a_digest:
                failures.append(f"{_inputs(summary.not_a_digest)} {'is' if summary.not_a_digest == 1 else 'are'} "
                                "not a digest")  # fmt: skip
            self._say(f"digestparse: error: {' and '.join(failures)}; the output was left as it was")
        elif summary.empty_handed:  # a failed --strict and a failed input are said above
            said = "the input" if len(summary.inputs) == 1 else f"any of the {len(summary.inputs)} inputs"
            self._say(f"digestparse: error: expected entries, found none in {said}; the output was left as it was")
        if not self.quiet:
            self._say(summary_line(summary))


def _inputs(count: int) -> str:
    return f"{count} input{'s' if count != 1 else ''}"


def message_line(found: Diagnostic) -> str:
    """SOURCE:LINE:COLUMN: SEVERITY: MESSAGE [CODE], control characters escaped; with no line (or column), less."""
    where = found.source or STDIN_NAME
    if found.line is not None:
        where += f":{found.line}"
        if found.column is not None:
            where += f":{found.column}"
    return escape_controls(f"{where}: {found.severity}: {found.message} [{found.code}]")


def summary_line(summary: Summary) -> str:
    """The one-line summary printed on standard error."""
    files, entries, blocks = len(summary.inputs), summary.total("entries"), summary.total("skipped_blocks")
    text = (
        f"{files} file{'s' if files != 1 else ''}, {entries} entr{'ies' if entries != 1 else 'y'}: "
        f"{summary.total('ok')} ok, {summary.total('partial')} partial; "
        f"{blocks} skipped block{'s' if blocks != 1 else ''}"
    )
    if summary.without_entries:
        text += f"; {summary.without_entries} with no entries"
    if summary.unreadable:
        text += f"; {summary.unreadable} unreadable"
    if summary.not_a_digest:
        text += f"; {summary.not_a_digest} not a digest"
    if summary.duplicates:
        text += f"; {summary.duplicates} duplicate{'s' if summary.duplicates != 1 else ''} dropped"
    if summary.written is not None and summary.exit_status in (EXIT_OK, EXIT_NO_ENTRIES) and not summary.empty_handed:
        text += f"; {summary.written}"
    return text


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except (OSError, ValueError):
        return False


def _prefer_utf8(stream: TextIO | IO[str] | None) -> None:
    # Output is UTF-8 whatever the locale says; a test's StringIO is left alone.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8")
