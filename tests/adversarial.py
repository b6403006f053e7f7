"""Inputs of adversarial shapes, any size: the unit tests count the work each takes, benchmarks/growth.py times it."""

from __future__ import annotations

from collections.abc import Callable

from .conftest import SEED

ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "ten thousand parentheses": lambda n: "Headline\n\n" + "(" * n + "\n\nBy |April 3rd, 2020|x|\n",
    "byline of many words with no dateline": lambda n: (
        "Headline\n\nA caption. By " + "Name " * (n // 5) + "\n\nBy |April 3rd, 2020|x|\n"
    ),
    "megabyte of footers": lambda n: "By |April 23rd, 2020|Iraq|\n" * (n // 26),
    "megabyte of bare dates": lambda n: "April 3, 2020\n" * (n // 14),
    "many tiny entries": lambda n: "H\n\nApril 3, 2020 x\n\nBy |April 3rd, 2020|x|\n" * (n // 40),
    "byline of many words after a dateline": lambda n: (
        "Headline\n\nA caption. (AP) April 3, 2020 By " + "Name " * (n // 5) + "\n\nBy |April 3rd, 2020|x|\n"
    ),
    # Each byline after its dateline runs into capitalised words: where it ends is guessed.
    "many bylines guessed after datelines": lambda n: (
        (
            "H\n\nApril 3, 2020 By Ann Lee Bo Kim Jo Ro Al Po Iran Iraq Oman Peru Chad Mali Togo Laos x\n\n"
            "By |April 3rd, 2020|x|\n"
        )
        * (n // 110)
    ),
    "one line without newline": lambda n: "word (x) By " * (n // 12),
    # Prose: titles and paragraphs as long as a body, with no date and no footer:
    # all of it one skipped block, gathered from thousands of would-be entries.
    "prose with no date or footer": lambda n: ("A Title Here\n\n" + "Words of prose. " * 16 + "\n\n") * (n // 272),
    # A flattened table of figures: a paragraph full of four-digit numbers (years, to the grouping), no dateline,
    # no footer after it.
    "a table of four-digit figures": lambda n: (
        "Headline\n\n" + " ".join(f"{1000 + k % 9000}" for k in range(n // 5)) + "\n"
    ),
}


def normal_digest(size: int) -> str:
    """About `size` characters of an ordinary digest: the seed, repeated."""
    seed = SEED.read_text(encoding="utf-8") + "\n"
    return (seed * (size // len(seed) + 1))[:size]
