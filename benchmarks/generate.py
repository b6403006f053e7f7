"""A deterministic generator of realistic digest corpora, of any size.

    python benchmarks/generate.py OUT.txt --megabytes 16 [--seed 1]

Each "page" is what an archive listing page flattens to: site navigation, ten
or so entries, and pagination. Every variant of docs/format.md appears, in
proportions like those of scraped archives: most entries are whole and
well-formed; a few lose a footer, repeat one, or miss a dateline.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

WORDS = [
    "the",
    "a",
    "of",
    "in",
    "to",
    "and",
    "on",
    "for",
    "with",
    "after",
    "over",
    "from",
    "by",
    "as",
    "at",
    "into",
    "militia",
    "border",
    "government",
    "minister",
    "talks",
    "power",
    "grid",
    "oil",
    "port",
    "aid",
    "convoy",
    "said",
    "officials",
    "forces",
    "protest",
    "budget",
    "crossing",
    "water",
    "farmers",
    "drought",
    "strike",
    "parliament",
    "election",
    "security",
    "attack",
    "drone",
    "rocket",
    "base",
    "troops",
    "commander",
    "region",
    "province",
    "city",
    "capital",
    "sanctions",
    "economy",
    "exports",
    "deal",
    "agreement",
    "report",
    "statement",
    "week",
    "month",
    "year",
    "people",
    "country",
    "group",
    "leaders",
]
CAPITALISED = [
    "Iraq",
    "Iran",
    "Baghdad",
    "Tehran",
    "Basra",
    "Erbil",
    "Mosul",
    "Kurdistan",
    "Lebanon",
    "Syria",
    "Washington",
    "Najaf",
    "Karbala",
]
FIRST = [
    "Nick",
    "Jennifer",
    "Alissa",
    "Falih",
    "Caleb",
    "Behnam",
    "Seth",
    "Jane",
    "Hassan",
    "Sara",
    "Karzan",
    "Golnar",
    "Ahmed",
    "Zoë",
    "Michael",
    "Hamdi",
]
LAST = [
    "Givas",
    "Griffin",
    "Rubin",
    "Hassan",
    "Weiss",
    "Gholipour",
    "Frantzman",
    "Arraf",
    "Qadir",
    "Sulaivany",
    "Motevalli",
    "Rasheed",
    "Knights",
]
CREDITS = ["Getty", "REUTERS", "AFP", "AP", "Supplied", "Tasnim", "Social Media", "Flash90", "Twitter", "Rudaw"]
TAGS = [
    "Iraq",
    "Iran",
    "North America",
    "USA",
    "Lebanon",
    "Syria",
    "Israel",
    "Gulf",
    "Kurdistan",
    "Economy",
    "Oil",
    "Elections",
    "Militias",
    "Sanctions",
    "Diplomacy",
]
TAG_SETS = [
    "Iraq",
    "Iraq, North America, USA",
    "Iran",
    "Iraq, Iran",
    "Lebanon",
    "Syria",
    "Iraq, Lebanon, North America, USA",
    "Gulf, Iran",
    "Kurdistan, Iraq",
    "Israel, Syria",
    "Economy, Iraq",
    "Elections, Iraq",
]
TAG_SET_WEIGHTS = [30, 20, 12, 8, 6, 5, 4, 4, 3, 3, 3, 2]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept.", "Oct", "Nov", "Dec"]
MARKERS = ["[...]"] * 16 + ["[…]", "…", "[&hellip;]", "Read More"]


def _ordinal(day: date) -> str:
    n = day.day
    suffix = "th" if n in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{MONTHS[day.month - 1]} {n}{suffix}, {day.year}"


def _long(day: date, rng: random.Random) -> str:
    month = SHORT[day.month - 1] if rng.random() < 0.1 else MONTHS[day.month - 1]
    return f"{month} {day.day:02d}, {day.year}" if rng.random() < 0.05 else f"{month} {day.day}, {day.year}"


def _words(rng: random.Random, low: int, high: int) -> str:
    count = rng.randint(low, high)
    return " ".join(rng.choice(CAPITALISED) if rng.random() < 0.12 else rng.choice(WORDS) for _ in range(count))


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = _words(rng, low, high)
    return words[:1].upper() + words[1:]


def _entry(rng: random.Random, day: date) -> list[str]:  # noqa: PLR0912 - one branch per variant, in order
    headline = _sentence(rng, 6, 14)
    if rng.random() < 0.1:
        headline = headline.replace(" the ", " ‘the’ ", 1)
    body: list[str] = []
    if rng.random() < 0.9:
        caption = _sentence(rng, 8, 28)
        if rng.random() < 0.35:
            caption += ", " + _long(day - timedelta(days=rng.randint(1, 400)), rng)
        body.append(caption + ".")
    if rng.random() < 0.8:
        body.append(f"({rng.choice(CREDITS)})")
    if rng.random() < 0.4:
        names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.choices([1, 2, 3], [6, 3, 1])[0])]
        body.append("By " + (" and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]))
    if rng.random() < 0.97:
        body.append(_long(day, rng))
    body.append(_sentence(rng, 25, 70))
    if rng.random() < 0.9:
        body.append(rng.choice(MARKERS))
    text = " ".join(body)
    if rng.random() < 0.2:
        text = text.replace(" ", "\u00a0 ", 2)
    if rng.random() < 0.1:
        text = text.replace(" and ", " &amp; ", 1)
    # Archives tag most entries with a few recurring sets (the seed: "Iraq" five
    # times, "Iraq, North America, USA" four times); some get a set of their own.
    if rng.random() < 0.85:
        tags = rng.choices(TAG_SETS, TAG_SET_WEIGHTS)[0]
    else:
        tags = ", ".join(rng.sample(TAGS, rng.randint(1, 4)))
    posted = "admin" if rng.random() < 0.05 else ""
    stamp = f"{day.isoformat()}T10:15:00+00:00" if rng.random() < 0.03 else ""
    extra = rng.choice(["0 Comments", "1 Comment", "Comments Off on " + headline[:30]]) if rng.random() < 0.05 else ""
    footer = f"By {posted}|{stamp}{_ordinal(day)}|{tags}|{extra}"
    lines = [headline, "", text, "", footer]
    roll = rng.random()
    if roll < 0.01:
        lines = lines[:3]  # a lost footer
    elif roll < 0.015:
        lines += ["", footer]  # a repeated footer
    return lines


def pages(rng: random.Random) -> Iterator[str]:
    """Pages of a digest archive, newest first, forever."""
    day = date(2021, 6, 30)
    page = 1
    while True:
        lines = ["Home | News | Analysis | About Us", "", f"Archive: page {page}", ""]
        for _ in range(10):
            if rng.random() < 0.4:
                day -= timedelta(days=1)
            lines += [*_entry(rng, day), ""]
            if rng.random() < 0.05:
                lines += ["Share this:", ""]
        lines += ["Load More Posts", f"1 2 3 … {page + 1} Next »", ""]
        yield "\n".join(lines) + "\n"
        page += 1


def write(path: Path, megabytes: float, made: Iterator[str]) -> int:
    """Write pages of a corpus to `path` until it holds about `megabytes` MB; returns its size in bytes."""
    target = int(megabytes * 1_000_000)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        for page in made:
            out.write(page)
            written += len(page.encode("utf-8"))
            if written >= target:
                break
    return written


def generate(path: Path, megabytes: float, seed: int = 1) -> int:
    """Write a corpus of about `megabytes` MB to `path`; returns its size in bytes."""
    return write(path, megabytes, pages(random.Random(seed)))


def command(make: Callable[[Path, float, int], int], description: str, megabytes: float) -> None:
    """A generator's command line: write one corpus file."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("out", type=Path)
    parser.add_argument("--megabytes", type=float, default=megabytes)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    size = make(args.out, args.megabytes, args.seed)
    print(f"{args.out}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    command(generate, __doc__.split("\n\n")[0], 4)
