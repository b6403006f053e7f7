"""The field helpers (cleaning, dates, credits, quoting) and the grammar's pieces they convert."""

from __future__ import annotations

import html
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digestparse import syntax
from digestparse.fields import (
    InvalidDateError,
    clean,
    clean_or_none,
    clean_read,
    credit_text,
    long_date,
    ordinal_date,
    ordinal_suffix,
    quote,
    read_date,
)
from digestparse.reader import lines_of_text
from digestparse.text import INVISIBLE, REPLACED, SPACES, escape_controls, normalise, normalise_characters


def _read(text: str) -> tuple[date, str | None]:
    """A date as the grammar delimits it, split by the grammar, converted by fields.read_date."""
    pieces = syntax.date_pieces(text)
    assert pieces is not None, f"{text!r} is no date of the grammar"
    return read_date(*pieces)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("April 23, 2020", date(2020, 4, 23)),
        ("Apr 23, 2020", date(2020, 4, 23)),
        ("Apr. 23, 2020", date(2020, 4, 23)),
        ("Aug. 28, 2019", date(2019, 8, 28)),
        ("Sept. 7, 2018", date(2018, 9, 7)),
        ("Sep 7, 2018", date(2018, 9, 7)),
        ("September 7, 2018", date(2018, 9, 7)),
        ("July 07, 2020", date(2020, 7, 7)),
        ("Jul 2, 2020", date(2020, 7, 2)),
        ("June 1 2020", date(2020, 6, 1)),
        ("MAY 5, 2021", date(2021, 5, 5)),
        ("April 23rd, 2020", date(2020, 4, 23)),
        ("April 1st, 2022", date(2022, 4, 1)),
        ("April 2nd, 2022", date(2022, 4, 2)),
        ("April 11th, 2022", date(2022, 4, 11)),
        ("February 29th, 2020", date(2020, 2, 29)),
    ],
)
def test_read_date_accepts_every_spelling(text: str, expected: date) -> None:
    value, note = _read(text)
    assert value == expected
    assert note is None


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("April 1th, 2022", "expected the ordinal 1st, found 1th"),
        ("April 23RD, 2020", "expected the ordinal 23rd, found 23RD"),
        ("April 12nd, 2020", "expected the ordinal 12th, found 12nd"),
    ],
)
def test_read_date_notes_a_wrong_ordinal_but_keeps_the_date(text: str, note: str) -> None:
    value, found = _read(text)
    assert value.year in {2020, 2022}
    assert found == note


@pytest.mark.parametrize("text", ["April 31, 2020", "February 29, 2021", "June 0, 2020"])
def test_read_date_never_invents_a_date(text: str) -> None:
    with pytest.raises(InvalidDateError, match="names no real day"):
        _read(text)


@pytest.mark.parametrize("text", ["Smarch 3, 2020", "3 May 2020", "April 3", "April 2020", "Mayday 3, 2020"])
def test_what_is_no_date_has_no_pieces(text: str) -> None:
    assert syntax.date_pieces(text) is None


def test_a_date_splits_into_the_pieces_as_written() -> None:
    assert syntax.date_pieces("Sept. 07 2018") == ("Sept.", "07", None, "2018")
    assert syntax.date_pieces("April 23RD, 2020") == ("April", "23", "RD", "2020")


@pytest.mark.parametrize(
    ("day", "suffix"),
    [(1, "st"), (2, "nd"), (3, "rd"), (4, "th"), (11, "th"), (12, "th"), (13, "th"), (21, "st"), (22, "nd"),
     (23, "rd"), (30, "th"), (31, "st")],
)  # fmt: skip
def test_ordinal_suffix(day: int, suffix: str) -> None:
    assert ordinal_suffix(day) == suffix


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Caleb Weiss", ["Caleb Weiss"]),
        ("By Nick Givas and Jennifer Griffin", ["Nick Givas", "Jennifer Griffin"]),
        ("By A. One, B. Two and C. Three", ["A. One", "B. Two", "C. Three"]),
        ("By A. One, B. Two, and C. Three", ["A. One", "B. Two", "C. Three"]),
        ("By Michael Knights & Hamdi Malik", ["Michael Knights", "Hamdi Malik"]),
        ("by Salam Faraj", ["Salam Faraj"]),
        ("By Alissa J. Rubin and Falih Hassan", ["Alissa J. Rubin", "Falih Hassan"]),
        ("By Track Persia", ["Track Persia"]),
        ("By Jean-Pierre de la Tour", ["Jean-Pierre de la Tour"]),
        ("By D'Arcy O'Neil-Smith", ["D'Arcy O'Neil-Smith"]),
        ("By Sandra Anderson", ["Sandra Anderson"]),
        ("By X and", ["X and"]),
    ],
)
def test_the_grammar_splits_a_byline_into_names(byline: str, names: list[str]) -> None:
    assert syntax.split_names(byline) == names


