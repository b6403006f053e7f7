"""The grouping hands the regex engine each stretch of a line once: the work its searches do grows with the input.

Counting calls (test_bad_inputs) does not see a search that scans a whole line
again at each of its years: the number of searches is linear, their work is
not. Here the searches of the grouping's year and dateline shapes are watched,
and what is counted is the characters each is given to look at.
"""

from __future__ import annotations

import re

import pytest

import digestparse
from digestparse import lines

from .adversarial import ADVERSARIAL, normal_digest


class _Watched:
    """A compiled pattern whose searches count the characters they look at: to the match's end, or to the end."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.characters = 0

    def search(self, text: str, pos: int = 0, endpos: int = 2**62) -> re.Match[str] | None:
        found = self.pattern.search(text, pos, endpos)
        self.characters += max(0, (found.end() if found else min(endpos, len(text))) - pos)
        return found


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> list[_Watched]:
    real = lines._shapes()
    patterns = [_Watched(real.year), _Watched(real.dateline)]
    shapes = real._replace(year=patterns[0], dateline=patterns[1])  # type: ignore[arg-type]  # a stand-in for a Pattern
    monkeypatch.setattr(lines, "_shapes", lambda: shapes)
    return patterns


def _characters(text: str, watched: list[_Watched]) -> int:
    for pattern in watched:
        pattern.characters = 0
    digestparse.parse(text)
    return sum(pattern.characters for pattern in watched)


# What the grouping's searches look at, a character of input, at most: 4.4 on a megabyte of bare dates, the
# most of the shapes below; a search that starts again from a line's beginning at each year looks at
# thousands a character of a table of figures (in proportion to the line's length).
MOST_A_CHARACTER = 10


@pytest.mark.parametrize("family", list(ADVERSARIAL))
def test_the_grouping_looks_at_each_character_a_bounded_number_of_times(family: str, watched: list[_Watched]) -> None:
    for size in (40_000, 160_000):
        text = ADVERSARIAL[family](size)
        looked = _characters(text, watched)
        assert looked <= MOST_A_CHARACTER * len(text), f"{family}: {looked / len(text):.1f} characters a character"


def test_a_normal_digest_looks_at_few(watched: list[_Watched]) -> None:
    text = normal_digest(160_000)
    assert _characters(text, watched) <= 2 * len(text)
