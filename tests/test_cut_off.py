"""Pages cut off by the end of the stored page, as a user meets them on the command line: nothing lost unsaid.

A page's last entry may stop anywhere: inside its caption, its byline or its
dateline. It is a `partial` entry with a `cut-off-entry` issue that fails
`--strict` (whatever `--allow skipped-text` says), never skipped text; and
`--to digest` writes it so that reading the digest back gives the same
entries, however many files come before and after it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import digestparse
from digestparse import cli

from .conftest import SAMPLES, SEED
from .strategies import documented_id

INVALID = SAMPLES / "invalid"
COMPLETE = (
    "Border crossing reopens after two months\n\n"
    "Lorries queue at the Zurbatiyah crossing. (Supplied) June 1, 2020 Trade resumed on Monday [...]\n\n"
    "By |June 1st, 2020|Iraq, Iran|\n\n"
)


def _jsonl(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]], str]:
    status = cli.main([*args, "--to", "jsonl"])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def _page(tmp_path: Path, text: str, name: str = "page.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------- cut inside a caption


def test_a_page_cut_inside_a_caption_keeps_its_last_entry_and_fails_strict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = str(INVALID / "cut-off-in-caption.txt")
    status, records, err = _jsonl(capsys, page)
    assert status == 0
    assert [record["status"] for record in records] == ["ok", "partial"]
    cut = records[1]
    assert (cut["headline"], cut["caption"], cut["dateline"], cut["excerpt"]) == (
        "Soldiers guard the border as trade resumes",
        "Soldiers stand guard at the Zurbatiyah crossing near the town of",
        None,
        None,
    )
    assert [issue["code"] for issue in cut["issues"]] == ["cut-off-entry"]
    assert "skipped-text" not in err
    # Accepting site chrome does not accept a lost entry.
    assert cli.main([page, "--strict", "--allow", "skipped-text"]) == 1
    assert "found the end of the input in the caption, after 'of' [cut-off-entry]" in capsys.readouterr().err


@pytest.mark.parametrize("sample", ["chrome-about-at-end", "chrome-load-more-at-end", "site-chrome"])
def test_site_chrome_at_the_end_of_a_page_still_passes_strict_when_allowed(
    sample: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([str(SAMPLES / "valid" / f"{sample}.txt"), "--strict", "--allow", "skipped-text", "-q"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    "end",
    [
        "Share this:\n\nTwitter Facebook",  # short, title case
        "Recent Posts\n\nIraq resists Iranian pressure\nUS moves missile defense systems to Iraq after attacks by",
        "About Track Persia\n\nTrack Persia is an independent site that follows Iran's policy in the Middle East.",
        "Load More Posts\n1 2 3 … 48 Next »",
    ],
    ids=["buttons", "a list after its title", "a finished sentence", "pagination"],
)
def test_text_after_the_last_entry_that_is_no_caption_stays_skipped(end: str) -> None:
    digest = digestparse.parse(COMPLETE + end)
    assert [entry.status for entry in digest.entries] == ["ok"]
    assert [d.code for d in digest.diagnostics] == ["skipped-text"]


# ------------------------------------------------------------ cut inside a dateline


@pytest.mark.parametrize(
    ("end", "kept"),
    [("Soldiers stand guard. (REUTERS) Se", "Se"), ("Soldiers stand guard. (AFP) December 12", "December 12"),
     ("Soldiers stand guard. (AFP) By Ann Lee Jan 3, 20", "Jan 3, 20")],
)  # fmt: skip
def test_what_the_end_left_of_a_dateline_is_not_the_excerpt(
    end: str, kept: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, records, _ = _jsonl(capsys, _page(tmp_path, COMPLETE + "Troops hold the line\n\n" + end))
    assert status == 0
    cut = records[1]
    assert (cut["caption"], cut["dateline"], cut["excerpt"], cut["status"]) == (
        "Soldiers stand guard.", None, None, "partial")  # fmt: skip
    [issue] = cut["issues"]
    assert (issue["code"], issue["line"], issue["text"]) == ("cut-off-entry", 9, kept)
    assert issue["message"].endswith(f"found the end of the input in the dateline, after {kept!r}")


def test_a_date_ending_a_cut_caption_is_not_taken_for_the_dateline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, records, _ = _jsonl(capsys, str(INVALID / "cut-off-after-a-caption-date.txt"))
    assert status == 0
    cut = records[1]
    caption = "Soldiers stand guard at the gate of the Ain al-Asad air base after the attempt, Nov 8, 2021"
    assert (cut["caption"], cut["dateline"], cut["excerpt"], cut["status"]) == (caption, None, None, "partial")
    # The id takes no date it would have to guess.
    assert cut["id"] == documented_id(str(cut["headline"]), caption, None, None)
    issues = cut["issues"]
    assert [issue["code"] for issue in issues] == ["missing-dateline", "missing-footer"]
    assert "'Nov 8, 2021' at the end of the caption: it may be the caption's own date" in issues[0]["message"]
    # After a credit, the same date is the dateline: the shape makes it one.
    status, records, _ = _jsonl(capsys, _page(tmp_path, COMPLETE + "Troops\n\nSoldiers stand guard. (AFP) Nov 8, 2021"))
    assert (records[1]["dateline"], records[1]["caption"]) == ("2021-11-08", "Soldiers stand guard.")


# -------------------------------------------------------------- a digest read back


def _readings(records: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    kept = []
    for record in records:
        fields = {key: value for key, value in record.items() if key not in ("line", "end_line", "source", "issues")}
        kept.append((fields, [issue["code"] for issue in record["issues"]]))
    return kept


PAGES = {
    # A page cut off before the next file's page: its entry must not take the next one's headline.
    "1-cut-after-credit.txt": (INVALID / "cut-off-after-credit.txt").read_text(encoding="utf-8"),
    "2-cut-in-caption.txt": (INVALID / "cut-off-in-caption.txt").read_text(encoding="utf-8"),
    "3-seed.txt": SEED.read_text(encoding="utf-8"),
    "4-cut-after-caption-date.txt": (INVALID / "cut-off-after-a-caption-date.txt").read_text(encoding="utf-8"),
    # An undated first paragraph ending in a marker, a second one, and no footer.
    "5-undated.txt": "Headline\n\nNo date in this first paragraph [...]\n" + "word " * 45 + "\n",
    # A control character in a second, dated paragraph.
    "6-control.txt": "Headline\n\nCaption. (AP) April 3, 2020 Text here\n"
    "Second. (UN) March 9, 2021 Te\x07xt more [...]\n\nBy |April 3rd, 2020|x|\n",
    # A caption ending in a parenthesis that is no credit.
    "7-caption-paren.txt": "Headline\n\nCaption (AT&amp;T and the rest of the group of companies in the region of "
    "the north and south) April 3, 2020 Text\n\nBy |April 3rd, 2020|x|\n",
    "8-cut-in-dateline.txt": (INVALID / "cut-off-in-dateline.txt").read_text(encoding="utf-8"),
}


def test_a_folder_with_cut_off_pages_reads_back_the_same_from_its_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "crawl"
    folder.mkdir()
    for name, text in PAGES.items():
        (folder / name).write_text(text, encoding="utf-8")
    shutil.copy(INVALID / "missing-footer.txt", folder / "9-missing-footer.txt")
    _, records, _ = _jsonl(capsys, str(folder))
    digest = tmp_path / "digest.txt"
    assert cli.main([str(folder), "--to", "digest", "-o", str(digest), "-q"]) == 0
    _, again, _ = _jsonl(capsys, str(digest))
    assert _readings(again) == _readings(records)
    assert sum(record["status"] == "partial" for record in records) == 7  # every page but the seed's, and one
