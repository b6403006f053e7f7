"""Coverage-guided fuzzing of digestparse with atheris.

Every input is parsed as bytes (UTF-8, so decode errors are exercised) and as
text (any code point, surrogates included), leniently and strictly; the result
is written out in every format. The only exception allowed out is
DigestParseError; every non-blank line must land in one entry or one skipped
block; and each line, read as a body and as a footer, must give the same pieces
through the lean runner (lalr.py) as through lark itself.

    python fuzz/fuzz_parse.py -runs=20000 fuzz/corpus-work samples/valid samples/invalid

`fuzz/run` wraps this: `fuzz/run smoke` (CI) and `fuzz/run long` (1,000,000 runs).
"""

from __future__ import annotations

import contextlib
import re
import sys

import atheris

# The package loads its modules on first use: name them all here, so that
# every one of them is imported, and so instrumented, inside this block.
with atheris.instrument_imports(include=["digestparse"]):
    import digestparse
    from digestparse import build, errors, export, fields, lalr, lines, models, parser, reader, syntax, text
    from digestparse.text import normalise

_INSTRUMENTED = (build, errors, fields, lalr, lines, models, parser, reader, syntax, text)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _check_nothing_lost(text: str, digest: digestparse.Digest) -> None:
    covered: set[int] = set()
    spans = [(e.line, e.end_line) for e in digest.entries]
    spans += [(d.line, d.end_line) for d in digest.diagnostics if d.code in ("skipped-text", "not-a-digest")]
    for first, last in spans:
        lines = set(range(first, last + 1))
        if lines & covered:
            raise AssertionError(f"lines {first}..{last} belong to two spans")
        covered |= lines
    text = text.removeprefix("\ufeff")
    for number, line in enumerate(_LINE_BREAK.split(text) if text else [], start=1):
        if normalise(line).strip() and number not in covered:
            raise AssertionError(f"line {number} belongs to no span")


def _check_lean_runner_agrees(text: str) -> None:
    if syntax.backend() != "lean":
        raise AssertionError("the lean runner is the default")
    for line in reader.lines_of_text(text):
        for start in ("body", "cut_body", "footer"):
            by_lean = syntax.parse_with_lean(line.text, start)
            by_lark = syntax.parse_with_lark(line.text, start)
            agree = isinstance(by_lark, syntax.SyntaxProblem) if by_lean is None else by_lean == by_lark
            if not agree:
                raise AssertionError(f"the lean runner and lark read {line.text!r} differently as a {start}")


def _export_all(entries: list[digestparse.Entry]) -> None:
    export.to_json(entries).encode("utf-8")
    export.to_jsonl(entries).encode("utf-8")
    export.to_csv(entries).encode("utf-8")
    export.to_markdown(entries).encode("utf-8")
    export.to_digest(entries).encode("utf-8")


def test_one_input(data: bytes) -> None:
    """Parse the input both ways; anything but DigestParseError is a finding."""
    try:
        digest = digestparse.parse(data)
    except digestparse.DigestParseError:
        pass
    else:
        _check_nothing_lost(data.decode("utf-8-sig"), digest)
        _export_all(digest.entries)

    text = atheris.FuzzedDataProvider(data).ConsumeUnicode(len(data))
    digest = digestparse.parse(text)
    _check_nothing_lost(text, digest)
    _check_lean_runner_agrees(text)
    _export_all(digest.entries)
    with contextlib.suppress(digestparse.DigestParseError):
        digestparse.parse(text, strict=True)


def main() -> None:
    """Run the fuzzer with libFuzzer's command-line options."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
