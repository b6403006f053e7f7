"""The command line: read digests, write one combined output, report honestly.

Exit statuses (SPEC section 3, and 5 for an output that cannot be written):
0 success (warnings allowed); 1 the input failed --strict; 2 usage error; 3 no
entry found in non-empty input, or an input that is not a digest; 4 a file
could not be read or decoded; 5 an output could not be written.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import gc
import json
import os
import stat
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from . import __version__
from .codes import CODES, unknown
from .errors import DigestError, WorkerLostError
from .outputs import Output, OutputError, StdoutClosedError, flush_stdout, write_stdout
from .reader import STDIN, expand_inputs, is_digest_name
from .text import escape_controls

if TYPE_CHECKING:
    from .engine import ArchiveTarget, Message, Options, Summary, TextTarget
    from .sinks import Parquet, SQLite

# The parser, the models and the exporters (pydantic, lark) are imported when
# there is work to do, so that --help and usage errors answer at once.

EXIT_OK = 0
EXIT_STRICT = 1
EXIT_USAGE = 2
EXIT_NO_ENTRIES = 3
EXIT_UNREADABLE = 4
EXIT_UNWRITABLE = 5
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE: a fault of digestparse itself, or a worker process lost
EXIT_INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C (128 + SIGINT)

FORMATS = ("json", "jsonl", "csv", "markdown", "digest", "sqlite", "parquet")
EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".md": "markdown",
              ".markdown": "markdown", ".txt": "digest", ".db": "sqlite", ".sqlite": "sqlite",
              ".sqlite3": "sqlite", ".parquet": "parquet"}  # fmt: skip


class UsageError(Exception):
    """A mistake in the command line itself: exit status 2."""


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
    parser.add_argument(
        "--to", choices=FORMATS,
        help="output format (default: from -o's extension, else json); sqlite and parquet need -o FILE",
    )  # fmt: skip
    parser.add_argument("-o", "--output", metavar="OUT", help="write here instead of standard output")
    parser.add_argument("--strict", action="store_true", help="fail (exit 1) on any warning or error")
    parser.add_argument(
        "--dedupe", action="store_true",
        help="across all inputs, write each entry id once: the first sighting wins, later ones are dropped and counted",
    )  # fmt: skip
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
        "-j", "--jobs", type=_jobs, default="auto", metavar="N",
        help="worker processes: a number, or auto (the default: one process for small inputs, every core for "
        "large ones); the output is the same, byte for byte",
    )  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="print no diagnostics, no summary, no progress bar")
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


def exit_status(summary: Summary) -> int:
    """The exit status a run's summary gives."""
    if summary.unreadable:
        return EXIT_UNREADABLE
    if summary.strict_failed:
        return EXIT_STRICT
    if summary.not_a_digest or (summary.total("entries") == 0 and summary.nonempty_input):
        return EXIT_NO_ENTRIES
    return EXIT_OK


def summary_line(summary: Summary) -> str:
    """The one-line summary printed on standard error."""
    files, entries, blocks = len(summary.inputs), summary.total("entries"), summary.total("skipped_blocks")
    text = (
        f"{files} file{'s' if files != 1 else ''}, {entries} entr{'ies' if entries != 1 else 'y'}: "
        f"{summary.total('ok')} ok, {summary.total('partial')} partial; "
        f"{blocks} skipped block{'s' if blocks != 1 else ''}"
    )
    if summary.unreadable:
        text += f"; {summary.unreadable} unreadable"
    if summary.not_a_digest:
        text += f"; {summary.not_a_digest} not a digest"
    if summary.duplicates:
        text += f"; {summary.duplicates} duplicate{'s' if summary.duplicates != 1 else ''} dropped"
    return text


