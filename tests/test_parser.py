"""The library's front door: parse, parse_file, iter_entries, strict mode, errors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import digestparse
from digestparse import grouping, lines, syntax
from digestparse.reader import Line, make_line

from .conftest import SAMPLES, SEED
from .strategies import JUNK, broken_documents, documents, hostile_text

SEED_TEXT = SEED.read_text(encoding="utf-8")


class Trickle(io.RawIOBase):
    """A binary file that hands out at most `step` bytes per read, to cut input anywhere."""

    def __init__(self, data: bytes, step: int = 1) -> None:
        self.data = data
        self.step = step
        self.at = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self.step if size < 0 else min(size, self.step)
        block = self.data[self.at : self.at + n]
        self.at += len(block)
        return block


def test_public_names() -> None:
    assert set(digestparse.__all__) >= {"parse", "parse_file", "iter_entries", "DigestParseError"}
    assert digestparse.__version__


def test_parse_seed_from_text() -> None:
    digest = digestparse.parse(SEED_TEXT, source="seed")
    assert len(digest.entries) == 10
    assert all(e.status == "ok" and e.source == "seed" for e in digest.entries)
    assert digest.diagnostics == []
    assert digest.source == "seed"


def test_parse_file_path_and_binary_file_agree_with_parse() -> None:
    from_text = [e.model_dump(mode="json") for e in digestparse.parse(SEED_TEXT, source="s").entries]
    from_path = [e.model_dump(mode="json") for e in digestparse.parse_file(SEED, source="s").entries]
    with SEED.open("rb") as handle:
        from_handle = [e.model_dump(mode="json") for e in digestparse.parse_file(handle, source="s").entries]
    assert from_text == from_path == from_handle


def test_parse_file_names_the_source_after_the_path() -> None:
    digest = digestparse.parse_file(str(SEED))
    assert digest.source == str(SEED)
    assert digest.entries[0].source == str(SEED)


def test_parse_accepts_bytes() -> None:
    digest = digestparse.parse(SEED_TEXT.encode("utf-8"))
    assert len(digest.entries) == 10


def test_parse_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        digestparse.parse(42)  # type: ignore[arg-type]  # the wrong type on purpose


@pytest.mark.parametrize("step", [1, 2, 3, 7, 64])
def test_input_cut_anywhere_reads_the_same(step: int) -> None:
    data = SEED.read_bytes().replace(b"\n", b"\r\n")
    whole = [e.model_dump(mode="json") for e in digestparse.parse_file(io.BytesIO(data), source="s").entries]
    cut = [e.model_dump(mode="json") for e in digestparse.parse_file(Trickle(data, step), source="s").entries]
    assert cut == whole


def test_text_streams_are_read_too() -> None:
    digest = digestparse.parse_file(io.StringIO(SEED_TEXT))  # a text file works as well
    assert len(digest.entries) == 10


def test_iter_entries_yields_entries_and_reports_skipped_text() -> None:
    seen: list[digestparse.Diagnostic] = []
    path = SAMPLES / "valid" / "site-chrome.txt"
    entries = list(digestparse.iter_entries(path, on_diagnostic=seen.append))
    assert [e.line for e in entries] == [6, 16]
    assert [(d.code, d.line, d.end_line) for d in seen] == [("skipped-text", 1, 4), ("skipped-text", 12, 14),
                                                            ("skipped-text", 22, 23)]  # fmt: skip
    assert seen[0].text == "Home | News | Analysis | About Us\nSearch this site\n\nIraq"


def test_iter_entries_is_lazy() -> None:
    stream = Trickle(SEED.read_bytes(), step=64)
    first = next(iter(digestparse.iter_entries(stream)))
    assert first.line == 1
    assert stream.at < len(stream.data)


def test_empty_and_blank_input_give_no_entries_and_no_error() -> None:
    for text in ["", "\n\n", "   \n\t\n", "\ufeff"]:
        digest = digestparse.parse(text)
        assert digest.entries == []
        assert digest.diagnostics == []


def test_strict_raises_at_the_first_problem_with_its_position() -> None:
    text = "Share this:\n\n" + SEED_TEXT
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse(text, strict=True)
    assert (raised.value.line, raised.value.column, raised.value.code) == (1, 1, "skipped-text")
    assert "(at line 1, column 1)" in str(raised.value)


def test_strict_accepts_a_clean_digest() -> None:
    assert len(digestparse.parse(SEED_TEXT, strict=True).entries) == 10


def test_decode_error_is_located_even_across_blocks() -> None:
    data = SEED.read_bytes()
    bad_at = data.index(b"Kermanshah")
    broken = data[:bad_at] + b"\xff" + data[bad_at:]
    line = data[:bad_at].count(b"\n") + 1
    column = len(data[:bad_at].rsplit(b"\n", 1)[1].decode("utf-8")) + 1
    for step in (1, 5, 1 << 16):
        with pytest.raises(digestparse.DigestParseError) as raised:
            digestparse.parse_file(Trickle(broken, step))
        assert (raised.value.line, raised.value.column, raised.value.code) == (line, column, "decode-error")


def test_encoding_option_reads_other_codecs() -> None:
    data = SEED_TEXT.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    digest = digestparse.parse_file(io.BytesIO(data.encode("cp1252")), encoding="cp1252")
    assert len(digest.entries) == 10
    utf16 = digestparse.parse_file(io.BytesIO(SEED_TEXT.encode("utf-16")), encoding="utf-16")
    assert [e.model_dump(mode="json") for e in utf16.entries] == [
        e.model_dump(mode="json") for e in digestparse.parse(SEED_TEXT).entries
    ]


def test_cp1252_smart_quotes_are_a_located_decode_error() -> None:
    data = "Headline\n\nIt\x92s here".encode("latin-1")
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse_file(io.BytesIO(data))
    assert (raised.value.line, raised.value.column) == (3, 3)


def test_a_file_that_cannot_be_opened_raises_what_open_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as raised:
        digestparse.parse_file(tmp_path / "absent.txt")
    assert raised.value.filename == str(tmp_path / "absent.txt")
    with pytest.raises(IsADirectoryError):
        list(digestparse.iter_entries(tmp_path))


def test_columns_count_what_the_user_sees() -> None:
    # Two zero-width characters before the impossible date: the column is that of the user's file.
    body = "\u200b\u200bCaption. (AP) April 31, 2020 Text [...]"
    text = f"Headline\n\n{body}\n\nBy |May 1st, 2020|x|\n"
    issue = digestparse.parse(text).entries[0].issues[0]
    assert issue.code == "invalid-date"
    assert issue.column == body.index("April") + 1


def test_a_long_line_without_structure_is_skipped_whole() -> None:
    text = "word " * 20000
    digest = digestparse.parse(text)
    assert digest.entries == []
    assert [(d.code, d.line, d.end_line) for d in digest.diagnostics] == [("skipped-text", 1, 1)]


def test_entry_models_are_frozen() -> None:
    entry = digestparse.parse(SEED_TEXT).entries[0]
    with pytest.raises(ValueError, match="frozen"):
        entry.headline = "changed"  # type: ignore[misc]  # assignment is what is being refused


# ------------------------------------------------------------ line kinds

_MARKERS = ["[...]", "[…]", "[&hellip;]", "…", "&hellip;", "Read more", "READ MORE", "read More", "rEaD mOrE"]


@pytest.mark.parametrize("marker", _MARKERS)
def test_every_truncation_marker_in_any_case_makes_a_line_a_body(marker: str) -> None:
    assert lines.ends_with_marker(f"A short body cut off here {marker}  ")
    assert lines.classify(make_line(1, f"A short body cut off here {marker}")) is lines.Kind.BODY
    assert not lines.ends_with_marker(f"{marker} at the start, not the end")


@pytest.mark.parametrize("pair", ["… Read More", "[...] Read more", "[…] …", "&hellip; READ MORE", "…Read More"])
def test_two_truncation_markers_in_a_row_both_leave_the_excerpt(pair: str) -> None:
    body = f"Lorries queue at the crossing. (AFP) March 3, 2021 The ministry said over the weekend {pair}"
    (entry,) = digestparse.parse(f"Headline\n\n{body}\n\nBy |March 3rd, 2021|Iraq|\n").entries
    assert (entry.excerpt, entry.truncated, entry.status) == ("The ministry said over the weekend", True, "ok")


# The classifier's two searches, held to the grammar's own terminals: a dateline is
# found through its year, a marker by its spellings; the answer is the plain search's.
_PIECES = [*"ab .,(]e;0123\u00a0\t", "…", " Jan 3, 2020", "May 9 2021", "Sept. 7, 2018.", "19999", *_MARKERS]


@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
@example("Jan 3, 2020")
@example("x 2020 Jan 3, 2020 y")
@example("READ more  ")
def test_the_body_signs_are_the_grammars_own_searches(text: str) -> None:
    dateline, marker = syntax.shape("DATELINE"), syntax.shape("MARKER")
    assert lines.has_dateline(text) == (dateline.search(text) is not None)
    assert lines.ends_with_marker(text) == (marker.search(text) is not None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", lines.Kind.BLANK),
        ("  \u00a0 ", lines.Kind.BLANK),
        ("By |April 23rd, 2020|Iraq, USA|", lines.Kind.FOOTER),
        ("by Admin|April 1st, 2022|Tags: x|0 Comments", lines.Kind.FOOTER),
        ("By April 23rd, 2020 Iraq", lines.Kind.FOOTER),  # a footer that lost its pipes
        ("By Nick Givas and Jennifer Griffin April 23, 2020 The excerpt", lines.Kind.BODY),
        ("April 3, 2020 A short dated body", lines.Kind.BODY),
        ("Jan 8, 2020. A caption's own date is no dateline", lines.Kind.TEXT),
        ("A short body cut off here [...]", lines.Kind.BODY),
        ("Track Persia is an independent site. " * 6, lines.Kind.BODY),  # by its length
        ("Oil deal signed in Baghdad", lines.Kind.TEXT),
        ("Share this:", lines.Kind.TEXT),
    ],
)
def test_each_line_is_classified_by_its_shape(text: str, kind: lines.Kind) -> None:
    assert lines.classify(make_line(1, text)) is kind


# ------------------------------------------------------ a byline after the dateline

LATE = "Headline\n\nSoldiers stand guard. (AFP) March 3, 2021 {} [...]\n\nBy |March 3rd, 2021|Iraq|\n"


@pytest.mark.parametrize(
    ("byline_and_excerpt", "authors", "excerpt"),
    [
        ("By John Smith The ministry said it would act", ["John Smith"], "The ministry said it would act"),
        ("By Caleb Weiss In a recently published video", ["Caleb Weiss"], "In a recently published video"),
        ("By Nick Givas and Jennifer Griffin A new report", ["Nick Givas", "Jennifer Griffin"], "A new report"),
        ("By Abu Mahdi al-Muhandis and Jean de la Tour The talks", ["Abu Mahdi al-Muhandis", "Jean de la Tour"],
         "The talks"),
        ("By Zoë Ó Briain & Łukasz Żak On Monday", ["Zoë Ó Briain", "Łukasz Żak"], "On Monday"),
        ("By Track Persia 12 tankers left", ["Track Persia"], "12 tankers left"),
        ("By John Smith “We will act,” he said", ["John Smith"], "“We will act,” he said"),
        ("By John Smith", ["John Smith"], None),
    ],
)  # fmt: skip
def test_a_byline_after_the_dateline_is_read_as_the_byline(
    byline_and_excerpt: str, authors: list[str], excerpt: str | None
) -> None:
    (entry,) = digestparse.parse(LATE.format(byline_and_excerpt)).entries
    assert (entry.authors, entry.excerpt, entry.truncated, entry.status, entry.issues) == (
        authors, excerpt, True, "ok", [])  # fmt: skip


@pytest.mark.parametrize(
    ("byline_and_excerpt", "authors", "first"),
    [
        ("By Falih Hassan Truck by truck", ["Falih Hassan"], "Truck"),
        ("By Alissa J. Rubin and Falih Hassan Truck by truck", ["Alissa J. Rubin", "Falih Hassan"], "Truck"),
        ("By Track Persia Iranian officials said", ["Track Persia"], "Iranian"),
        ("By John Smith Prime Minister Mustafa al-Kadhimi said", ["John Smith"], "Prime"),  # two words, as most names
    ],
)
def test_where_a_byline_after_the_dateline_ends_is_flagged_when_it_is_a_guess(
    byline_and_excerpt: str, authors: list[str], first: str
) -> None:
    text = LATE.format(byline_and_excerpt)
    (entry,) = digestparse.parse(text).entries
    assert entry.authors == authors
    assert entry.excerpt is not None
    assert entry.excerpt.startswith(first)
    [issue] = entry.issues
    assert (issue.code, issue.severity, issue.line, issue.column) == ("uncertain-byline", "warning", 3,
                                                                      text.split("\n")[2].index(first) + 1)  # fmt: skip
    assert entry.status == "partial"
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse(text, strict=True)
    assert raised.value.code == "uncertain-byline"
    assert digestparse.parse(text, strict=True, allow={"uncertain-byline"}).entries[0].authors == authors


@pytest.mark.parametrize(
    "excerpt", ["By Tuesday, the ministry said", "By March 2021 the ministry had", "By the time we came", "by then"]
)
def test_an_excerpt_that_begins_with_by_is_no_byline(excerpt: str) -> None:
    (entry,) = digestparse.parse(LATE.format(excerpt)).entries
    assert (entry.authors, entry.excerpt, entry.status) == ([], excerpt, "ok")


# ------------------------------------------------------------ cut-off entries


@pytest.mark.parametrize(
    ("sample", "parts", "stopped", "kept"),
    [
        ("cut-off-in-dateline", ("A French soldier stands guard at a base near Mosul, Jan. 3, 2019.", "AFP", []),
         "in the dateline, after 'December 12'", "December 12"),
        ("cut-off-in-byline", ("Fighters of the Popular Mobilization Forces at a checkpoint in al-Qaim, Aug. 28, "
         "2019.", "WT", ["Florencia Monta"]), "in the byline, after 'Monta'", None),
        ("cut-off-after-credit", ("Tankers wait at the Basra Oil Terminal in the Gulf, Sept. 7, 2018.", "REUTERS", []),
         "in the dateline, after 'Se'", "Se"),
        ("cut-off-in-caption", ("Soldiers stand guard at the Zurbatiyah crossing near the town of", None, []),
         "in the caption, after 'of'", None),
    ],
)  # fmt: skip
def test_an_entry_cut_off_by_the_end_of_the_input_keeps_the_parts_it_has(
    sample: str, parts: tuple[str, str | None, list[str]], stopped: str, kept: str | None
) -> None:
    first, cut = digestparse.parse_file(SAMPLES / "invalid" / f"{sample}.txt").entries
    assert first.status == "ok"
    assert (cut.caption, cut.credit, cut.authors) == parts
    # What the end left of a dateline is neither the excerpt nor a date: the issue keeps it.
    assert (cut.dateline, cut.excerpt, cut.published, cut.tags, cut.status) == (None, None, None, [], "partial")
    assert (cut.line, cut.end_line) == (7, 9)
    [issue] = cut.issues
    assert (issue.code, issue.severity, issue.line, issue.text) == ("cut-off-entry", "warning", 9, kept)
    assert issue.message.endswith(f"found the end of the input {stopped}")


@pytest.mark.parametrize("sample", ["chrome-about-at-end", "chrome-load-more-at-end", "site-chrome"])
def test_site_chrome_at_the_end_stays_skipped_text(sample: str) -> None:
    digest = digestparse.parse_file(SAMPLES / "valid" / f"{sample}.txt")
    assert all(entry.status == "ok" for entry in digest.entries)
    assert digest.diagnostics[-1].code == "skipped-text"
    assert digest.diagnostics[-1].end_line == max(d.end_line or 0 for d in digest.diagnostics)


def test_only_the_end_of_the_input_cuts_an_entry_off() -> None:
    cut = (SAMPLES / "invalid" / "cut-off-after-credit.txt").read_text(encoding="utf-8")
    followed = cut + "\nShare this:\n"  # text after it: the input did not end inside the entry
    digest = digestparse.parse(followed)
    assert [entry.status for entry in digest.entries] == ["ok"]
    assert [(d.code, d.line, d.end_line) for d in digest.diagnostics] == [("skipped-text", 7, 11)]


def test_a_cut_off_entry_needs_its_headline() -> None:
    text = SEED_TEXT + "\nTankers wait at the Basra Oil Terminal. (REUTERS) Se"
    digest = digestparse.parse(text)
    assert len(digest.entries) == 10
    assert digest.diagnostics[-1].code == "skipped-text"


# ------------------------------------------------- long stretches with no footer


def _grouped(text: str, settle_at: int) -> list[lines.Draft | lines.Skipped]:
    return list(grouping.group(digestparse.reader.lines_of_text(text), settle_at=settle_at))


def _settling_changes_nothing(text: str) -> None:
    whole = _grouped(text, settle_at=10**9)  # never settles: each stretch split at its footer or at the end
    for settle_at in (1, 2, 3, 5):
        assert _grouped(text, settle_at) == whole, f"settling every {settle_at} lines changed the grouping"


@given(documents(), st.data())
def test_settling_a_stretch_with_lost_footers_changes_nothing(
    document: tuple[str, object], data: st.DataObject
) -> None:
    kept: list[str] = []
    for line in document[0].splitlines():
        if line.startswith("By |") and data.draw(st.booleans()):
            continue  # a footer lost
        kept.append(line)
        if data.draw(st.integers(0, 5)) == 0:
            kept.append(data.draw(st.one_of(JUNK, st.sampled_from(["Share this:", "April 3, 2020", "[...]", "x"]))))
    _settling_changes_nothing("\n".join(kept))


@given(broken_documents())
def test_settling_a_broken_digest_changes_nothing(document: tuple[str, int, str]) -> None:
    _settling_changes_nothing(document[0])


@given(hostile_text())
def test_settling_any_text_changes_nothing(text: str) -> None:
    _settling_changes_nothing(text)


def test_settling_keeps_every_sample_as_it_is() -> None:
    for path in sorted(SAMPLES.glob("*/*.txt")):
        _settling_changes_nothing(path.read_bytes().decode("utf-8", "replace"))


def test_a_digest_whose_footers_are_lost_is_given_as_it_is_read_not_held_whole() -> None:
    # 100,000 dated entries and no footer: the first entries come out after about
    # grouping.SETTLE_LINES lines have been read, and the rest in step with the reading.
    read = 0

    def footerless() -> Iterator[Line]:
        nonlocal read
        for n in range(100_000):
            for text in (f"Headline {n}", "", f"A caption. (AP) April 3, 2020 Text of entry {n} [...]", ""):
                read += 1
                yield make_line(read, text)

    lag = 0
    for item in grouping.group(footerless()):
        assert isinstance(item, lines.Draft)
        lag = max(lag, read - item.span[-1].number)
    assert read == 400_000
    assert lag <= 4 * 2 * grouping.SETTLE_LINES  # four lines an entry, two of them not blank


# ---------------------------------------------------------------- strict, allow


def test_strict_with_allow_reports_but_does_not_raise_for_those_codes() -> None:
    chrome = SAMPLES / "valid" / "site-chrome.txt"
    digest = digestparse.parse_file(chrome, strict=True, allow={"skipped-text"})
    assert [d.code for d in digest.diagnostics] == ["skipped-text"] * 3
    assert len(list(digestparse.iter_entries(chrome, strict=True, allow=["skipped-text"]))) == 2
    text = chrome.read_text(encoding="utf-8") + "\n" + (SAMPLES / "invalid" / "missing-footer.txt").read_text()
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse(text, strict=True, allow={"skipped-text"})
    assert raised.value.code == "missing-footer"


def test_public_names_and_nothing_else() -> None:
    assert dir(digestparse) == sorted(digestparse.__all__)
    assert {"TYPE_CHECKING", "annotations", "import_module"}.isdisjoint(dir(digestparse))
    for name in digestparse.__all__:
        assert getattr(digestparse, name) is not None


def test_a_question_for_a_headline_after_site_text_is_the_headline() -> None:
    # Site text, then an entry whose headline is a long question: the question is the headline,
    # not the first half of a body split in two under a headline of site text.
    seed = SEED.read_text(encoding="utf-8").strip().split("\n\n")
    asked = "\n\n".join(seed[15:18])
    assert seed[15].endswith("?")
    digest = digestparse.parse("Home | News\nSearch this site\n\n" + asked + "\n", source="s")
    [entry] = digest.entries
    assert (entry.headline, entry.line, entry.status) == (seed[15], 4, "ok")
    assert [(d.code, d.line, d.end_line) for d in digest.diagnostics] == [("skipped-text", 1, 2)]