@pytest.mark.parametrize(
    ("field", "tags"),
    [
        ("Iraq, North America, USA", ["Iraq", " North America", " USA"]),
        ("Iraq", ["Iraq"]),
        ("Iraq,, USA,", ["Iraq", "", " USA", ""]),
        ("Economy &amp; Budget", ["Economy &amp; Budget"]),
    ],
)
def test_the_grammar_splits_a_tag_field_into_tags(field: str, tags: list[str]) -> None:
    assert syntax.split_tags(field) == tags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  two\u00a0 spaces\tand tab  ", "two spaces and tab"),
        ("Iran&#8217;s &amp; Iraq&rsquo;s", "Iran’s & Iraq’s"),
        ("budget&nbsp;plan", "budget plan"),
        ("zero\u200bwidth", "zero\u200bwidth"),
    ],
)
def test_clean(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_normalise_maps_spaces_drops_invisibles_and_replaces_controls() -> None:
    assert normalise("a\u00a0b\u2009c\u2028d") == "a b c d"
    assert normalise("By\u200b\u200e Nick\ufeff") == "By Nick"
    assert normalise("nul\x00esc\x1bdel\x7f") == "nul\ufffdesc\ufffddel\ufffd"
    assert normalise("lone\ud800surrogate") == "lone\ufffdsurrogate"


def test_normalise_changes_each_character_it_knows_even_alone_in_printable_text() -> None:
    # normalise() leaves printable text alone; that is only right if every character it
    # maps is unprintable. A character added to those lists that is printable fails here.
    for char in INVISIBLE + SPACES + REPLACED:
        assert not char.isprintable(), hex(ord(char))
        assert normalise(f"ab{char}cd") != f"ab{char}cd", hex(ord(char))


def test_the_only_printable_white_space_is_the_plain_space() -> None:
    # clean() returns printable text with single inner spaces stripped only; that is
    # only right if str.split() finds no other white space in printable text.
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]


@given(st.lists(st.sampled_from([*"ab &;#x20", "&amp;", "&nbsp;", "\u00a0", "\t", "\u200b", "\x00"])).map("".join))
def test_clean_folds_white_space_after_decoding_references(text: str) -> None:
    decoded = normalise_characters(html.unescape(text)) if "&" in text else text
    assert clean(text) == " ".join(decoded.split())


def test_the_only_white_space_normalising_leaves_is_the_plain_space() -> None:
    # clean_read() strips read text with no two spaces and no line feed, without folding; that is
    # only right if a line, once normalised, holds no other white space (lines end at CR and LF).
    spaces = [chr(point) for point in range(0x110000) if chr(point).isspace()]
    left = {char for space in spaces for char in normalise(f"a{space}b") if char.isspace()}
    assert left == {" ", "\n", "\r"}


@given(
    st.lists(st.sampled_from([*"ab &;#.\n\r", "  ", "&amp;", "&nbsp;", "\u00a0", "\t", "\u200b", "\x00", "\ue000"]))
    .map("".join)
    .filter(lambda text: text.strip())
)
def test_clean_read_is_clean_on_the_text_of_lines_and_paragraphs(text: str) -> None:
    # What build.py cleans: one line's text, or a body's paragraphs joined by line feeds.
    lines = [line.text for line in lines_of_text(text)]
    for read in [*lines, "\n".join(lines)]:
        assert clean_read(read) == clean(read), read


def test_clean_or_none() -> None:
    assert clean_or_none(None) is None
    assert clean_or_none("   ") is None
    assert clean_or_none(" x ") == "x"


def test_dates_written_back() -> None:
    assert long_date(date(2020, 4, 3)) == "April 3, 2020"
    assert ordinal_date(date(2020, 4, 23)) == "April 23rd, 2020"
    assert ordinal_date(date(2021, 11, 11)) == "November 11th, 2021"


def test_credit_text() -> None:
    assert credit_text("(Getty)") == "Getty"
    assert credit_text("(Social  Media)") == "Social Media"
    assert credit_text("( )") is None


def test_quote_cuts_and_escapes() -> None:
    assert quote("short") == "'short'"
    assert quote("x" * 100, limit=10) == repr("x" * 9 + "…")
    assert "\x1b" not in quote("red\x1b[31m")


def test_escape_controls() -> None:
    assert escape_controls("ok\x1b[2Jdone\x07") == "ok\\x1b[2Jdone\\x07"
    assert escape_controls("plain text, café") == "plain text, café"
