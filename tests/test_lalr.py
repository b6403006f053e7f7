"""The lean runner of the grammar's tables reads every text exactly as lark does, or steps aside.

digestparse reads bodies and footers with lalr.LeanParser and falls back to
lark for texts that do not fit. These tests hold the two to the same answer:
the same pieces (terminal, text, line, column) for every text that fits, and
"does not fit" for the same texts, on every sample line and on generated texts
built from the grammar's own fragments. When lark moves one of the internals
the runner reads, the runner is refused and lark itself parses.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lark import Lark

from digestparse import lalr, reader, syntax

from .conftest import ROOT, SAMPLES
from .strategies import digest_lines, entries, hostile_text

STARTS = ("body", "cut_body", "footer")
SAMPLE_FILES = sorted((SAMPLES / "valid").glob("*.txt")) + sorted(
    p for p in (SAMPLES / "invalid").glob("*.txt") if "utf" not in p.name
)


def _sample_texts() -> Iterator[str]:
    """Every line of every sample, and every two consecutive lines joined as a two-paragraph body."""
    for path in SAMPLE_FILES:
        lines = [line.text for line in reader.lines_of_text(path.read_bytes().decode("utf-8", "replace"))]
        yield from lines
        yield from (f"{a}\n{b}" for a, b in itertools.pairwise(lines))


def assert_same_reading(text: str) -> None:
    """The lean runner and lark agree on `text`, read from each start rule."""
    for start in STARTS:
        by_lark = syntax.parse_with_lark(text, start)
        by_lean = syntax.parse_with_lean(text, start)
        if by_lean is None:
            assert isinstance(by_lark, syntax.SyntaxProblem), (start, text, by_lark)
        else:
            assert by_lean == by_lark, (start, text)


def test_the_lean_runner_is_what_runs() -> None:
    # The default backend; the whole suite runs again under DIGESTPARSE_BACKEND=lark in .ci/run.
    expected = os.environ.get(syntax.BACKEND_VARIABLE, "lean")
    assert syntax.backend() == expected


@pytest.mark.skipif(syntax.backend() == "lark", reason="compares the lean runner with lark: it must be running")
def test_every_sample_line_reads_the_same_with_lark_and_the_lean_runner() -> None:
    texts = list(_sample_texts())
    assert len(texts) > 1000
    for text in texts:
        assert_same_reading(text)


# Fragments of the grammar's shapes, glued in any order: what makes the lexer's
# choices hard (dates with and without suffix or comma, bylines, parentheses,
# markers, pipes, labels, timestamps, white space and line feeds).
FRAGMENTS = st.sampled_from(
    [
        "April 23, 2020", "Jan 8, 2020.", "Sept. 7, 2018", "July 07, 2020", "April 23rd, 2020", "1th",
        "By ", "by ", "By A and B", "By A, B, and C", "A & B", "Alissa J. Rubin", "O'Neil", "Zoë",
        "(Getty)", "(AP Photo/Hadi Mizban)", "(", ")", "((", "[...]", "[…]", "…", "[&hellip;]", "Read More",
        "READ more", "|", "||", "Categories:", "Tags: x, y", "0 Comments", "1 Comment", "Comments Off on Title",
        "No Comments", "2022-04-01T10:15:00+00:00", "2020-01-01", "Caption ends here.", "words in a caption", "”",
        ".", ",", "?", " ", "  ", "\n", "٢٠٢٠", "2020", "23", "Undated.", "and", "Dece",
    ]
)  # fmt: skip
GLUED = st.lists(FRAGMENTS, min_size=1, max_size=14).map("".join)
SPACED = st.lists(FRAGMENTS, min_size=1, max_size=14).map(" ".join)

needs_lean = pytest.mark.skipif(syntax.backend() == "lark", reason="compares the lean runner with lark")


@needs_lean
@given(st.one_of(GLUED, SPACED))
@example("By |April 23rd, 2020|Iraq, North America, USA|")
@example("Caption. (AP) By A and B April 3, 2020 Text [...]")
@example("A caption. (WT) By Florencia Monta")
@example("")
@example(" ")
@example("\n")
def test_grammar_fragments_read_the_same(text: str) -> None:
    assert_same_reading(text)


@needs_lean
@given(entries())
def test_generated_entries_read_the_same(truth: object) -> None:
    for line in truth.lines:  # type: ignore[attr-defined]
        assert_same_reading(line)


@needs_lean
@given(st.one_of(digest_lines(), hostile_text()))
def test_any_line_or_text_reads_the_same(text: str) -> None:
    assert_same_reading(text)


def _built() -> Lark:
    """The grammar built as digestparse builds it, but a Lark object of the test's own, free to break."""
    return Lark(syntax.grammar_text(), parser="lalr", lexer="contextual", start=list(syntax.STARTS))