def summary_object(summary: Summary, args: argparse.Namespace, fmt: str, status: int) -> dict[str, Any]:
    """The --summary object."""
    return {
        "digestparse": __version__,
        "exit_status": status,
        "format": fmt,
        "output": args.output if args.output not in (None, STDIN) else None,
        "files": len(summary.inputs),
        "entries": summary.total("entries"),
        "ok": summary.total("ok"),
        "partial": summary.total("partial"),
        "skipped_blocks": summary.total("skipped_blocks"),
        "duplicates_dropped": summary.duplicates,
        "diagnostics": dict(sorted(summary.codes.items())),
        "inputs": [one.as_json() for one in summary.inputs],
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
    except StdoutClosedError:
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C: every output is left as it was (outputs.py), and the workers stop
        sys.stderr.write("digestparse: interrupted\n")
        return EXIT_INTERRUPTED
    except (UsageError, DigestError, OutputError) as error:
        return _failed(error)
    except Exception as error:  # the last line of defence: never a traceback
        if args.debug:
            raise
        print(
            f"digestparse: internal error: {type(error).__name__}: {escape_controls(str(error))} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _failed(error: UsageError | DigestError | OutputError) -> int:
    """Say why the run could not be done; its exit status."""
    said = f"digestparse: error: {escape_controls(str(error))}"
    if isinstance(error, WorkerLostError):  # not digestparse's fault, but the run could not be done
        sys.stderr.write(f"{said}; no output was written: run again, or with --jobs 1\n")
        return EXIT_INTERNAL
    sys.stderr.write(said + "\n")
    return EXIT_UNWRITABLE if isinstance(error, OutputError) else EXIT_USAGE


def _run(args: argparse.Namespace, *, own_process: bool = False) -> int:
    if args.schema:
        from .models import entry_schema  # noqa: PLC0415 - see the note on imports above

        write_stdout(json.dumps(entry_schema(), indent=2) + "\n")
        flush_stdout()
        return EXIT_OK
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise UsageError(f"expected a known text encoding for --encoding, found {args.encoding!r}") from None
    allow = _allowed_codes(args.allow)
    fmt = _choose_format(args.to, args.output)
    _check_archive(fmt, args.output)
    if own_process:
        _freeze_imported_objects()
    inputs = _expand_inputs(args.files or [STDIN])
    _check_outputs(args, inputs)
    if STDIN in inputs and not args.quiet and _is_terminal(sys.stdin):
        print(
            "digestparse: reading a digest from standard input; end it with Ctrl-D (Ctrl-Z then Enter on "
            "Windows), stop with Ctrl-C, or see digestparse --help",
            file=sys.stderr,
        )
    return _convert(args, inputs, fmt, allow)


def _convert(args: argparse.Namespace, inputs: list[str], fmt: str, allow: frozenset[str]) -> int:
    from .engine import Assembler, Options, resolve_jobs, run  # noqa: PLC0415 - see the note on imports above

    jobs = resolve_jobs(args.jobs, inputs)
    status = EXIT_INTERNAL
    with (
        contextlib.ExitStack() as outputs,
        Output(args.diagnostics, "--diagnostics") as diag_out,
        Output(args.rejects, "--rejects") as reject_out,
        Output(args.summary, "--summary") as summary_out,
    ):
        options = Options(
            to=fmt,
            title=Path(inputs[0]).name if fmt == "markdown" and len(inputs) == 1 and inputs[0] != STDIN else None,
            formula_guard=args.formula_guard,
            strict=args.strict,
            allow=allow,
            encoding=args.encoding,
            records=diag_out.active or fmt == "sqlite",  # a database keeps every diagnostic
            rejects=reject_out.active,
        )
        out, target, archive = _open_output(outputs, args.output, inputs, options)
        progress = _Progress(inputs, enabled=not args.quiet and _is_terminal(sys.stderr))

        def report(message: Message) -> None:
            # Each dropped duplicate is in --diagnostics; standard error counts them in its summary line.
            if not args.quiet and message.code != "duplicate-entry":
                progress.say(message.line)
            diag_out.write(message.record)
            reject_out.write(message.reject)

        assembler = Assembler(inputs, options, target, on_message=report, dedupe=args.dedupe)
        try:
            try:
                assembler.begin()
                run(inputs, options, assembler, jobs=jobs, stdin=sys.stdin.buffer, on_read=progress.advance)
                assembler.end()
            finally:
                progress.close()
            status = exit_status(assembler.summary)
            if status not in (EXIT_OK, EXIT_NO_ENTRIES):
                out.abandon()
        except OutputError:
            status = EXIT_UNWRITABLE
            out.abandon()
            raise
        except DigestError:
            status = EXIT_USAGE  # a bad DIGESTPARSE_BACKEND, found at the first parse
            out.abandon()
            raise
        finally:
            if summary_out.active:
                report_object = summary_object(assembler.summary, args, fmt, status)
                summary_out.write(json.dumps(report_object, ensure_ascii=False, indent=2) + "\n")
    if not args.quiet:
        line = summary_line(assembler.summary)
        if archive is not None and status in (EXIT_OK, EXIT_NO_ENTRIES):
            line += f"; {args.output}: {archive.added}"
        print(line, file=sys.stderr)
    return status


def _open_output(
    outputs: contextlib.ExitStack, path: str | None, inputs: list[str], options: Options
) -> tuple[Output | SQLite | Parquet, TextTarget | ArchiveTarget, SQLite | Parquet | None]:
    """Open where the entries go: the output, what the assembler puts entries into, and the archive if it is one."""
    from .engine import ARCHIVES, ArchiveTarget, TextTarget, open_archive  # noqa: PLC0415 - see the note above

    if options.to in ARCHIVES:
        assert path is not None  # noqa: S101 - _check_archive made sure of it
        archive = open_archive(options.to, path, inputs)
        outputs.enter_context(archive)  # its __enter__ gives itself back
        return archive, ArchiveTarget(archive), archive
    document = outputs.enter_context(Output(path, "-o", default_stdout=True))
    return document, TextTarget(options, document.write), None


def _check_archive(fmt: str, output: str | None) -> None:
    """An archive is a file, and Parquet needs pyarrow: usage errors, before anything is read."""
    if fmt not in ("sqlite", "parquet"):
        return
    if output in (None, STDIN):
        example = "news.db" if fmt == "sqlite" else "news.parquet"
        raise UsageError(f"expected -o FILE for --to {fmt} (for example -o {example}), found standard output")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401, PLC0415 - only to know whether it is there
        except ImportError:
            raise UsageError(
                "expected pyarrow for --to parquet, found it missing: pip install 'digestparse[parquet]'"
            ) from None


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
    from . import engine, export  # noqa: F401, PLC0415 - imported to be frozen with the rest

    gc.freeze()


def _choose_format(to: str | None, output: str | None) -> str:
    if to is not None:
        return to
    if output is not None and output != STDIN:
        return EXTENSIONS.get(Path(output).suffix.lower(), "json")
    return "json"


def _expand_inputs(names: list[str]) -> list[str]:
    try:
        return expand_inputs(names)
    except ValueError as error:
        raise UsageError(str(error)) from None


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
        if same is None and is_digest_name(path):
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


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


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
            sys.stderr.write(line + "\n")  # one write: a Ctrl-C never cuts a line from its line end

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def _prefer_utf8(stream: TextIO | IO[str]) -> None:
    # Output is UTF-8 whatever the locale says; a test's StringIO is left alone.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8")
