"""One test per class of hostile or broken input that scraped digests bring: bytes, lines, structure, fields, size.

The rule for each: parse returns a Digest or raises DigestParseError; in lenient
mode the good entries around a fault come out unharmed, the fault is a located
diagnostic, and no input text is lost.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import sys
from datetime import date
from pathlib import Path

import pytest

import digestparse
from digestparse import cli, export

from .adversarial import ADVERSARIAL, normal_digest
from .conftest import SAMPLES, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_RECORDS = [e.model_dump(mode="json") for e in digestparse.parse(SEED_TEXT, source="s").entries]
ENTRY = "Headline here\n\nCaption. (AP) April 3, 2020 Text [...]\n\nBy |April 3rd, 2020|Iraq|\n"


def _fields(entry: digestparse.Entry) -> dict[str, object]:
    return entry.model_dump(exclude={"line", "end_line", "source"})


def _statuses(text: str) -> list[str]:
    return [e.status for e in digestparse.parse(text).entries]


# ------------------------------------------------------------ bytes and encoding


def test_utf8_bom_is_accepted_and_stripped() -> None:
    digest = digestparse.parse(b"\xef\xbb\xbf" + SEED.read_bytes(), source="s")
    assert [e.model_dump(mode="json") for e in digest.entries] == SEED_RECORDS
    bad = digestparse.parse("\ufeffHeadline\n\nCaption. (AP) April 31, 2020 x\n\nBy |April 3rd, 2020|x|\n")
    assert bad.entries[0].issues[0].column == len("Caption. (AP) ") + 1  # the BOM is not a column


@pytest.mark.parametrize(
    ("name", "data", "line", "column"),
    [
        ("cp1252 smart quotes", "Headline\n\nIt\x92s a body".encode("latin-1"), 3, 3),
        ("utf-16 with a byte-order mark", "Headline\n".encode("utf-16"), 1, 1),
        ("utf-16 without a byte-order mark", ("Headline\n\nBody text here\n" * 4).encode("utf-16-le"), 1, 1),
        ("random bytes", bytes(range(128, 256)), 1, 1),
        # Every byte value 32 times over, in a scattered order: 0.4% NUL bytes, as random data holds them.
        ("random bytes with NUL among them", bytes((128 + 167 * i) % 256 for i in range(8192)), 1, 1),
        ("utf-32 with a byte-order mark", "Headline\n".encode("utf-32"), 1, 1),
        ("the first byte of a byte-order mark", b"\xef", 1, 1),  # found by fuzz/run
        ("two bytes of a byte-order mark", b"\xef\xbb", 1, 1),
        ("a character cut off at the end", "Headline\n\nCaf\u00e9".encode()[:-1], 3, 4),
    ],
)
def test_not_utf8_is_a_clear_located_error(name: str, data: bytes, line: int, column: int) -> None:
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse_file(io.BytesIO(data))
    assert (raised.value.line, raised.value.column, raised.value.code) == (line, column, "decode-error")
    assert "try --encoding" in str(raised.value)


@pytest.mark.parametrize("where", ["in the first headline", "in the first 8 KB's last entry"])
def test_a_stray_nul_in_a_file_is_read_as_text_not_refused_as_binary(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = SEED.read_bytes()
    at = seed.index(b"\n") // 2 if where == "in the first headline" else seed.rindex(b"\nBy |", 0, 8000) - 5
    path = tmp_path / "page.txt"
    path.write_bytes(seed[:at] + b"\x00" + seed[at:])
    assert cli.main([str(path), "--to", "jsonl"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 10
    assert sum("\ufffd" in json.dumps(record, ensure_ascii=False) for record in records) == 1  # the NUL, shown
    assert err.endswith("10 entries: 10 ok, 0 partial; 0 skipped blocks\n")
    assert [entry.model_dump(mode="json") for entry in digestparse.parse_file(path).entries] == records


def test_bytes_in_messages_are_written_in_hex_with_0x() -> None:
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse_file(io.BytesIO("Headline\n\nIt\x92s a body".encode("latin-1")))
    assert "found the byte 0x92 that cannot be decoded" in str(raised.value)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (gzip.compress(SEED.read_bytes(), mtime=0), "gzip-compressed data"),
        (b"PK\x03\x04" + bytes(40), "a zip archive"),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\x7fELF\x02\x01\x01" + bytes(64) + b"Headline\n", "binary data (it holds NUL bytes)"),
    ],
    ids=["gzip", "zip", "png", "pdf", "elf"],
)
def test_binary_input_is_not_a_digest(data: bytes, what: str, tmp_path: os.PathLike[str],
                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse_file(io.BytesIO(data))
    assert (raised.value.code, raised.value.line, raised.value.column) == ("not-a-digest", 1, 1)
    assert f"found {what}: the input is not text (it starts with the bytes 0x" in str(raised.value)
    path = os.path.join(tmp_path, "page.txt")
    with open(path, "wb") as handle:
        handle.write(data)
    assert cli.main([path]) == 3
    out, err = capsys.readouterr()
    assert out == "", "no entry: nothing is written, not even []"
    assert f"{path}:1:1: error: Expected digest text, found {what}" in err
    assert err.rstrip().endswith("0 entries: 0 ok, 0 partial; 0 skipped blocks; 1 not a digest")


def test_not_utf8_exits_4_and_encoding_names_another_codec(tmp_path: os.PathLike[str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    path = os.path.join(tmp_path, "cp1252.txt")
    with open(path, "wb") as handle:
        handle.write(ENTRY.replace("Text", "It\u2019s").encode("cp1252"))
    assert cli.main([path, "-q"]) == 4
    capsys.readouterr()
    assert cli.main([path, "-q", "--encoding", "cp1252", "--to", "jsonl"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["excerpt"] == "It\u2019s"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii", "utf-16"])
def test_utf8_with_its_byte_order_mark_read_as_another_encoding_is_said(
    encoding: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes())  # an editor's UTF-8: the mark, then the text
    assert cli.main([str(path), "--encoding", encoding, "-o", str(tmp_path / "out.json")]) == 4
    assert "found the byte-order mark of UTF-8 (try --encoding utf-8) [decode-error]" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse_file(path, encoding=encoding)
    assert (raised.value.code, raised.value.line, raised.value.column) == ("decode-error", 1, 1)
    assert [entry.status for entry in digestparse.parse_file(path).entries] == ["ok"] * 10


def test_nul_and_control_characters_stay_out_of_structure() -> None:
    text = ENTRY.replace("Headline here", "Head\x00line\x1b[31m here").replace("Text", "Te\x07xt")
    (entry,) = digestparse.parse(text).entries
    assert entry.status == "ok"
    assert entry.headline == "Head\ufffdline\ufffd[31m here"
    assert entry.excerpt == "Te\ufffdxt"
    for rendered in (export.to_json([entry]), export.to_csv([entry]), export.to_markdown([entry])):
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", rendered)


def test_lone_surrogates_never_reach_json() -> None:
    text = ENTRY.replace("Headline", "Head\ud800line").replace("Text", "T\udfffext")
    digest = digestparse.parse(text)
    rendered = export.to_json(digest.entries) + export.to_jsonl(digest.entries)
    rendered.encode("utf-8")  # would raise on a surrogate
    assert "\ufffd" in rendered


def test_lone_surrogates_in_text_a_diagnostic_keeps_are_written_as_u_fffd() -> None:
    """Text the parser keeps as the input wrote it (skipped text, a stray line) is written with U+FFFD too."""
    stray = ENTRY.replace("By |", "Share\udc80 this:\n\nBy |", 1)
    digest = digestparse.parse("Site\ud800 chrome\n\n" + stray)
    assert [(d.code, d.text) for d in digest.diagnostics] == [
        ("skipped-text", "Site\ufffd chrome"),
        ("unexpected-text", "Share\ufffd this:"),
    ]
    for diagnostic in digest.diagnostics:
        diagnostic.model_dump_json().encode("utf-8")  # would raise on a surrogate


# ---------------------------------------------------------- lines and white space


@pytest.mark.parametrize("newline", ["\r\n", "\r", "mixed"])
def test_crlf_bare_cr_and_mixed_line_ends_read_like_lf(newline: str) -> None:
    lines = SEED_TEXT.split("\n")
    if newline == "mixed":
        # CR is always followed by CRLF here, so no CR and LF pair up across an empty line.
        text = "".join(line + ["\r\n", "\n", "\r"][n % 3] for n, line in enumerate(lines))
    else:
        text = newline.join(lines)
    assert [e.model_dump(mode="json") for e in digestparse.parse(text, source="s").entries] == SEED_RECORDS


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x0c", "\x0b"])
def test_unicode_line_and_paragraph_separators_do_not_break_lines(separator: str) -> None:
    text = ENTRY.replace("Caption. (AP)", f"Caption.{separator}(AP)").replace(
        "Text [...]", f"Text{separator}more [...]"
    )
    (entry,) = digestparse.parse(text).entries
    assert (entry.caption, entry.credit, entry.excerpt, entry.end_line) == ("Caption.", "AP", "Text more", 5)


@pytest.mark.parametrize("char", ["\u00a0", "\u2009", "\u202f", "\u200b", "\u200e", "\u202b", "\u2066", "\ufeff"])
def test_nbsp_thin_zero_width_and_bidi_characters_around_keywords(char: str) -> None:
    body = f"Caption.{char} (AP){char} By{char} Ann{char} Lee{char} April{char} 3,{char} 2020 Text [...]"
    text = f"Head{char}line\n\n{body}\n\nBy{char} |April 3rd, 2020|Iraq,{char} Iran|\n"
    (entry,) = digestparse.parse(text).entries
    assert entry.status == "ok"
    assert (entry.credit, entry.authors, str(entry.dateline), entry.tags) == ("AP", ["Ann Lee"], "2020-04-03",
                                                                             ["Iraq", "Iran"])  # fmt: skip
    assert char not in entry.model_dump_json()


def test_no_final_newline_extra_blank_lines_whitespace_only_lines_and_trailing_spaces() -> None:
    text = (
        "\n \n\t\nHeadline here   \n\n \n\n  Caption. (AP) April 3, 2020 Text [...]  \n\n\n\n"
        "By |April 3rd, 2020|Iraq|  "
    )
    (entry,) = digestparse.parse(text).entries
    assert (entry.status, entry.line, entry.end_line, entry.headline) == ("ok", 4, 12, "Headline here")


def test_one_enormous_line_or_no_newline_at_all() -> None:
    text = "x " * 500_000
    digest = digestparse.parse(text)
    assert [(d.code, d.line, d.end_line) for d in digest.diagnostics] == [("skipped-text", 1, 1)]


# ---------------------------------------------------------------------- structure


def test_empty_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    digest = digestparse.parse("")
    assert (digest.entries, digest.diagnostics) == ([], [])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert cli.main([]) == 0
    assert capsys.readouterr().out == "[]\n"


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html>\n<html><body><p>Hello</p></body></html>\n",
        "<html lang='en'>\n<head><title>News</title></head>\n\n<body>\n<p>A long paragraph of news.</p>\n",
        "  <body class='archive'>\n<h2>Headline</h2>\n<p>April 3, 2020 text</p>\n",
        "<div class='post'>\n<h2>Headline</h2>\nApril 3, 2020 text [...]\n<span>By |April 3rd, 2020|x|</span>\n",
    ],
    ids=["doctype", "html-tag", "body-tag", "mostly-tags"],
)
def test_markup_is_one_clear_error_and_never_entries(
    text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = digestparse.parse(text)
    assert digest.entries == []
    [error] = digest.diagnostics
    assert (error.code, error.severity, error.line) == ("not-a-digest", "error", 1)
    assert error.end_line == len(text.rstrip("\n").split("\n"))  # the whole input, so nothing is lost
    assert "the input looks like" in error.message
    assert "flatten the page to text first" in error.message
    with pytest.raises(digestparse.DigestParseError, match="found markup"):
        digestparse.parse(text, strict=True)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert cli.main(["--to", "jsonl"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "<stdin>:1:" in err
    assert "error: Expected digest text, found markup" in err


def test_a_digest_with_a_tag_like_headline_is_still_a_digest() -> None:
    text = ENTRY.replace("Headline here", "<b>Headline</b>") + "\n" + ENTRY
    assert [entry.status for entry in digestparse.parse(text).entries] == ["ok", "ok"]


@pytest.mark.parametrize(
    "text",
    [
        '{"headline": "x", "entries": [1, 2, 3]}\n',
        "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about.\n\n"
        "It is a way I have of driving off the spleen and regulating the circulation.\n",
    ],
    ids=["json", "prose"],
)
def test_not_a_digest_at_all(text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    digest = digestparse.parse(text)
    assert digest.entries == []
    assert {d.code for d in digest.diagnostics} == {"skipped-text"}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert cli.main(["-q"]) == 3


def test_site_chrome_pagination_and_junk_between_entries() -> None:
    chrome = SEED_TEXT.replace("\nIraq resists", "\nShare this:\n\nIraq resists")
    text = "Home | News\nMenu\n\n" + chrome + "\nLoad More Posts\n1 2 3\n"
    digest = digestparse.parse(text, source="s")
    assert [_fields(e) for e in digest.entries] == [_fields(e) for e in digestparse.parse(SEED_TEXT).entries]
    assert [(d.code, d.line, d.end_line) for d in digest.diagnostics] == [
        ("skipped-text", 1, 2), ("skipped-text", 10, 10), ("skipped-text", 65, 66)]  # fmt: skip


@pytest.mark.parametrize(
    ("sample", "code"),
    [
        ("missing-footer", "missing-footer"),
        ("duplicate-footer", "duplicate-footer"),
        ("footer-before-body", "footer-before-body"),
        ("two-bodies", "extra-body"),
        ("headline-without-body", "missing-body"),
        ("body-without-dateline", "missing-dateline"),
        ("cut-off-at-end", "missing-footer"),
    ],
)
def test_broken_entry_is_partial_and_its_neighbours_ok(sample: str, code: str) -> None:
    digest = digestparse.parse_file(SAMPLES / "invalid" / f"{sample}.txt")
    broken = [e for e in digest.entries if e.status == "partial"]
    assert len(broken) == 1
    assert [i.code for i in broken[0].issues] == [code]
    assert all(e.status == "ok" and e.issues == [] for e in digest.entries if e is not broken[0])


def test_entries_glued_together_without_blank_lines() -> None:
    glued = "\n".join(line for line in SEED_TEXT.split("\n") if line.strip())
    assert [_fields(e) for e in digestparse.parse(glued).entries] == [_fields(e) for e in
                                                                      digestparse.parse(SEED_TEXT).entries]  # fmt: skip


@pytest.mark.parametrize(
    ("footer", "code", "severity"),
    [
        ("By April 3rd, 2020 Iraq", "malformed-footer", "warning"),
        ("By |||", "missing-date", "warning"),
        ("By |April 3rd, 2020|Iraq|Featured|", "unknown-footer-field", "info"),
    ],
    ids=["missing pipes", "By |||", "unknown extra field"],
)
def test_malformed_footer(footer: str, code: str, severity: str) -> None:
    text = ENTRY.replace("By |April 3rd, 2020|Iraq|", footer) + "\n" + ENTRY
    first, second = digestparse.parse(text).entries
    assert [(i.code, i.severity, i.line) for i in first.issues] == [(code, severity, 5)]
    assert second.status == "ok"


# ------------------------------------------------------------------ field content


@pytest.mark.parametrize(
    ("dateline", "footer_date", "expected", "codes"),
    [
        ("Aug. 28, 2019", "August 28th, 2019", "2019-08-28", []),
        ("Sept. 7, 2018", "September 7th, 2018", "2018-09-07", []),
        ("July 07, 2020", "July 7th, 2020", "2020-07-07", []),
        ("April 1, 2022", "April 1th, 2022", "2022-04-01", ["unusual-ordinal"]),
        ("April 23, 2020", "April 23RD, 2020", "2020-04-23", ["unusual-ordinal"]),
        ("April 23, 2020", "April 23, 2020", "2020-04-23", []),
        ("April 31, 2020", "April 30th, 2020", None, ["invalid-date"]),
        ("February 29, 2021", "March 1st, 2021", None, ["invalid-date"]),
    ],
)
def test_dates_in_every_spelling_never_invented(dateline: str, footer_date: str, expected: str | None,
                                                codes: list[str]) -> None:  # fmt: skip
    text = f"Headline\n\nCaption. (AP) {dateline} Text\n\nBy |{footer_date}|x|\n"
    (entry,) = digestparse.parse(text).entries
    assert (str(entry.dateline) if entry.dateline else None) == expected
    assert [i.code for i in entry.issues] == codes
    assert date.today() not in (entry.dateline, entry.published)


def test_digits_from_other_scripts_are_not_date_digits() -> None:
    text = "Headline\n\nCaption. (AP) April ٣, ٢٠٢٠ Text [...]\n\nBy |April ٣rd, ٢٠٢٠|x|\n"
    (entry,) = digestparse.parse(text).entries
    assert (entry.dateline, entry.published) == (None, None)
    assert [i.code for i in entry.issues] == ["missing-dateline", "missing-date"]


def test_dateline_and_footer_dates_that_differ_are_both_kept() -> None:
    (entry,) = digestparse.parse(ENTRY.replace("April 3rd", "April 5th")).entries
    assert (str(entry.dateline), str(entry.published), entry.status) == ("2020-04-03", "2020-04-05", "ok")


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By A. One, B. Two and C. Three", ["A. One", "B. Two", "C. Three"]),
        ("By A. One, B. Two, and C. Three", ["A. One", "B. Two", "C. Three"]),
        ("By Ann Lee & Bo Kim", ["Ann Lee", "Bo Kim"]),
        ("by Ann Lee", ["Ann Lee"]),
        ("By Track Persia", ["Track Persia"]),
        ("By Abu Mahdi al-Muhandis and Jean de la Tour", ["Abu Mahdi al-Muhandis", "Jean de la Tour"]),
        ("By D'Arcy O’Neil-Smith", ["D'Arcy O’Neil-Smith"]),
        ("By Zoë Ó Briain and Łukasz Żak", ["Zoë Ó Briain", "Łukasz Żak"]),
    ],
)
def test_bylines_in_every_shape(byline: str, authors: list[str]) -> None:
    (entry,) = digestparse.parse(ENTRY.replace("(AP)", f"(AP) {byline}")).entries
    assert (entry.authors, entry.status) == (authors, "ok")


def test_a_quotation_beginning_with_by_is_not_a_byline() -> None:
    (entry,) = digestparse.parse(ENTRY.replace("Text", "“By the time we came, it was over,” he said")).entries
    assert entry.authors == []
    assert entry.excerpt == "“By the time we came, it was over,” he said"


@pytest.mark.parametrize(
    ("body", "caption", "credit"),
    [
        ("A photo. (Social Media 2) April 3, 2020 Text", "A photo.", "Social Media 2"),
        ("A photo. (Photo: AFP (file)) April 3, 2020 Text", "A photo.", "Photo: AFP (file)"),
        ("The (DOD) photo of Iraq (2019). (AP) April 3, 2020 Text", "The (DOD) photo of Iraq (2019).", "AP"),
        ("A photo (unbalanced. April 3, 2020 Text", "A photo (unbalanced.", None),
        ("A photo. (AP April 3, 2020 Text", "A photo. (AP", None),
    ],
)
def test_credits_with_spaces_digits_nesting_and_caption_parentheses(body: str, caption: str,
                                                                   credit: str | None) -> None:  # fmt: skip
    (entry,) = digestparse.parse(f"Headline\n\n{body}\n\nBy |April 3rd, 2020|x|\n").entries
    assert (entry.caption, entry.credit, str(entry.dateline), entry.excerpt) == (caption, credit, "2020-04-03", "Text")


def test_tags_with_empty_items_trailing_comma_and_duplicates() -> None:
    (entry,) = digestparse.parse(ENTRY.replace("|Iraq|", "|Iraq, , Iran,Iraq,|")).entries
    assert entry.tags == ["Iraq", "Iran", "Iraq"]


def test_html_character_references_are_decoded() -> None:
    text = ENTRY.replace("Headline here", "Iran&#8217;s &amp; Iraq&#x2019;s &quot;talks&quot;").replace(
        "Text [...]", "Text&nbsp;here [&hellip;]"
    )
    (entry,) = digestparse.parse(text).entries
    assert (entry.headline, entry.excerpt, entry.truncated) == ('Iran’s & Iraq’s "talks"', "Text here", True)


@pytest.mark.parametrize(
    ("body", "authors", "excerpt"),
    [
        ("Caption. (AP) By Ann O&#8217;Neil April 3, 2020 Text", ["Ann O’Neil"], "Text"),
        ("Caption. (AP) April 3, 2020 By Ann O&rsquo;Neil The talks", ["Ann O’Neil"], "The talks"),
        ("Caption. (AP) April 3, 2020 By Ann Lee &amp; Bo Kim The talks", ["Ann Lee", "Bo Kim"], "The talks"),
        ("Caption. (AP) April&#32;3, 2&#48;20 Text &#40;x&#41;", [], "Text (x)"),
    ],
)
def test_character_references_are_read_before_the_body_is(body: str, authors: list[str], excerpt: str) -> None:
    # Read as what they stand for, but those that would make structure the page does not show ("&#40;").
    (entry,) = digestparse.parse(f"Headline\n\n{body}\n\nBy |April 3rd, 2020|x|\n").entries
    assert (entry.authors, str(entry.dateline), entry.excerpt, entry.status) == (authors, "2020-04-03", excerpt, "ok")


def test_spaces_written_as_references_do_not_hide_dates_bylines_or_positions() -> None:
    # A page flattened without decoding &nbsp;: the dateline, the byline and the
    # footer's date are read, and a position after the references is the user's column.
    text = (
        "Headline&#160;here\n\nCaption. (AFP) By&nbsp;Ann&nbsp;Lee April&nbsp;3,&#xA0;2020 Text\n\n"
        "By |April&nbsp;3rd, 2020|Iraq|\nBy |April 3rd, 2020|Iraq|\n"
    )
    digest = digestparse.parse(text)
    (entry,) = digest.entries
    assert (entry.headline, entry.authors, str(entry.dateline), str(entry.published), entry.excerpt) == (
        "Headline here",
        ["Ann Lee"],
        "2020-04-03",
        "2020-04-03",
        "Text",
    )
    (repeated,) = entry.issues
    assert (repeated.code, repeated.line, repeated.column, repeated.text) == (
        "duplicate-footer",
        6,
        1,
        "By |April 3rd, 2020|Iraq|",
    )
    stray = digestparse.parse(text.replace("Text\n\n", "Text\n&nbsp;x&#8203;y\n")).entries[0]
    first = stray.issues[0]
    assert (first.code, first.line, first.column, first.text) == ("unexpected-text", 4, 7, "&nbsp;x&#8203;y")


# ------------------------------------------------- size and speed (adversarial shapes)


def _calls(text: str) -> int:
    """The work of parsing `text`: every call made, of Python functions and of C ones (regex searches among them).

    A count, not a time: the same on every run, whatever else the machine is doing.
    """
    count = 0

    def counting(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(counting)
    try:
        digestparse.parse(text)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("family", list(ADVERSARIAL))
def test_adversarial_shapes_take_linear_work(family: str) -> None:
    # Doubling the input must double the work (a quadratic shape would give 4x),
    # and the work per character must stay within 15x that of a normal digest.
    # The time each takes, regex engine included, is `python benchmarks/growth.py`.
    make = ADVERSARIAL[family]
    size = 60_000
    _calls(make(size))  # first use: caches filled, shapes compiled
    small, large = _calls(make(size)), _calls(make(2 * size))
    normal = _calls(normal_digest(2 * size))
    assert large <= 2.1 * small + 1000, f"{family}: work grew {large / small:.2f}x for twice the input"
    assert large < 15 * normal, f"{family}: {large / normal:.1f}x the work of a normal digest of the same size"


def test_ten_thousand_parentheses_need_no_recursion() -> None:
    digest = digestparse.parse("Headline\n\n" + "(" * 10_000 + "\n\nBy |April 3rd, 2020|x|\n")
    assert digest.entries[0].excerpt == "(" * 10_000


# -------------------------------------------------- legal text dangerous downstream


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"])
def test_formula_triggers_are_guarded_in_csv_and_kept_in_json(trigger: str) -> None:
    text = ENTRY.replace("Headline here", f"{trigger}SUM(A1) here").replace("Text", f"{trigger}cmd")
    (entry,) = digestparse.parse(text).entries
    row = list(csv.reader(io.StringIO(export.to_csv([entry]))))[1]
    assert all(not cell.startswith(export.FORMULA_TRIGGERS) for cell in row)
    data = json.loads(export.to_json([entry]))[0]
    assert data["headline"].endswith("SUM(A1) here")
    assert data["excerpt"].endswith("cmd")


@pytest.mark.parametrize(
    "headline", ["<script>alert(1)</script>", "[x](javascript:alert(1))", "# not a heading", "> not a quote",
                 "1. not a list", "![img](http://x/y.png)", "*not* _emphasis_ `code` | table |"],
)  # fmt: skip
def test_markdown_and_html_metacharacters_show_literally(headline: str) -> None:
    from markdown_it import MarkdownIt

    (entry,) = digestparse.parse(ENTRY.replace("Headline here", headline)).entries
    html = MarkdownIt("commonmark").render(export.to_markdown([entry]))
    assert "<script" not in html
    assert "<a " not in html
    assert "<img" not in html
    assert "<code" not in html
    assert "<blockquote" not in html
    assert "<ol" not in html


def test_terminal_escape_sequences_in_messages_are_escaped(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    hostile = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((hostile + "\n" + ENTRY).encode())))
    assert cli.main(["--to", "jsonl"]) == 0
    err = capsys.readouterr().err
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", err)
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse(hostile + "\n" + ENTRY, strict=True)
    assert "\x1b" not in str(raised.value)