def test_a_separator_is_one_shared_piece() -> None:
    footer = "By |April 3rd, 2020|Iraq, USA|"
    pieces = lalr.LeanParser(lalr.read_tables(_built()), separators=frozenset({"PIPE"})).parse(footer, "footer")
    assert pieces is not None
    pipes = [piece for piece in pieces if piece.type == "PIPE"]
    assert len(pipes) == 3
    assert all(piece is pipes[0] for piece in pipes)
    assert pipes[0] == lalr.Piece("PIPE", "", 0, 0)
    # Without separators, each pipe is a piece of its own, with its place.
    plain = lalr.LeanParser(lalr.read_tables(_built())).parse(footer, "footer")
    assert plain is not None
    assert [piece.column for piece in plain if piece.type == "PIPE"] == [4, 20, 30]


def test_a_parser_built_otherwise_is_refused() -> None:
    earley = Lark(syntax.grammar_text(), parser="earley", start=list(syntax.STARTS))
    with pytest.raises(lalr.UnsupportedParserError):
        lalr.read_tables(earley)


# ------------------------------------------------ every lark internal it reads


def _remove(path: str) -> Callable[[Lark], None]:
    """A breakage: delete the attribute at the end of `path` (dotted, from the Lark object) on every object there."""

    def objects(parser: Lark) -> list[object]:
        found: list[object] = [parser]
        for name in path.split(".")[:-1]:
            found = [getattr(thing, name) for thing in found]
            found = [item for thing in found for item in (thing.values() if isinstance(thing, dict) else [thing])]
        return list({id(thing): thing for thing in found}.values())  # states share lexers

    def breaking(parser: Lark) -> None:
        for thing in objects(parser):
            delattr(thing, path.rsplit(".", maxsplit=1)[-1])

    return breaking


# Every part of lark that lalr.read_tables reads: taken away one at a time, the runner must step aside.
INSTANCE_INTERNALS = [
    "parser",
    "parser.lexer",
    "parser.parser",
    "parser.parser.parser",
    "parser.parser.parser.parse_table",
    "parser.parser.parser.parse_table.states",
    "parser.parser.parser.parse_table.start_states",
    "parser.parser.parser.parse_table.end_states",
    "parser.lexer.lexers",
    "parser.lexer.lexers.ignore_types",
    "parser.lexer.lexers.callback",
    "parser.lexer.lexers.g_regex_flags",
    "parser.lexer.lexers._scanner.terminals",
]
MODULE_INTERNALS = [
    ("lark.lexer", "BasicLexer"),
    ("lark.lexer", "ContextualLexer"),
    ("lark.parsers.lalr_analysis", "Shift"),
    ("lark.lexer.BasicLexer", "scanner"),
]


@pytest.mark.parametrize("path", INSTANCE_INTERNALS)
def test_a_missing_internal_of_a_lark_object_makes_the_runner_step_aside(path: str) -> None:
    parser = _built()
    for basic in parser.parser.lexer.lexers.values():  # build the scanners, as the runner would
        assert basic.scanner is not None
    _remove(path)(parser)
    with pytest.raises(lalr.UnsupportedParserError, match="this lark has moved a part the lean runner reads"):
        lalr.read_tables(parser)


