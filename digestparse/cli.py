"""The command line: read digests, write one combined output, report honestly.

Exit statuses (SPEC section 3): 0 success (warnings allowed); 1 the input
failed --strict; 2 usage error; 3 no entry found in non-empty input; 4 a file
could not be read or decoded.
"""

from __future__ import annotations

import argparse
import codecs
import gc
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .errors import DigestError, DigestParseError
from .fields import escape_controls
from .reader import STDIN, STDIN_NAME

if TYPE_CHECKING:
    from .models import Diagnostic, Entry

# The parser, the models and the exporters (pydantic, lark) are imported when
# there is work to do, so that --help and usage errors answer at once.

EXIT_OK, EXIT_STRICT, EXIT_USAGE, EXIT_NO_ENTRIES, EXIT_UNREADABLE = 0, 1, 2, 3, 4

FORMATS = ("json", "jsonl", "csv", "markdown", "digest")
EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".md": "markdown",
              ".markdown": "markdown", ".txt": "digest"}  # fmt: skip


class UsageError(Exception):
    """A mistake in the command line itself: exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, kept separate so the README and tests can show it."""
    parser = argparse.ArgumentParser(
        prog="digestparse",
        description="Turn plain-text news digests into JSON, JSON Lines, CSV, Markdown or clean digest text.",
        epilog="Exit status: 0 success (warnings allowed), 1 --strict failed, 2 usage error, "
        "3 no entry found in non-empty input, 4 a file could not be read or decoded.",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE",
        help="digest files; '-' or none reads standard input; a directory means every .txt file under it",
    )  # fmt: skip
    parser.add_argument("--to", choices=FORMATS, help="output format (default: from -o's extension, else json)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write here instead of standard output")
    parser.add_argument("--strict", action="store_true", help="fail (exit 1) on any warning or error")
    parser.add_argument("--diagnostics", metavar="FILE", help="write every diagnostic here, one JSON object a line")
    parser.add_argument("--rejects", metavar="FILE", help="write the verbatim text of every skipped block here")
    parser.add_argument("--schema", action="store_true", help="print the JSON Schema of an entry and exit")
    parser.add_argument("--encoding", default="utf-8", help="the input's text encoding (default: utf-8)")
    parser.add_argument(
        "--no-formula-guard", dest="formula_guard", action="store_false",
        help="CSV: leave cells that begin with = + - @ as they are (by default they get a leading ')",
    )  # fmt: skip
    parser.add_argument(
        "-j", "--jobs", type=_positive, default=1, metavar="N",
        help="parse files in N processes at once (default 1); the output keeps the order of the inputs",
    )  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="print no diagnostics, no summary, no progress bar")
    parser.add_argument("--debug", action="store_true", help="let unexpected errors show their traceback")
    parser.add_argument("--version", action="version", version=f"digestparse {__version__}")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, found {text!r}")
    return value


