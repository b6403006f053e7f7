"""What must always hold, for any input (hypothesis; profile "ci" runs 1,000 examples each)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import digestparse
from digestparse.export import to_digest
from digestparse.text import normalise

from .conftest import SAMPLES
from .strategies import JUNK, Truth, broken_documents, documents, hostile_text, inputs

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _solid_lines(text: str) -> set[int]:
    """The numbers of the lines that hold something visible (the contract's non-blank lines)."""
    text = text.removeprefix("\ufeff")
    if not text:
        return set()
    return {n for n, line in enumerate(_LINE_BREAK.split(text), start=1) if normalise(line).strip()}


def _without_position(entry: digestparse.Entry) -> dict[str, object]:
    data = entry.model_dump()
    for key in ("line", "end_line", "source"):
        del data[key]
    return data


@given(hostile_text())
@example("By |April 31st, 2020|x|\n\nBy |||")
@example("((((((((((((((((((((((((((((((")
@example("\ud800\udfff\x00\x1b[31m")
def test_lenient_parsing_of_text_never_raises_and_locates_everything(text: str) -> None:
    digest = digestparse.parse(text)  # any exception fails the test: lenient parsing of a str is total
    lines = len(_LINE_BREAK.split(text))
    for entry in digest.entries:
        assert 1 <= entry.line <= entry.end_line <= lines
        assert entry.status == ("partial" if any(issue.is_problem for issue in entry.issues) else "ok")
    for diagnostic in digest.diagnostics:
        assert diagnostic.line is not None  # a parser's diagnostic is located: only a run's own may not be
        assert diagnostic.end_line is not None
        assert diagnostic.column is not None
        assert 1 <= diagnostic.line <= diagnostic.end_line <= lines
        assert diagnostic.column >= 1
        assert diagnostic.message[:1].isupper()


@given(hostile_text())
def test_strict_parsing_is_total(text: str) -> None:
    lines = len(_LINE_BREAK.split(text))
    try:
        digestparse.parse(text, strict=True)
    except digestparse.DigestParseError as error:
        position = (error.line, error.column)
    else:
        return
    assert 1 <= position[0] <= lines
    assert position[1] >= 1


@given(hostile_text())
@example("Headline\n\nBody (X) April 3, 2020 text\n\nHeadline two\n\nBy |||\nBy |x|")
@example("the\nBy |January 1st, 2000||\nJanuary 1, 2000\n")  # a late body at the very end
def test_nothing_is_lost(text: str) -> None:
    digest = digestparse.parse(text)
    spans = [(e.line, e.end_line) for e in digest.entries]
    spans += [(d.line or 0, d.end_line or 0) for d in digest.diagnostics if d.code in ("skipped-text", "not-a-digest")]
    covered: list[int] = []
    for first, last in spans:
        assert first <= last
        covered += range(first, last + 1)
    assert len(covered) == len(set(covered)), "a line belongs to two spans"
    assert _solid_lines(text) <= set(covered), "a non-blank line belongs to no span"


@given(documents())
def test_well_formed_entries_parse_to_their_fields(document: tuple[str, list[Truth]]) -> None:
    text, truths = document
    digest = digestparse.parse(text)
    assert digest.diagnostics == []
    assert [_without_position(entry) for entry in digest.entries] == [truth.fields for truth in truths]


@given(documents(), st.data())
def test_junk_between_entries_leaves_them_equal(document: tuple[str, list[Truth]], data: st.DataObject) -> None:
    _, truths = document
    lines: list[str] = []
    for truth in truths:
        lines += data.draw(st.lists(JUNK, max_size=3))
        lines += [*truth.lines, ""]
    lines += data.draw(st.lists(JUNK, max_size=3))
    digest = digestparse.parse("\n".join(lines))
    assert [_without_position(entry) for entry in digest.entries] == [truth.fields for truth in truths]


def _reading(entries: list[digestparse.Entry]) -> list[tuple[dict[str, object], list[str]]]:
    """What a round trip keeps: every field but the positions, and the codes of the issues."""
    kept = []
    for entry in entries:
        fields = _without_position(entry)
        fields.pop("issues")
        kept.append((fields, [issue.code for issue in entry.issues]))
    return kept


@given(documents())
def test_to_digest_then_parse_gives_the_same_entries(document: tuple[str, list[Truth]]) -> None:
    text, _ = document
    first = digestparse.parse(text).entries
    again = digestparse.parse(to_digest(first)).entries
    assert [_without_position(e) for e in again] == [_without_position(e) for e in first]


@given(broken_documents())
def test_to_digest_then_parse_gives_partial_entries_back_too(document: tuple[str, int, str]) -> None:
    text, target, code = document
    first = digestparse.parse(text).entries
    assert code in [issue.code for issue in first[target].issues], "the breakage gave the entry its issue"
    again = digestparse.parse(to_digest(first)).entries
    assert _reading(again) == _reading(first)


@given(inputs())
def test_to_digest_of_several_inputs_reads_back_the_same_entries(pages: list[tuple[str, str]]) -> None:
    # The digest of a crawl: the entries of every input, cut-off ones among them, one after another in one text.
    first = [entry for source, text in pages for entry in digestparse.parse(text, source=source).entries]
    again = digestparse.parse(to_digest(first)).entries
    assert _reading(again) == _reading(first)


FOOTER_FIRST = "Headline\n\nBy |April 3rd, 2020|x|\n\nCaption. (AP) April 3, 2020 Text [...]\n\n"


@pytest.mark.parametrize(
    "text",
    [
        FOOTER_FIRST + "By |April 3rd, 2020|x|\n",  # its footer first, then repeated after the body
        FOOTER_FIRST * 2,  # the second headline is stray text, the second footer a repeat; a body of its own
        FOOTER_FIRST * 4 + "Share this:\n",
    ],
    ids=["footer first and repeated", "footer first twice", "footer first four times"],
)
def test_to_digest_then_parse_gives_entries_with_several_faults_back(text: str) -> None:
    first = digestparse.parse(text).entries
    assert "duplicate-footer" in [issue.code for issue in first[0].issues]
    again = digestparse.parse(to_digest(first)).entries
    assert _reading(again) == _reading(first)


def _readable(path: Path) -> bool:
    """Whether a sample is text (the samples that cannot be decoded expect an "error")."""
    expected = path.with_name(path.stem + ".issues.json")
    return not expected.exists() or '"error"' not in expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [p for p in sorted(SAMPLES.glob("*/*.txt")) if _readable(p)],
                         ids=lambda p: f"{p.parent.name}/{p.stem}")  # fmt: skip
