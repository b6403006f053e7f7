"""The lean runner of the grammar's tables reads every text exactly as lark does.

digestparse reads bodies and footers with lalr.LeanParser and falls back to
lark only for texts that do not fit. These tests hold the two to the same
answer: the same pieces (terminal, text, line, column) for every text that
fits, and "does not fit" for the same texts, on every sample line and on
generated texts built from the grammar's own fragments.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import digestparse
from digestparse import cli, lalr, parser, reader, syntax
from digestparse.export import record

from .conftest import SAMPLES
from .strategies import digest_lines, entries, hostile_text

STARTS = ("body", "cut_body", "footer")
SAMPLE_FILES = sorted((SAMPLES / "valid").glob("*.txt")) + sorted(
    p for p in (SAMPLES / "invalid").glob("*.txt") if "utf" not in p.name
)


def _sample_texts() -> Iterator[str]:
    """Every line of every sample, and every two consecutive lines joined as a two-paragraph body."""
    for path in SAMPLE_FILES:
        lines = [line.text for line in reader.lines_of_text(path.read_text(encoding="utf-8"))]
        yield from lines
        yield from (f"{a}\n{b}" for a, b in itertools.pairwise(lines))


def _fresh_runner() -> lalr.LeanParser:
    return lalr.LeanParser(syntax._parser(), separators=syntax.SEPARATORS)


@functools.cache
def _trained() -> lalr.LeanParser:
    """A runner that has written its routes: it has read the samples, then routine entries past every mark."""
    runner = _fresh_runner()
    texts = [*_sample_texts(), *(line for _ in range(lalr.LEARN_AT[-1]) for pair in _ROUTINE for line in pair)]
    for text in texts:
        for start in STARTS:
            runner.parse(text, start)
    return runner


# The shapes an archive repeats, for training past the last learning mark without
# drawing thousands of hypothesis examples.
_ROUTINE = [
    ["Caption of a photo. (Getty) By A and B April 3, 2020 The excerpt [...]", "By |April 3rd, 2020|Iraq, USA|"],
    ["Caption. (AP) April 3, 2020 Excerpt …", "By admin|April 3rd, 2020|Tags: x, y|0 Comments"],
    ["By Nick Cumming-Bruce April 3, 2020 Excerpt", "By |2022-04-01T10:15:00+00:00April 1st, 2022|Iraq|"],
    ["April 3, 2020 Excerpt Read More", "By |April 3rd, 2020||"],
]


def assert_same_reading(text: str) -> None:
    """The lean runner (its loop, and its routes) and lark agree on `text`, read from each start rule."""
    runner = _trained()
    for start in STARTS:
        by_lark = syntax.parse_with_lark(text, start)
        for pieces in (runner._run(text, start, None), runner.parse(text, start)):
            if pieces is None:
                assert isinstance(by_lark, syntax.SyntaxProblem), (start, text, by_lark)
            else:
                made = syntax._footer_parts(pieces) if start == "footer" else syntax._body_parts(pieces)
                assert made == by_lark, (start, text)


def test_the_trained_runner_has_written_its_routes() -> None:
    for start in STARTS:
        written = _trained()._routes[start].written
        assert written is not None
        assert 1 < len(written[1]) <= lalr.MAX_ROUTES
    # A routine footer is read by the route regex, not by the loop.
    before = _trained()._routes["footer"].read
    assert _trained().parse("By |May 1st, 2021|Oil|", "footer") is not None
    assert _trained()._routes["footer"].read == before


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
        "|", "||", "Categories:", "Tags: x, y", "0 Comments", "1 Comment", "Comments Off on Title", "No Comments",
        "2022-04-01T10:15:00+00:00", "2020-01-01", "Caption ends here.", "words in a caption", "”", ".", ",", "?",
        " ", "  ", "\n", "٢٠٢٠", "2020", "23", "Undated.",
    ]
)  # fmt: skip
GLUED = st.lists(FRAGMENTS, min_size=1, max_size=14).map("".join)
SPACED = st.lists(FRAGMENTS, min_size=1, max_size=14).map(" ".join)


@given(st.one_of(GLUED, SPACED))
@example("By |April 23rd, 2020|Iraq, North America, USA|")
@example("Caption. (AP) By A and B April 3, 2020 Text [...]")
@example("")
@example(" ")
@example("\n")
def test_grammar_fragments_read_the_same(text: str) -> None:
    assert_same_reading(text)


@given(entries())
def test_generated_entries_read_the_same(truth: object) -> None:
    for line in truth.lines:  # type: ignore[attr-defined]
        assert_same_reading(line)


@given(st.one_of(digest_lines(), hostile_text()))
def test_any_line_or_text_reads_the_same(text: str) -> None:
    assert_same_reading(text)


def test_body_part_names_cover_every_body_terminal() -> None:
    # A terminal added to the body rule needs a place in BodyParts.
    rules = syntax._parser().rules
    body_terminals = {symbol.name for rule in rules if rule.origin.name == "body" for symbol in rule.expansion}
    assert body_terminals <= set(syntax._BODY_PART)


# ------------------------------------------------------------------ backends


def _fresh() -> None:
    syntax._parser.cache_clear()
    syntax._lean.cache_clear()
    parser._body_signs.cache_clear()


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _fresh()
    yield
    monkeypatch.delenv(syntax.BACKEND_VARIABLE, raising=False)
    _fresh()


def _everything(files: list[Path]) -> list[object]:
    results: list[object] = []
    for path in files:
        try:
            digest = digestparse.parse_file(path, source=path.name)
        except digestparse.DigestParseError as error:
            results.append((error.code, error.line, error.column))
            continue
        results.append(([record(e) for e in digest.entries], [d.model_dump() for d in digest.diagnostics]))
    return results


@pytest.mark.usefixtures("backend")
def test_lark_backend_gives_the_same_results_as_the_lean_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _everything(SAMPLE_FILES)
    monkeypatch.setenv(syntax.BACKEND_VARIABLE, "lark")
    _fresh()
    assert syntax._lean() is None  # the backend really changed: lark reads every text
    assert _everything(SAMPLE_FILES) == expected


@pytest.mark.usefixtures("backend")
def test_an_unknown_backend_is_a_usage_error(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv(syntax.BACKEND_VARIABLE, "turbo")
    assert cli.main([str(SAMPLE_FILES[0])]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "expected DIGESTPARSE_BACKEND to be one of lean, lark, found 'turbo'" in err


def test_a_parser_built_otherwise_is_refused() -> None:
    from lark import Lark

    earley = Lark(syntax.grammar_text(), parser="earley", start=["body", "footer"])
    with pytest.raises(lalr.UnsupportedParserError):
        lalr.LeanParser(earley)


# --------------------------------------------------------------- the cache


@pytest.mark.usefixtures("backend")
def test_the_built_parser_is_cached_in_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = _everything(SAMPLE_FILES[:5])
    _fresh()
    built = _everything(SAMPLE_FILES[:5])  # builds, and writes the cache
    [cached] = (tmp_path / "digestparse").iterdir()
    assert cached.name.endswith(".lark-cache")
    assert (tmp_path / "digestparse").stat().st_mode & 0o077 == 0  # the user's alone
    _fresh()
    assert _everything(SAMPLE_FILES[:5]) == built == expected  # loaded from the cache


@pytest.mark.usefixtures("backend")
def test_a_cache_folder_that_cannot_be_made_only_means_no_cache(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:  # fmt: skip
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    expected = _everything(SAMPLE_FILES[:3])
    _fresh()
    assert syntax._cache_file() is False
    assert _everything(SAMPLE_FILES[:3]) == expected


@pytest.mark.parametrize(("hits_between", "rewritten"), [(100, False), (3, True)])
def test_routes_are_written_again_only_when_they_often_miss(
    monkeypatch: pytest.MonkeyPatch, hits_between: int, rewritten: bool
) -> None:
    monkeypatch.setattr(lalr, "LEARN_AT", (4, 8))
    runner = _fresh_runner()
    common, rare = "By |April 3rd, 2020|Iraq|", "By admin|April 3rd, 2020|Tags: x|0 Comments"
    for _ in range(4):
        runner.parse(common, "footer")  # read by the loop: the first mark writes its route
    first = runner._routes["footer"].written
    assert first is not None
    assert first[0].match(common) is not None
    for _ in range(4):
        for _ in range(hits_between):
            assert runner.parse(common, "footer") is not None  # read by the regex
        runner.parse(rare, "footer")  # a miss, read by the loop
    written = runner._routes["footer"].written
    assert written is not None
    assert (written is not first) == rewritten
    # Written again, the regex reads the rare footer too; either way, the reading is the same.
    hit = written[0].match(rare)
    assert (hit is not None and hit.lastgroup is not None) == rewritten
    assert runner.parse(rare, "footer") == runner._run(rare, "footer", None)


def test_a_separator_is_one_shared_piece_by_the_loop_and_by_the_routes() -> None:
    footer = "By |April 3rd, 2020|Iraq, USA|"
    runner = _trained()
    by_route = runner.parse(footer, "footer")
    by_loop = runner._run(footer, "footer", None)
    written = runner._routes["footer"].written
    assert written is not None
    hit = written[0].match(footer)
    assert hit is not None  # the route reads it, to its end group:
    assert hit.lastindex in written[1]
    assert by_route == by_loop
    assert by_route is not None
    pipes = [piece for piece in by_route if piece.type == "PIPE"]
    assert len(pipes) == 3
    assert all(piece is pipes[0] for piece in pipes)
    assert pipes[0] == lalr.Piece("PIPE", "", 0, 0)
    # Without separators, each pipe is a piece of its own, with its place.
    plain = lalr.LeanParser(syntax._parser()).parse(footer, "footer")
    assert plain is not None
    assert [piece.column for piece in plain if piece.type == "PIPE"] == [4, 20, 30]
    assert syntax._footer_parts(by_route) == syntax._footer_parts(plain) == syntax.parse_with_lark(footer, "footer")