@dataclass
class Tally:
    """What the run saw, for the summary line and the exit status."""

    files: int = 0
    entries: int = 0
    ok: int = 0
    partial: int = 0
    skipped: int = 0
    nonempty_input: bool = False
    unreadable: int = 0
    strict_failed: bool = False

    def summary(self) -> str:
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        entries = f"{self.entries} entr{'ies' if self.entries != 1 else 'y'}"
        blocks = f"{self.skipped} skipped block{'s' if self.skipped != 1 else ''}"
        line = f"{files}, {entries}: {self.ok} ok, {self.partial} partial; {blocks}"
        if self.unreadable:
            line += f"; {self.unreadable} unreadable"
        return line


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed its usage message
        return int(stop.code or 0)
    _prefer_utf8(sys.stdout)
    try:
        return _run(args, own_process=argv is None)
    except _StdoutClosedError:
        return EXIT_OK
    except (UsageError, DigestError) as error:
        print(f"digestparse: error: {escape_controls(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: never a traceback
        if args.debug:
            raise
        print(
            f"digestparse: internal error: {type(error).__name__}: {escape_controls(str(error))} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 70


def _run(args: argparse.Namespace, *, own_process: bool = False) -> int:
    if args.schema:
        from .models import Entry  # noqa: PLC0415 - see the note on imports above

        _write_stdout(json.dumps(Entry.model_json_schema(), indent=2) + "\n")
        return EXIT_OK
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise UsageError(f"expected a known text encoding for --encoding, found {args.encoding!r}") from None
    fmt = _choose_format(args.to, args.output)
    from .syntax import prepare  # noqa: PLC0415 - see the note on imports above

    prepare()
    if own_process:
        _settle()
    inputs = list(_expand_inputs(args.files or [STDIN]))
    _check_outputs(args)
    tally = Tally()
    with (
        _Sink(args.output, default_stdout=True) as out,
        _Sink(args.diagnostics) as diag_out,
        _Sink(args.rejects) as reject_out,
    ):
        progress = _Progress(inputs, enabled=not args.quiet and sys.stderr.isatty())
        report = _Reporter(quiet=args.quiet, diagnostics=diag_out, rejects=reject_out, progress=progress)
        entries = _entries(inputs, args, tally, report, progress)
        try:
            for piece in _render(fmt, entries, args, inputs):
                out.write(piece)
        finally:
            progress.close()
        status = _status(tally)
        if status not in (EXIT_OK, EXIT_NO_ENTRIES):
            out.abandon()
    if not args.quiet:
        print(tally.summary(), file=sys.stderr)
    return status


def _settle() -> None:
    """Import what the run needs, then keep the garbage collector's full passes off all of it.

    What pydantic and lark build at import lives as long as the process, and a
    full collection walks every object of it (tens of milliseconds, once or
    twice a run, found by profiling). Frozen, it is never walked again. Only for
    the process's own command line (main() without arguments): a program that
    calls main() itself keeps its collector as it was.
    """
    from . import batch, export  # noqa: F401, PLC0415 - imported to be frozen with the rest

    gc.freeze()


def _status(tally: Tally) -> int:
    if tally.unreadable:
        return EXIT_UNREADABLE
    if tally.strict_failed:
        return EXIT_STRICT
    if tally.entries == 0 and tally.nonempty_input:
        return EXIT_NO_ENTRIES
    return EXIT_OK


def _choose_format(to: str | None, output: str | None) -> str:
    if to is not None:
        return to
    if output is not None and output != STDIN:
        return EXTENSIONS.get(Path(output).suffix.lower(), "json")
    return "json"


def _expand_inputs(names: list[str]) -> Iterator[str]:
    for name in names:
        if name == STDIN:
            yield name
            continue
        path = Path(name)
        if path.is_dir():
            found = sorted(str(p) for p in path.rglob("*.txt") if p.is_file())
            if not found:
                raise UsageError(f"expected .txt files in the directory {name!r}, found none")
            yield from found
        else:
            yield name


def _check_outputs(args: argparse.Namespace) -> None:
    """At most one output on standard output, and a folder that exists for each file."""
    on_stdout = [flag for flag, path in (("--diagnostics", args.diagnostics), ("--rejects", args.rejects))
                 if path == STDIN]  # fmt: skip
    if len(on_stdout) > 1 or (on_stdout and args.output in (None, STDIN)):
        raise UsageError(
            f"expected one output on standard output, found {on_stdout[-1]} - as well as "
            + ("--diagnostics -" if len(on_stdout) > 1 else "the entries (give -o FILE for them)")
        )
    for path in (args.output, args.diagnostics, args.rejects):
        if path is not None and path != STDIN:
            _check_writable(path)


def _check_writable(path: str) -> None:
    folder = Path(path).parent
    if not folder.is_dir():
        raise UsageError(f"expected an existing folder for {path!r}, found no folder {str(folder)!r}")
    if Path(path).is_dir():
        raise UsageError(f"expected a file name to write, found the directory {path!r}")


def _entries(
    inputs: list[str], args: argparse.Namespace, tally: Tally, report: _Reporter, progress: _Progress
) -> Iterator[Entry]:
    from .batch import read_inputs  # noqa: PLC0415 - see the note on imports above
    from .models import Entry  # noqa: PLC0415

    streams = read_inputs(
        inputs,
        stdin=sys.stdin.buffer,
        jobs=args.jobs,
        strict=args.strict,
        encoding=args.encoding,
        on_read=progress.advance,
    )
    for _source, events in streams:
        tally.files += 1
        try:
            for event in events:
                tally.nonempty_input = True
                if isinstance(event, Entry):
                    tally.entries += 1
                    if event.status == "ok":
                        tally.ok += 1
                    else:
                        tally.partial += 1
                    for issue in event.issues:
                        report.diagnostic(issue)
                    yield event
                else:
                    tally.skipped += 1
                    report.diagnostic(event)
        except DigestParseError as error:
            report.error(error)
            if error.code in ("decode-error", "read-error"):
                tally.unreadable += 1
            else:
                tally.strict_failed = True
                return


def _render(fmt: str, entries: Iterable[Entry], args: argparse.Namespace, inputs: list[str]) -> Iterator[str]:
    from . import export  # noqa: PLC0415 - see the note on imports above

    if fmt == "json":
        return export.iter_json(entries)
    if fmt == "jsonl":
        return export.iter_jsonl(entries)
    if fmt == "csv":
        return export.iter_csv(entries, formula_guard=args.formula_guard)
    if fmt == "markdown":
        title = Path(inputs[0]).name if len(inputs) == 1 and inputs[0] != STDIN else "Digest"
        return export.iter_markdown(entries, title=title)
    return export.iter_digest(entries)


class _Reporter:
    """Diagnostics to standard error, the --diagnostics file and the --rejects file."""

    def __init__(self, *, quiet: bool, diagnostics: _Sink, rejects: _Sink, progress: _Progress) -> None:
        self.progress = progress
        self.quiet = quiet
        self.diagnostics = diagnostics
        self.rejects = rejects

    def diagnostic(self, diagnostic: Diagnostic) -> None:
        if not self.quiet:
            self.progress.say(format_diagnostic(diagnostic))
        if self.diagnostics.active:
            self.diagnostics.write(json.dumps(diagnostic.model_dump(mode="json"), ensure_ascii=False) + "\n")
        if self.rejects.active and diagnostic.code == "skipped-text" and diagnostic.text is not None:
            self.rejects.write(diagnostic.text + "\n\n")

    def error(self, error: DigestParseError) -> None:
        from .models import Diagnostic  # noqa: PLC0415 - see the note on imports above

        diagnostic = Diagnostic(
            code=error.code,
            severity="error",
            message=error.message,
            source=error.source,
            line=error.line,
            column=error.column,
            end_line=error.line,
        )
        self.progress.say(format_diagnostic(diagnostic))
        if self.diagnostics.active:
            self.diagnostics.write(json.dumps(diagnostic.model_dump(mode="json"), ensure_ascii=False) + "\n")


# A progress bar is worth showing for this much work, and only to a terminal.
PROGRESS_MIN_FILES = 20
PROGRESS_MIN_BYTES = 32 << 20


class _Progress:
    """A progress bar on standard error (tqdm), when it is a terminal and the work is long."""

    def __init__(self, inputs: list[str], *, enabled: bool) -> None:
        self.bar: Any = None
        if not enabled:
            return
        total = sum(os.path.getsize(name) for name in inputs if name != STDIN and os.path.isfile(name))
        if len(inputs) < PROGRESS_MIN_FILES and total < PROGRESS_MIN_BYTES:
            return
        from tqdm import tqdm  # noqa: PLC0415 - imported only when a bar is shown: it costs start-up time

        self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                        desc="digestparse", leave=False, dynamic_ncols=True)  # fmt: skip

    def advance(self, size: int) -> None:
        if self.bar is not None:
            self.bar.update(size)

    def say(self, line: str) -> None:
        """Print a line on standard error without tearing the bar."""
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def format_diagnostic(diagnostic: Diagnostic) -> str:
    """SOURCE:LINE:COLUMN: SEVERITY: MESSAGE [CODE], control characters escaped."""
    source = diagnostic.source or STDIN_NAME
    return escape_controls(
        f"{source}:{diagnostic.line}:{diagnostic.column}: "
        f"{diagnostic.severity}: {diagnostic.message} [{diagnostic.code}]"
    )


class _Sink:
    """Where output goes: standard output, or a file that appears whole or not at all.

    A file is written to a temporary file beside it and renamed into place when
    the run succeeds, so a failed run never leaves a half-written file.
    """

    def __init__(self, path: str | None, *, default_stdout: bool = False) -> None:
        # "-" is standard output; no path at all is standard output for the
        # entries, and nothing for the side files (--diagnostics, --rejects).
        self.path = None if path in (None, STDIN) else path
        self.to_stdout = path == STDIN or (path is None and default_stdout)
        self.active = self.path is not None or self.to_stdout
        self._handle: TextIO | None = None
        self._temp: str | None = None
        self._abandoned = False

    def __enter__(self) -> _Sink:
        if self.path is not None:
            folder = os.path.dirname(os.path.abspath(self.path))
            fd, self._temp = tempfile.mkstemp(prefix=".digestparse-", suffix=".tmp", dir=folder)
            self._handle = open(fd, "w", encoding="utf-8", newline="")
        return self

    def write(self, text: str) -> None:
        if self._handle is not None:
            self._handle.write(text)
        elif self.to_stdout:
            _write_stdout(text)

    def abandon(self) -> None:
        """Leave any existing file as it was: the run failed."""
        self._abandoned = True

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if self._handle is None or self._temp is None or self.path is None:
            if self.to_stdout:
                _flush_stdout()
            return
        self._handle.close()
        if kind is None and not self._abandoned:
            os.chmod(self._temp, _new_file_mode(self.path))
            os.replace(self._temp, self.path)
        else:
            os.unlink(self._temp)


def _new_file_mode(path: str) -> int:
    # The temporary file is private (0600); the result gets the mode a plain
    # open() would give it, or keeps the mode of the file it replaces.
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


class _StdoutClosedError(Exception):
    """The reader of standard output went away (`| head`)."""


def _write_stdout(text: str) -> None:
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        _silence_stdout()
        raise _StdoutClosedError from None


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _prefer_utf8(stream: TextIO) -> None:
    # Output is UTF-8 whatever the locale says; a test's StringIO is left alone.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8")
