"""A corpus with realistic disorder: real-shaped entries, each one perturbed, rather than a few recurring shapes.

    python benchmarks/disorder.py OUT.txt --megabytes 20 [--seed 1]

generate.py builds its entries from templates: a body is one of a score of
shapes, which the regex engine and the caches soon know by heart. Here every
entry starts from a real one (the entries of samples/valid/, cut off in a real
page's way as they are) and is changed as archives change them: other words and
lengths, a part dropped or another added, dates and names of its own, spaces
and references, a line of site text after it, a lost or repeated footer. The
result reads like many sites' pages, not like one template's.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from generate import CAPITALISED, FIRST, LAST, MONTHS, WORDS, command, write  # noqa: E402 - beside this script

import digestparse  # noqa: E402 - the checkout's own, found through the path above

SITE_TEXT = ["Share this:", "Twitter Facebook", "Related posts", "Advertisement", "Read the full story", "Subscribe"]
_WORD = re.compile(r"[A-Za-z]{4,}")


def _real_entries() -> list[digestparse.Entry]:
    """Every whole entry of the valid samples: the shapes real pages have."""
    found = []
    for path in sorted((HERE.parent / "samples" / "valid").glob("*.txt")):
        found += [entry for entry in digestparse.parse_file(path).entries if entry.status == "ok"]
    return found


def _reworded(text: str, rng: random.Random, *, grow: bool = True) -> str:
    """The text with a share of its words changed, and (`grow`) sometimes longer or shorter."""
    words = text.split(" ")
    for n, word in enumerate(words):
        if _WORD.fullmatch(word) and rng.random() < 0.3:
            words[n] = rng.choice(CAPITALISED) if word[0].isupper() else rng.choice(WORDS)
    if not grow:
        return " ".join(words)
    if rng.random() < 0.3:
        words += [rng.choice(WORDS) for _ in range(rng.randint(1, 40))]
    elif rng.random() < 0.2 and len(words) > 8:
        words = words[: rng.randint(6, len(words))]
    return " ".join(words)


def _date(rng: random.Random) -> tuple[str, str]:
    month, day, year = rng.randint(1, 12), rng.randint(1, 28), rng.randint(2012, 2024)
    name = MONTHS[month - 1]
    short = name[:3] + ("." if rng.random() < 0.3 else "") if rng.random() < 0.15 else name
    suffix = "th" if day in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{short} {day}, {year}", f"{name} {day}{suffix}, {year}"


def _names(rng: random.Random) -> str:
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.choices([1, 2, 3], [6, 3, 1])[0])]
    return (
        " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + rng.choice([", and ", " and "]) + names[-1]
    )


def _entry(real: digestparse.Entry, rng: random.Random) -> list[str]:
    dateline, footer_date = _date(rng)
    body: list[str] = []
    if real.caption and rng.random() < 0.9:
        body.append(_reworded(real.caption, rng))
    if (real.credit or rng.random() < 0.2) and rng.random() < 0.85:
        body.append(f"({real.credit or rng.choice(['AFP', 'Reuters', 'Getty', 'Supplied'])})")
    byline = f"By {_names(rng)}" if real.authors or rng.random() < 0.3 else ""
    late = byline and rng.random() < 0.15  # the byline after the dateline, as some of the site's entries have it
    if byline and not late:
        body.append(byline)
    body.append(dateline)
    if late:
        body.append(byline)
    body.append(_reworded(real.excerpt or "The ministry said on Sunday", rng))
    if real.truncated or rng.random() < 0.5:
        body.append(rng.choice(["[...]", "[...]", "[…]", "…", "[&hellip;]", "Read More"]))
    text = " ".join(body)
    if rng.random() < 0.15:
        text = text.replace(" ", "\u00a0", rng.randint(1, 3))
    if rng.random() < 0.1:
        text = text.replace(" and ", " &amp; ", 1)
    tags = ", ".join(real.tags) if real.tags and rng.random() < 0.7 else ", ".join(rng.sample(WORDS, rng.randint(1, 3)))
    footer = f"By {real.posted_by or ''}|{footer_date}|{tags}|"
    lines = [_reworded(real.headline, rng, grow=False) if real.headline else "Untitled", "", text, "", footer]
    roll = rng.random()
    if roll < 0.02:
        lines = lines[:3]  # a lost footer
    elif roll < 0.03:
        lines += ["", footer]  # a repeated footer
    elif roll < 0.06:
        lines += ["", rng.choice(SITE_TEXT)]
    return lines


def pages(rng: random.Random) -> Iterator[str]:
    """Pages of perturbed real entries, forever."""
    real = _real_entries()
    page = 1
    while True:
        lines = [rng.choice(["Home | News | About", "Menu", "Search this site"]), ""]
        for _ in range(rng.randint(5, 15)):
            lines += [*_entry(rng.choice(real), rng), ""]
        lines += ["Load More Posts", f"1 2 3 … {page + 1} Next »", ""]
        newline = "\r\n" if rng.random() < 0.05 else "\n"
        yield newline.join(lines) + newline
        page += 1


def generate(path: Path, megabytes: float, seed: int = 1) -> int:
    """Write a corpus of about `megabytes` MB to `path`; returns its size in bytes."""
    return write(path, megabytes, pages(random.Random(seed)))


if __name__ == "__main__":
    command(generate, __doc__.split("\n\n")[0], 20)
