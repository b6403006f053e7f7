"""The command line: read digests, write one combined output, report honestly.

Exit statuses (SPEC section 3, and 5 for an output that cannot be written):
0 success (warnings allowed); 1 the input failed --strict; 2 usage error; 3 no
entry found in non-empty input, or an input that is not a digest; 4 a file
could not be read or decoded; 5 an output could not be written.
"""

from __future__ import annotations

import argparse
import codecs
import gc
import json
import os
import stat
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from . import __version__
from .codes import CODES, unknown
from .errors import DigestError, DigestParseError
from .reader import STDIN, STDIN_NAME
from .text import escape_controls

if TYPE_CHECKING:
    from .models import Diagnostic, Entry

# The parser, the models and the exporters (pydantic, lark) are imported when
# there is work to do, so that --help and usage errors answer at once.

EXIT_OK = 0
EXIT_STRICT = 1
EXIT_USAGE = 2
EXIT_NO_ENTRIES = 3
EXIT_UNREADABLE = 4
EXIT_UNWRITABLE = 5
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE: a fault of digestparse itself
EXIT_INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C (128 + SIGINT)

FORMATS = ("json", "jsonl", "csv", "markdown", "digest")
EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".md": "markdown",
              ".markdown": "markdown", ".txt": "digest"}  # fmt: skip
# The files a directory given as input contributes: these suffixes, in any case.
DIGEST_SUFFIXES = (".txt",)


class UsageError(Exception):
    """A mistake in the command line itself: exit status 2."""


class OutputError(Exception):
    """An output that cannot be written: exit status 5. The message names the user's path."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, kept separate so the README and tests can show it."""
    parser = argparse.ArgumentParser(
        prog="digestparse",
        description="Turn plain-text news digests into JSON, JSON Lines, CSV, Markdown or clean digest text.",
        epilog="Exit status: 0 success (warnings allowed), 1 --strict failed, 2 usage error, "
        "3 no entry found in non-empty input or an input that is not a digest, "
        "4 a file could not be read or decoded, 5 an output could not be written.",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE",
        help="digest files; '-' or none reads standard input; a directory means every file under it "
        "whose name ends in .txt (in any case: .TXT too), in sorted order",
    )  # fmt: skip
    parser.add_argument("--to", choices=FORMATS, help="output format (default: from -o's extension, else json)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write here instead of standard output")
    parser.add_argument("--strict", action="store_true", help="fail (exit 1) on any warning or error")
    parser.add_argument(
        "--allow", action="append", default=[], metavar="CODE[,CODE...]",
        help="with --strict: diagnostics with these codes are still reported but do not fail the run "
        "(repeatable; for example --allow skipped-text)",
    )  # fmt: skip
    parser.add_argument("--diagnostics", metavar="FILE", help="write every diagnostic here, one JSON object a line")
    parser.add_argument("--rejects", metavar="FILE", help="write the verbatim text of every skipped block here")
    parser.add_argument("--summary", metavar="FILE", help="write a JSON object describing the run here, at its end")
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
class InputTally:
    """What one input gave."""

    source: str
    entries: int = 0
    ok: int = 0
    partial: int = 0
    skipped_blocks: int = 0
    error: dict[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "entries": self.entries, "ok": self.ok, "partial": self.partial,
                "skipped_blocks": self.skipped_blocks, "error": self.error}  # fmt: skip