def test_to_digest_then_parse_gives_every_sample_entry_back(path: Path) -> None:
    first = digestparse.parse_file(path).entries
    again = digestparse.parse(to_digest(first)).entries
    assert _reading(again) == _reading(first)


@given(hostile_text())
def test_output_is_deterministic(text: str) -> None:
    one = digestparse.parse(text)
    two = digestparse.parse(text)
    assert [e.model_dump_json() for e in one.entries] == [e.model_dump_json() for e in two.entries]
    assert one.diagnostics == two.diagnostics


_FOOTER_DATE = re.compile(r"\|[A-Z][a-z]+ [0-9]{1,2}(?:st|nd|rd|th), [0-9]{4}")


@given(documents(), st.data())
def test_mutating_one_entry_changes_that_entry_and_no_other(document: tuple[str, list[Truth]],
                                                            data: st.DataObject) -> None:  # fmt: skip
    _, truths = document
    target = data.draw(st.integers(0, len(truths) - 1), label="entry")
    how = data.draw(st.sampled_from(["drop its footer", "break its date", "glue it to the next"]), label="mutation")
    blocks = [list(truth.lines) for truth in truths]
    separators = ["\n\n"] * len(blocks)
    if how == "drop its footer":
        blocks[target] = blocks[target][:3]
    elif how == "break its date":
        blocks[target][4] = _FOOTER_DATE.sub("|April 31st, 2020", blocks[target][4], count=1)
    else:
        blocks[target] = [line for line in blocks[target] if line]
        separators[target] = "\n"
    text = "".join("\n".join(block) + separator for block, separator in zip(blocks, separators, strict=True))
    entries = digestparse.parse(text).entries
    assert len(entries) == len(truths)
    for n, (entry, truth) in enumerate(zip(entries, truths, strict=True)):
        if n == target and how != "glue it to the next":
            assert entry.status == "partial"
            assert _without_position(entry) != truth.fields
        else:
            assert _without_position(entry) == truth.fields