@pytest.mark.parametrize(("module", "name"), MODULE_INTERNALS, ids=[".".join(pair) for pair in MODULE_INTERNALS])
def test_a_missing_internal_of_lark_makes_the_runner_step_aside(
    module: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = _built()
    monkeypatch.delattr(f"{module}.{name}")
    with pytest.raises(lalr.UnsupportedParserError):
        lalr.read_tables(parser)


def test_when_the_runner_steps_aside_lark_itself_parses_the_same(tmp_path: Path) -> None:
    # A real process whose lark has lost a part the runner reads: digestparse still gives the same output.
    script = (
        "import sys, lark, lark.lexer, lark.parser_frontends\n"
        "del lark.lexer.ContextualLexer\n"
        "from digestparse import cli, syntax\n"
        "code = cli.main(sys.argv[1:])\n"
        "assert syntax.backend() == 'lark', 'the runner should have stepped aside'\n"
        "raise SystemExit(code)\n"
    )
    inputs = [str(path) for path in SAMPLE_FILES]
    plain = _run([sys.executable, "-m", "digestparse", *inputs, "--to", "jsonl", "-q"], tmp_path / "plain")
    # A cache of its own, as a new lark release has (its version is in the kept tables' key).
    stepped = _run([sys.executable, "-c", script, *inputs, "--to", "jsonl", "-q"], tmp_path / "stepped")
    assert stepped == plain


def _run(command: list[str], cache: Path, **env: str) -> tuple[int, str, str]:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache), **env})  # fmt: skip
    return done.returncode, done.stdout, done.stderr


# -------------------------------------------------------------- the backends


def test_lark_backend_gives_the_same_output_as_the_lean_runner(tmp_path: Path) -> None:
    inputs = [str(path) for path in SAMPLE_FILES if "not-a-digest" not in path.name]  # it would fail the run
    command = [sys.executable, "-m", "digestparse", *inputs, "--to", "jsonl"]
    lean = _run(command, tmp_path, DIGESTPARSE_BACKEND="lean")
    by_lark = _run(command, tmp_path, DIGESTPARSE_BACKEND="lark")
    assert lean == by_lark
    assert len(lean[1].splitlines()) > 50


def test_an_unknown_backend_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = _run([sys.executable, "-m", "digestparse", str(SAMPLE_FILES[0])], tmp_path,
                          DIGESTPARSE_BACKEND="turbo")  # fmt: skip
    assert (code, out) == (2, "")
    assert "expected DIGESTPARSE_BACKEND to be one of lean, lark, found 'turbo'" in err


# --------------------------------------------------------------- the cache


def test_the_built_parser_is_cached_in_the_users_cache_folder(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "digestparse", *(str(path) for path in SAMPLE_FILES[:5]), "--to", "jsonl"]
    first = _run(command, tmp_path)  # builds, and writes the cache
    lark_cache, tables = sorted((tmp_path / "digestparse").iterdir())
    assert lark_cache.name.endswith(".lark-cache")
    assert tables.name.startswith("tables-")
    assert tables.name.endswith(".json")
    assert (tmp_path / "digestparse").stat().st_mode & 0o077 == 0  # the user's alone
    assert _run(command, tmp_path) == first  # loaded from the cache
    assert [json.loads(line)["status"] for line in first[1].splitlines()]


FIT = (
    "import sys\nfrom digestparse import cli\ncode = cli.main(sys.argv[1:])\n"
    "print(sorted({name.split('.')[0] for name in sys.modules} & {'lark'}), file=sys.stderr)\nraise SystemExit(code)\n"
)


@needs_lean
def test_a_run_whose_texts_fit_needs_no_lark(tmp_path: Path) -> None:
    seed = str(SAMPLES / "valid" / "seed.txt")
    _run([sys.executable, "-m", "digestparse", seed, "-q"], tmp_path)  # the first run builds, with lark
    code, out, err = _run([sys.executable, "-c", FIT, seed, "--to", "jsonl", "-q"], tmp_path)
    assert (code, out.count("\n"), err) == (0, 10, "[]\n")
    # Site text after the last entry is tried as a cut-off body: a question, which needs no explanation.
    chrome = str(SAMPLES / "valid" / "site-chrome.txt")
    assert _run([sys.executable, "-c", FIT, chrome, "--to", "jsonl", "-q"], tmp_path)[2] == "[]\n"
    broken = str(SAMPLES / "invalid" / "footer-timestamp-without-date.txt")  # a footer lark must explain
    code, out, err = _run([sys.executable, "-c", FIT, broken, "--to", "jsonl", "-q"], tmp_path)
    assert err == "['lark']\n"


