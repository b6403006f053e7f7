"""Exporters: exact output on the seed, and the two safety properties over hostile text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import digestparse
from digestparse import export
from digestparse.models import Entry

from .conftest import ROOT, SAMPLES, SEED

GOLDEN = ROOT / "tests" / "golden"
CONTRACT_KEYS = ["id", "headline", "caption", "credit", "authors", "dateline", "excerpt", "truncated", "posted_by",
                 "published", "tags", "source", "line", "end_line", "status", "issues"]  # fmt: skip


@pytest.fixture(scope="module")
def seed_entries() -> list[Entry]:
    return digestparse.parse_file(SEED, source="samples/valid/seed.txt").entries


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("seed.json", export.to_json),
        ("seed.jsonl", export.to_jsonl),
        ("seed.csv", export.to_csv),
        ("seed.md", lambda entries: export.to_markdown(entries, title="seed.txt")),
        ("seed.txt", export.to_digest),
    ],
)
def test_golden_output(seed_entries: list[Entry], name: str, render: Callable[[list[Entry]], str]) -> None:
    expected = (GOLDEN / name).read_bytes().decode("utf-8")
    assert render(seed_entries) == expected


def test_json_keys_follow_the_contract(seed_entries: list[Entry]) -> None:
    data = json.loads(export.to_json(seed_entries))
    assert [list(item) for item in data] == [CONTRACT_KEYS] * 10
    lines = export.to_jsonl(seed_entries).splitlines()
    assert [list(json.loads(line)) for line in lines] == [CONTRACT_KEYS] * 10


def test_json_and_json_lines_hold_every_sample_entry_as_its_data() -> None:
    texts = [path.read_bytes().decode("utf-8", "replace") for path in sorted(SAMPLES.glob("*/*.txt"))]
    entries = [entry for text in texts for entry in digestparse.parse(text).entries]
    assert any(entry.issues for entry in entries)
    data = [entry.model_dump(mode="json") for entry in entries]
    lines = export.to_jsonl(entries).splitlines()
    assert [json.loads(line) for line in lines] == data
    assert all("\n" not in line and line == line.strip() for line in lines)
    assert json.loads(export.to_json(entries)) == data
    assert export.to_json(entries).startswith('[\n  {\n    "id": ')


def test_empty_outputs() -> None:
    assert json.loads(export.to_json([])) == []
    assert export.to_jsonl([]) == ""
    assert export.to_csv([]).splitlines() == [",".join(CONTRACT_KEYS)]
    assert export.to_markdown([]) == "# Digest\n"
    assert export.to_digest([]) == ""


def test_csv_lists_and_issue_codes() -> None:
    digest = digestparse.parse_file(ROOT / "samples" / "invalid" / "missing-footer.txt")
    rows = list(csv.DictReader(io.StringIO(export.to_csv(digest.entries))))
    assert rows[0]["tags"] == "Iraq; Iran"
    assert rows[1]["issues"] == "missing-footer"
    assert rows[1]["status"] == "partial"
    assert rows[0]["truncated"] == "true"
    assert rows[1]["posted_by"] == ""


def test_to_digest_round_trips_the_seed(seed_entries: list[Entry]) -> None:
    again = digestparse.parse(export.to_digest(seed_entries), source="samples/valid/seed.txt").entries
    keep = set(CONTRACT_KEYS) - {"line", "end_line"}
    assert [e.model_dump(include=keep) for e in again] == [e.model_dump(include=keep) for e in seed_entries]


# ------------------------------------------------------------------- safety


def _entry(**text: object) -> Entry:
    base: dict[str, object] = {
        "id": "0123456789abcdef", "headline": "h", "caption": None, "credit": None, "authors": [],
        "dateline": date(2020, 4, 23),
        "excerpt": None, "truncated": False, "posted_by": None, "published": None, "tags": [], "source": None,
        "line": 1, "end_line": 5, "status": "ok", "issues": [],
    }  # fmt: skip
    base.update(text)
    return Entry.model_validate(base)


HOSTILE = st.one_of(
    st.sampled_from([
        "<script>alert(1)</script>", "[click](javascript:alert(1))", "![x](http://evil/x.png)", "# heading",
        "> quote", "1. item", "- item", "+ item", "*em* _em_ **strong**", "`code`", "a | b | c", "&amp; &lt;b&gt;",
        "<img src=x onerror=alert(1)>", "<https://evil.example>", "x\\", "\\<b>", "===", "---", "~~strike~~",
        "=cmd|' /C calc'!A0", "+1-2", "-2+3", "@SUM(A1)", "\tlead", "\rlead", "＝1+1", "title #",
    ]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60),
)  # fmt: skip


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _render(markdown: str) -> _Html:
    html = MarkdownIt("commonmark").render(markdown)
    seen = _Html()
    seen.feed(html)
    seen.close()
    return seen


@given(HOSTILE)
@example("<script>alert(1)</script>")
@example("[x](javascript:alert(1))")
def test_markdown_never_becomes_markup(text: str) -> None:
    field = " ".join(text.split()) or "x"
    entry = _entry(headline=field, caption=field, excerpt=field, credit=field, tags=[field], authors=[field])
    seen = _render(export.to_markdown([entry], title=field))
    assert set(seen.tags) <= {"h1", "h2", "p", "em"}
    assert seen.attrs == []


@given(HOSTILE)
def test_markdown_shows_the_field_exactly(text: str) -> None:
    field = " ".join(text.split()) or "x"
    seen = _render(export.to_markdown([_entry(headline=field)], title="t"))
    # The rendered heading's text is the field, character for character (NUL aside, which
    # CommonMark replaces; the parser never leaves one in a field).
    rendered = "".join(seen.text)
    assert field.replace("\x00", "\ufffd") in rendered


@given(HOSTILE)
@example("=1+1")
def test_csv_cells_never_start_a_formula(text: str) -> None:
    entry = _entry(headline=text, caption=text, excerpt=text, credit=text, tags=[text], authors=[text])
    rows = list(csv.reader(io.StringIO(export.to_csv([entry]), newline="")))
    for cell in rows[1]:
        assert not cell.startswith(export.FORMULA_TRIGGERS)
    headline = rows[1][1]
    assert headline == ("'" + text if text.startswith(export.FORMULA_TRIGGERS) else text)


def test_csv_guard_can_be_turned_off() -> None:
    entry = _entry(headline="=1+1")
    rows = list(csv.reader(io.StringIO(export.to_csv([entry], formula_guard=False))))
    assert rows[1][1] == "=1+1"


def test_json_keeps_formula_text_exactly() -> None:
    entry = _entry(headline="=1+1")
    assert json.loads(export.to_json([entry]))[0]["headline"] == "=1+1"


# ------------------------------------------------------------- digest read back

CUT_PAGE = (SAMPLES / "invalid" / "cut-off-after-credit.txt").read_text(encoding="utf-8")
SEED_PAGE = SEED.read_text(encoding="utf-8")


def _reading(entries: list[Entry]) -> list[tuple[dict[str, object], list[str]]]:
    kept = {"line", "end_line", "source", "issues"}
    return [(entry.model_dump(exclude=kept), [issue.code for issue in entry.issues]) for entry in entries]


@pytest.mark.parametrize(
    "pages",
    [
        [CUT_PAGE, SEED_PAGE],  # a cut-off entry, then another input's
        ["Headline\n\nNo date in this first paragraph [...]\n" + "word " * 45 + "\n"],  # the marker shows the body
        ["Headline\n\nCaption. (AP) April 3, 2020 Text\nSecond. (UN) March 9, 2021 Te\x07xt [...]\n\n"
         "By |April 3rd, 2020|x|\n"],
        ["Headline\n\nCaption (AT&amp;T and the rest of the group of companies in the region of the north and south) "
         "April 3, 2020 Text\n\nBy |April 3rd, 2020|x|\n"],  # a parenthesis longer than a credit until decoded
        ["Breaking: ministry statement expected\n\nBy |June 2nd, 2020|Iraq|\n",
         "Civil servants protest. (Rudaw) May 30, 2020 Public employees will wait [...]\n\nBy |May 30th, 2020|x|\n"],
        ["Headline\n\nA caption. (AP) April 3, 2020 Text [...]\n",
         "What happened on January 3, 2020\n\nA photo. (AP) January 3, 2020 Text [...]\n\nBy |January 3rd, 2020|x|\n"],
    ],
    ids=["cut-off then another input", "an undated marked paragraph, then a long one",
         "control character in a second body", "caption ending in a parenthesis", "no body then no headline",
         "no footer then a dated headline"],
)  # fmt: skip
def test_to_digest_reads_back_the_same_entries_whatever_comes_around_them(pages: list[str]) -> None:
    entries = [entry for n, page in enumerate(pages) for entry in digestparse.parse(page, source=f"{n}.txt").entries]
    assert _reading(digestparse.parse(export.to_digest(entries)).entries) == _reading(entries)


def test_to_digest_ends_a_page_after_an_entry_with_no_footer_and_starts_one_before_an_entry_with_no_headline() -> None:
    cut = digestparse.parse(CUT_PAGE).entries
    assert export.to_digest(cut).endswith("(REUTERS) Se\n\f\n")
    headless = [e for e in digestparse.parse_file(SAMPLES / "invalid" / "body-without-headline.txt").entries
                if not e.headline]  # fmt: skip
    assert export.to_digest(headless).startswith("\f\n\n\n")
    assert "\f" not in export.to_digest(digestparse.parse(SEED_PAGE).entries)


def test_a_page_break_ends_a_page_as_the_end_of_the_input_does() -> None:
    text = CUT_PAGE + "\n\f\n" + SEED_PAGE
    digest = digestparse.parse(text)
    assert [entry.status for entry in digest.entries] == ["ok", "partial"] + ["ok"] * 10
    issue = digest.entries[1].issues[0]
    assert issue.code == "cut-off-entry"
    assert issue.message.endswith("found the page break at line 11 in the dateline, after 'Se'")
    assert digest.diagnostics == [issue]  # the page break is blank: no span needs it