@dataclass
class Tally:
    """What the run saw, for the summary line, --summary and the exit status."""

    inputs: list[InputTally] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    nonempty_input: bool = False
    unreadable: int = 0
    not_a_digest: int = 0
    strict_failed: bool = False
    duplicates: int = 0

    def total(self, key: str) -> int:
        return sum(getattr(one, key) for one in self.inputs)

    def status(self) -> int:
        if self.unreadable:
            return EXIT_UNREADABLE
        if self.strict_failed:
            return EXIT_STRICT
        if self.not_a_digest or (self.total("entries") == 0 and self.nonempty_input):
            return EXIT_NO_ENTRIES
        return EXIT_OK

    def line(self) -> str:
        """The one-line summary printed on standard error."""
        files, entries, blocks = len(self.inputs), self.total("entries"), self.total("skipped_blocks")
        text = (
            f"{files} file{'s' if files != 1 else ''}, {entries} entr{'ies' if entries != 1 else 'y'}: "
            f"{self.total('ok')} ok, {self.total('partial')} partial; "
            f"{blocks} skipped block{'s' if blocks != 1 else ''}"
        )
        if self.unreadable:
            text += f"; {self.unreadable} unreadable"
        if self.not_a_digest:
            text += f"; {self.not_a_digest} not a digest"
        return text

    def as_json(self, args: argparse.Namespace, fmt: str, status: int) -> dict[str, Any]:
        """The --summary object."""
        return {
            "digestparse": __version__,
            "exit_status": status,
            "format": fmt,
            "output": args.output if args.output not in (None, STDIN) else None,
            "files": len(self.inputs),
            "entries": self.total("entries"),
            "ok": self.total("ok"),
            "partial": self.total("partial"),
            "skipped_blocks": self.total("skipped_blocks"),
            "duplicates_dropped": self.duplicates,
            "diagnostics": dict(sorted(self.codes.items())),
            "inputs": [one.as_json() for one in self.inputs],
        }


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
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (UsageError, DigestError, OutputError) as error:
        print(f"digestparse: error: {escape_controls(str(error))}", file=sys.stderr)
        return EXIT_UNWRITABLE if isinstance(error, OutputError) else EXIT_USAGE
    except Exception as error:  # the last line of defence: never a traceback
        if args.debug:
            raise
        print(
            f"digestparse: internal error: {type(error).__name__}: {escape_controls(str(error))} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _run(args: argparse.Namespace, *, own_process: bool = False) -> int:
    if args.schema:
        from .models import entry_schema  # noqa: PLC0415 - see the note on imports above

        _write_stdout(json.dumps(entry_schema(), indent=2) + "\n")
        _flush_stdout()
        return EXIT_OK
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise UsageError(f"expected a known text encoding for --encoding, found {args.encoding!r}") from None
    allow = _allowed_codes(args.allow)
    fmt = _choose_format(args.to, args.output)
    if own_process:
        _freeze_imported_objects()
    inputs = list(_expand_inputs(args.files or [STDIN]))
    _check_outputs(args, inputs)
    if STDIN in inputs and not args.quiet and _is_terminal(sys.stdin):
        print(
            "digestparse: reading a digest from standard input; end it with Ctrl-D (Ctrl-Z then Enter on "
            "Windows), stop with Ctrl-C, or see digestparse --help",
            file=sys.stderr,
        )
    tally = Tally()
    status = EXIT_OK
    with (
        _Sink(args.output, "-o", default_stdout=True) as out,
        _Sink(args.diagnostics, "--diagnostics") as diag_out,
        _Sink(args.rejects, "--rejects") as reject_out,
        _Sink(args.summary, "--summary") as summary_out,
    ):
        try:
            progress = _Progress(inputs, enabled=not args.quiet and _is_terminal(sys.stderr))
            report = _Reporter(quiet=args.quiet, diagnostics=diag_out, rejects=reject_out, progress=progress)
            entries = _entries(inputs, args, allow=allow, tally=tally, report=report, progress=progress)
            try:
                for piece in _render(fmt, entries, args, inputs):
                    out.write(piece)
            finally:
                progress.close()
            status = tally.status()
            if status not in (EXIT_OK, EXIT_NO_ENTRIES):
                out.abandon()
        except OutputError:
            status = EXIT_UNWRITABLE
            out.abandon()
            raise
        finally:
            if summary_out.active:
                summary_out.write(json.dumps(tally.as_json(args, fmt, status), ensure_ascii=False, indent=2) + "\n")
    if not args.quiet:
        print(tally.line(), file=sys.stderr)
    return status


def _allowed_codes(values: list[str]) -> frozenset[str]:
    allow = {code.strip() for value in values for code in value.split(",") if code.strip()}
    strange = unknown(allow)
    if strange:
        raise UsageError(
            f"expected diagnostic codes for --allow, found {', '.join(map(repr, strange))}; "
            f"the codes are: {', '.join(CODES)}"
        )
    return frozenset(allow)


def _freeze_imported_objects() -> None:
    """Import what the run needs, then keep the garbage collector's full passes off all of it.

    What pydantic and lark build at import lives as long as the process, and a
    full collection walks every object of it (tens of milliseconds, once or
    twice a run, found by profiling). Frozen, it is never walked again. Only for
    the process's own command line (main() without arguments): a program that
    calls main() itself keeps its collector as it was.
    """
    from . import batch, export  # noqa: F401, PLC0415 - imported to be frozen with the rest

    gc.freeze()


def _choose_format(to: str | None, output: str | None) -> str:
    if to is not None:
        return to
    if output is not None and output != STDIN:
        return EXTENSIONS.get(Path(output).suffix.lower(), "json")
    return "json"


def _is_digest_name(path: Path) -> bool:
    return path.suffix.lower() in DIGEST_SUFFIXES


def _expand_inputs(names: list[str]) -> Iterator[str]:
    for name in names:
        if name == STDIN:
            yield name
            continue
        path = Path(name)
        if os.path.isdir(path):
            found = sorted(str(p) for p in path.rglob("*") if _is_digest_name(p) and os.path.isfile(p))
            if not found:
                raise UsageError(f"expected .txt files in the directory {name!r}, found none")
            yield from found
        else:
            yield name


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    return [("-o", args.output), ("--diagnostics", args.diagnostics), ("--rejects", args.rejects),
            ("--summary", args.summary)]  # fmt: skip


def _check_outputs(args: argparse.Namespace, inputs: list[str]) -> None:
    """At most one output on standard output, a folder that exists for each file, and never onto an input."""
    outputs = _outputs(args)
    on_stdout = [flag for flag, path in outputs[1:] if path == STDIN]
    if len(on_stdout) > 1 or (on_stdout and args.output in (None, STDIN)):
        raise UsageError(
            f"expected one output on standard output, found {on_stdout[-1]} - as well as "
            + (f"{on_stdout[0]} -" if len(on_stdout) > 1 else "the entries (give -o FILE for them)")
        )
    files = [(flag, path) for flag, path in outputs if path is not None and path != STDIN]
    for flag, path in files:
        _check_writable(flag, path)
    folders = [name for name in args.files if name != STDIN and os.path.isdir(name)]
    _refuse_writing_onto_inputs(files, inputs, folders)
    seen: dict[str, str] = {}
    for flag, path in files:
        where = os.path.realpath(path)
        if where in seen:
            raise UsageError(
                f"expected a file of its own for each output, found {seen[where]} and {flag} both {path!r}"
            )
        seen[where] = flag


def _check_writable(flag: str, path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    try:
        is_folder = stat.S_ISDIR(os.stat(folder).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        is_folder = False
    except OSError as error:  # a folder that cannot be reached: no permission, ...
        raise OutputError(f"cannot write {path} ({flag}): {_reason(error)}") from None
    if not is_folder:
        shown = os.path.dirname(path) or "."
        raise UsageError(f"expected an existing folder for {flag} {path!r}, found no folder {shown!r}")
    if os.path.isdir(path):
        raise UsageError(f"expected a file name for {flag}, found the directory {path!r}")


def _refuse_writing_onto_inputs(outputs: list[tuple[str, str]], inputs: list[str], folders: list[str]) -> None:
    """An output that is an input (by any path or link), or a digest file inside an input folder, is refused."""
    by_identity: dict[tuple[int, int], str] = {}
    by_path: dict[str, str] = {}
    for name in inputs:
        if name == STDIN:
            continue
        by_path[os.path.realpath(name)] = name
        try:
            found = os.stat(name)
        except OSError:
            continue
        by_identity[(found.st_dev, found.st_ino)] = name
    for flag, path in outputs:
        try:
            found = os.stat(path)
        except OSError:
            same = by_path.get(os.path.realpath(path))
        else:
            same = by_identity.get((found.st_dev, found.st_ino))
        if same is None and _is_digest_name(Path(path)):
            inside = [folder for folder in folders if _is_within(path, folder)]
            if inside:
                raise UsageError(
                    f"expected {flag} outside the input folder {inside[0]!r}, found {path!r}: "
                    "a .txt file there is read as a digest; write it elsewhere"
                )
        if same is not None:
            shown = f"{path!r}" if same == path else f"{path!r} (the same file as the input {same!r})"
            raise UsageError(f"expected {flag} to be a file other than the inputs, found {shown}; nothing was written")


def _is_within(path: str, folder: str) -> bool:
    parent = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    top = os.path.realpath(folder)
    return parent == top or parent.startswith(top.rstrip(os.sep) + os.sep)


def _entries(
    inputs: list[str],
    args: argparse.Namespace,
    *,
    allow: frozenset[str],
    tally: Tally,
    report: _Reporter,
    progress: _Progress,
) -> Iterator[Entry]:
    from .batch import read_inputs  # noqa: PLC0415 - see the note on imports above
    from .models import Entry  # noqa: PLC0415

    streams = read_inputs(
        inputs,
        stdin=sys.stdin.buffer,
        jobs=args.jobs,
        strict=args.strict,
        allow=allow,
        encoding=args.encoding,
        on_read=progress.advance,
    )
    for source, events in streams:
        one = InputTally(source)
        tally.inputs.append(one)
        try:
            for event in events:
                tally.nonempty_input = True
                if isinstance(event, Entry):
                    _count_entry(event, one, tally, report)
                    yield event
                else:
                    _count_diagnostic(event, one, tally, report)
        except OSError as error:
            tally.unreadable += 1
            _input_failed(one, tally, report.failure(source, "read-error", f"cannot read {source}: {_reason(error)}"))
        except DigestParseError as error:
            tally.nonempty_input = True
            _input_failed(one, tally, report.error(error))
            if error.code == "decode-error":
                tally.unreadable += 1
            elif error.code == "not-a-digest" and (not args.strict or error.code in allow):
                tally.not_a_digest += 1  # binary data: the reader refuses it, strict or not
            else:
                tally.strict_failed = True
                return


def _count_entry(entry: Entry, one: InputTally, tally: Tally, report: _Reporter) -> None:
    one.entries += 1
    if entry.status == "ok":
        one.ok += 1
    else:
        one.partial += 1
    for issue in entry.issues:
        tally.codes[issue.code] += 1
        report.diagnostic(issue)


def _count_diagnostic(diagnostic: Diagnostic, one: InputTally, tally: Tally, report: _Reporter) -> None:
    if diagnostic.code == "skipped-text":
        one.skipped_blocks += 1
    elif diagnostic.code == "not-a-digest":
        tally.not_a_digest += 1
    tally.codes[diagnostic.code] += 1
    report.diagnostic(diagnostic)


def _input_failed(one: InputTally, tally: Tally, diagnostic: dict[str, Any]) -> None:
    one.error = {"code": diagnostic["code"], "message": diagnostic["message"]}
    tally.codes[diagnostic["code"]] += 1


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _render(fmt: str, entries: Iterable[Entry], args: argparse.Namespace, inputs: list[str]) -> Iterator[str]:
    from . import export  # noqa: PLC0415 - see the note on imports above

    if fmt == "json":
        return export.iter_json(entries)
    if fmt == "jsonl":
        return export.iter_jsonl(entries)
    if fmt == "csv":
        return export.iter_csv(entries, formula_guard=args.formula_guard)
    if fmt == "markdown":
        # One input: its file name is the title. Several: a heading for each source.
        title = Path(inputs[0]).name if len(inputs) == 1 and inputs[0] != STDIN else None
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
            self._record(diagnostic.model_dump(mode="json"))
        if self.rejects.active and diagnostic.code == "skipped-text" and diagnostic.text is not None:
            self.rejects.write(reject_block(diagnostic.source, diagnostic.line, diagnostic.end_line, diagnostic.text))

    def error(self, error: DigestParseError) -> dict[str, Any]:
        """An error that stopped an input, located where it happened."""
        record = {"code": error.code, "severity": "error", "message": error.message, "source": error.source,
                  "line": error.line, "column": error.column, "end_line": error.line}  # fmt: skip
        self.progress.say(format_record(record))
        self._record(record)
        return record

    def failure(self, source: str, code: str, message: str) -> dict[str, Any]:
        """An error about a whole input, which has no line or column (a file that cannot be read)."""
        record = {"code": code, "severity": "error", "message": message, "source": source,
                  "line": None, "column": None, "end_line": None}  # fmt: skip
        self.progress.say(format_record(record))
        self._record(record)
        return record

    def _record(self, record: dict[str, Any]) -> None:
        if self.diagnostics.active:
            self.diagnostics.write(json.dumps(record, ensure_ascii=False) + "\n")


def reject_block(source: str | None, first: int, last: int, text: str) -> str:
    """One skipped block in the --rejects layout: a header line, then the block's lines, then a blank line.

    The header, `==> SOURCE line N <==` or `==> SOURCE lines N-M <==`, says how
    many lines follow (M - N + 1), so a block that holds blank lines reads back whole.
    """
    span = f"line {first}" if first == last else f"lines {first}-{last}"
    return f"==> {source or STDIN_NAME} {span} <==\n{text}\n\n"


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
    return format_record(diagnostic.model_dump())


def format_record(record: dict[str, Any]) -> str:
    """A diagnostic's JSON object as a line for standard error; without a line, SOURCE: SEVERITY: MESSAGE [CODE]."""
    where = record["source"] or STDIN_NAME
    if record["line"] is not None:
        where += f":{record['line']}:{record['column']}"
    return escape_controls(f"{where}: {record['severity']}: {record['message']} [{record['code']}]")


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


class _Sink:
    """Where an output goes; it appears whole when the run succeeds, or not at all.

    A file is written to a temporary file beside it and renamed into place at the
    end. Standard output is held in a temporary file too, and copied out at the
    end, so that a failed run writes nothing there. A path that is no regular
    file (/dev/null, a FIFO, /dev/stdout) is written straight through: it cannot
    be replaced. Every failure to write names the user's path.
    """

    def __init__(self, path: str | None, flag: str, *, default_stdout: bool = False) -> None:
        # "-" is standard output; no path at all is standard output for the
        # entries, and nothing for the side files (--diagnostics, --rejects, --summary).
        self.path = None if path in (None, STDIN) else path
        self.flag = flag
        self.to_stdout = path == STDIN or (path is None and default_stdout)
        self.active = self.path is not None or self.to_stdout
        self._handle: TextIO | None = None
        self._temp: str | None = None
        self._direct = False
        self._abandoned = False

    @property
    def _shown(self) -> str:
        return self.path if self.path is not None else "standard output"

    def _failed(self, error: OSError) -> OutputError:
        return OutputError(f"cannot write {self._shown} ({self.flag}): {_reason(error)}")

    def __enter__(self) -> _Sink:
        try:
            if self.path is not None and _is_special(self.path):
                self._direct = True
                self._handle = open(self.path, "w", encoding="utf-8", newline="")
            elif self.path is not None:
                folder = os.path.dirname(os.path.abspath(self.path))
                fd, self._temp = tempfile.mkstemp(prefix=".digestparse-", suffix=".tmp", dir=folder)
                self._handle = open(fd, "w", encoding="utf-8", newline="")
            elif self.to_stdout:
                self._handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        except OSError as error:
            raise self._failed(error) from None
        return self

    def write(self, text: str) -> None:
        if self._handle is None:
            return
        try:
            self._handle.write(text)
        except OSError as error:
            raise self._failed(error) from None

    def abandon(self) -> None:
        """Leave any existing file as it was, and standard output empty: the run failed."""
        self._abandoned = True

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        handle = self._handle
        if handle is None:
            return
        keep = kind is None and not self._abandoned
        try:
            if self.to_stdout:
                self._copy_to_stdout(handle, keep)
            elif self._direct:
                handle.close()
            else:
                self._put_in_place(handle, keep)
        except OSError as failure:
            if kind is None:
                raise self._failed(failure) from None

    def _copy_to_stdout(self, handle: TextIO, keep: bool) -> None:
        with handle:
            if not keep:
                return
            handle.seek(0)
            # The bytes as they are when standard output takes bytes (it is UTF-8: _prefer_utf8);
            # else (a program's own text stream) the text.
            target = getattr(sys.stdout, "buffer", None)
            _flush_stdout()
            if target is None:
                while text := handle.read(COPY_SIZE):
                    _write_stdout(text)
            else:
                while block := handle.buffer.read(COPY_SIZE):
                    _write_stdout_bytes(target, block)
        _flush_stdout()

    def _put_in_place(self, handle: TextIO, keep: bool) -> None:
        temp, path = self._temp, self.path
        if temp is None or path is None:  # pragma: no cover - __enter__ sets both with the handle
            raise TypeError("a file output without its paths")
        try:
            handle.close()
            if keep:
                os.chmod(temp, _new_file_mode(path))
                os.replace(temp, path)
        finally:
            if os.path.lexists(temp):
                os.unlink(temp)


# Standard output is copied out of its temporary file in blocks of this many bytes (or characters).
COPY_SIZE = 1 << 16


def _is_special(path: str) -> bool:
    """Whether the path exists and is no regular file: a device, a FIFO, a socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


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


def _write_stdout_bytes(target: IO[bytes], block: bytes) -> None:
    try:
        target.write(block)
    except BrokenPipeError:
        _silence_stdout()
        raise _StdoutClosedError from None


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise _StdoutClosedError from None


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _prefer_utf8(stream: TextIO | IO[str]) -> None:
    # Output is UTF-8 whatever the locale says; a test's StringIO is left alone.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8")