@pytest.mark.parametrize("damage", ["cut short", "another grammar's", "not JSON"])
def test_a_damaged_or_foreign_cache_is_built_again(tmp_path: Path, damage: str) -> None:
    command = [sys.executable, "-m", "digestparse", *(str(path) for path in SAMPLE_FILES[:8]), "--to", "jsonl"]
    first = _run(command, tmp_path)
    [tables] = (tmp_path / "digestparse").glob("tables-*.json")
    kept = json.loads(tables.read_text(encoding="utf-8"))
    damaged = {"cut short": tables.read_text(encoding="utf-8")[:500], "not JSON": "\x00\x01",
               "another grammar's": json.dumps({**kept, "key": "0" * 64})}[damage]  # fmt: skip
    tables.write_text(damaged, encoding="utf-8")
    assert _run(command, tmp_path) == first
    assert json.loads(tables.read_text(encoding="utf-8")) == kept, "written again, whole"


def test_a_cache_folder_that_cannot_be_made_only_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    command = [sys.executable, "-m", "digestparse", str(SAMPLE_FILES[0]), "--to", "jsonl"]
    assert _run(command, blocker) == _run(command, tmp_path / "fine")


# ------------------------------------------------------------ kept regexes


def test_every_kept_regex_is_the_one_re_compiles() -> None:
    from digestparse import cache

    built = syntax._built()
    assert len(built.codes) > 50  # every terminal, every scanner
    texts = list(_sample_texts())[:400]
    for key in built.codes:
        flags, pattern = key.split(":", 1)
        kept, fresh = cache.compiled(built.codes, pattern, int(flags)), re.compile(pattern, int(flags))
        assert (kept.pattern, kept.flags, kept.groups, kept.groupindex) == (
            fresh.pattern, fresh.flags, fresh.groups, fresh.groupindex)  # fmt: skip
        for text in texts:
            found, expected = kept.match(text), fresh.match(text)
            assert (found and found.span(), found and found.lastgroup) == (expected and expected.span(),
                                                                           expected and expected.lastgroup)  # fmt: skip


def test_a_kept_regex_the_engine_refuses_is_compiled_again() -> None:
    from digestparse import cache

    codes = {cache.code_key("a+b", 0): [32, [1, 2, 3], 0, {}, [None]]}  # no code the engine runs
    assert cache.compiled(codes, "a+b").match("aab") is not None
    assert cache.compiled({}, "a+b").match("ab") is not None


# ------------------------------------------------------------------ routes


def _footer_lines() -> list[str]:
    lines = [text for text in _sample_texts() if "\n" not in text and text.lstrip()[:2].lower() == "by"]
    assert len(lines) > 100
    return lines


@needs_lean
def test_a_route_reads_a_footer_exactly_as_the_loop_does_and_reads_most() -> None:
    built = syntax._built()
    assert built.tables is not None
    with_routes = syntax._lean()
    assert with_routes is not None
    loop_only = lalr.LeanParser(built.tables, separators=syntax.SEPARATORS)
    footers = _footer_lines()
    routed = 0
    for text in footers:
        assert with_routes.parse(text, "footer") == loop_only.parse(text, "footer"), text
        routed += with_routes._by_route(text, "footer") is not None
    assert routed >= 0.6 * len(footers), f"{routed} of {len(footers)} sample footers went by a route"


@needs_lean
@given(st.lists(st.sampled_from(["By ", "By Admin", "|", "April 23rd, 2020", "2022-04-01T10:15:00+00:00",
                                 "Iraq, Iran", " ", "0 Comments", "Comments Off on x", "Tags: a", "by"]),
                min_size=1, max_size=10).map("".join))  # fmt: skip
@example("By |April 23rd, 2020|Iraq, North America, USA|")
@example("By Admin|2022-04-01T10:15:00+00:00April 1st, 2022|Iraq|0 Comments")
def test_a_route_never_reads_a_text_otherwise_than_the_loop(text: str) -> None:
    built = syntax._built()
    assert built.tables is not None
    lean = syntax._lean()
    assert lean is not None
    loop_only = lalr.LeanParser(built.tables, separators=syntax.SEPARATORS)
    assert lean.parse(text, "footer") == loop_only.parse(text, "footer")
    assert_same_reading(text)


def test_a_route_the_table_does_not_accept_is_refused() -> None:
    tables = syntax._built().tables
    assert tables is not None
    with pytest.raises(ValueError, match="does not accept"):
        lalr.route_pattern(tables, "body", ["CAPTION"])  # a body goes on to its dateline
    with pytest.raises(ValueError, match="no action"):
        lalr.route_pattern(tables, "footer", ["PIPE"])  # a footer starts with "By"
