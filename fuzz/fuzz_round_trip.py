"""Coverage-guided fuzzing of the digest round trip with atheris: parse, write the digest, parse again, compare.

Every input is read as UTF-8 (undecodable bytes replaced) and cut at each NUL
byte into up to four inputs, each parsed with its own source name, as the files
of a crawl are. Their entries, one after another, are written with to_digest;
parsing that text must give the same entries back: every field but the
positions and the source, the status, and the codes of the issues.

One kind of entry is set aside, the one the digest format cannot write: an
author whose name has a word that does not begin with a letter. The grammar
reads a byline as written, character references still encoded, and an author is
the name once cleaned; so only references inside a byline make such a name
("By Ann Lee &lsquo;x" gives "Ann Lee ‘x"), and no byline can be written with it.

    python fuzz/fuzz_round_trip.py -runs=10000 fuzz/corpus-round-trip samples/valid samples/invalid

`fuzz/run` runs it after fuzz_parse.py: `fuzz/run smoke` (CI) and `fuzz/run long`.
"""

from __future__ import annotations

import sys

import atheris

# The package loads its modules on first use: name them all here, so that
# every one of them is imported, and so instrumented, inside this block.
with atheris.instrument_imports(include=["digestparse"]):
    import digestparse
    from digestparse import (
        build,
        canonical,
        export,
        fields,
        grouping,
        lalr,
        lines,
        models,
        parser,
        reader,
        syntax,
        text,
    )

_INSTRUMENTED = (build, canonical, export, fields, grouping, lalr, lines, models, parser, reader, syntax, text)

# The most inputs one run is cut into.
MOST_INPUTS = 4


def _reading(entries: list[digestparse.Entry]) -> list[tuple[str, list[str]]]:
    """What the round trip keeps of each entry: its fields but positions and source, and its issues' codes."""
    kept = {"line", "end_line", "source", "issues"}
    return [(entry.model_dump_json(exclude=kept), [issue.code for issue in entry.issues]) for entry in entries]


def _writable(entry: digestparse.Entry) -> bool:
    """Whether the digest format can write the entry: every word of its authors' names begins with a letter."""
    return all(word[0].isalpha() for name in entry.authors for word in name.split())


def test_one_input(data: bytes) -> None:
    """Parse the inputs, write their digest, parse it: the same entries, or a finding."""
    pages = data.decode("utf-8", "replace").split("\x00", MOST_INPUTS - 1)
    first = [entry for n, page in enumerate(pages) for entry in digestparse.parse(page, source=f"{n}.txt").entries]
    if not all(map(_writable, first)):
        return
    written = export.to_digest(first)
    again = digestparse.parse(written).entries
    if _reading(again) != _reading(first):
        raise AssertionError(f"the digest {written!r} reads back other entries than those it was written from")


def main() -> None:
    """Run the fuzzer with libFuzzer's command-line options."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
