"""The benchmark's baseline: a plain-regex digest splitter, written for comparison only.

    python benchmarks/baseline.py FILE > out.jsonl

It reads the whole file, cuts it at footer lines, takes the line before the
body as the headline, pulls the body's parts out with one regular expression
and the footer's with str.split, and writes one JSON object per entry, with
the contract's keys, as compact as digestparse writes them. No recovery, no
positions, no diagnostics: what a quick script would do.
"""

from __future__ import annotations

import html
import json
import re
import sys

FOOTER = re.compile(r"^By [^|\n]*\|.*$", re.MULTILINE)
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
BODY = re.compile(
    rf"^(?P<caption>.*?)\s*(?:\((?P<credit>[^()]*)\))?\s*(?:By (?P<byline>[^\n]+?))?\s*"
    rf"(?P<dateline>{MONTH} \d{{1,2}}, \d{{4}})(?!\.)\s*(?P<excerpt>.*?)\s*"
    r"(?P<marker>\[\.\.\.\]|\[…\]|…|\[&hellip;\]|Read More)?$"
)
DATE = re.compile(rf"({MONTH}) (\d{{1,2}})(?:st|nd|rd|th)?, (\d{{4}})")
MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}


def iso(text: str | None) -> str | None:
    match = DATE.search(text or "")
    if not match:
        return None
    return f"{match[3]}-{MONTHS[match[1][:3].lower()]:02d}-{int(match[2]):02d}"


def clean(text: str | None) -> str | None:
    return " ".join(html.unescape(text).split()) or None if text else None


def main() -> None:
    text = open(sys.argv[1], encoding="utf-8-sig").read()  # noqa: SIM115 - a script that reads once
    out = sys.stdout
    start = 0
    for footer in FOOTER.finditer(text):
        lines = [line for line in text[start : footer.start()].split("\n") if line.strip()]
        start = footer.end()
        if len(lines) < 2:
            continue
        headline, body = lines[-2], lines[-1]
        parts = BODY.match(body.replace("\u00a0", " "))
        fields = footer.group().split("|")
        names = re.split(r",\s*|\s+and\s+|\s*&\s*", parts["byline"]) if parts and parts["byline"] else []
        entry = {
            "headline": clean(headline),
            "caption": clean(parts["caption"]) if parts else None,
            "credit": parts["credit"] if parts else None,
            "authors": names,
            "dateline": iso(parts["dateline"]) if parts else None,
            "excerpt": clean(parts["excerpt"] if parts else body),
            "truncated": bool(parts and parts["marker"]),
            "posted_by": fields[0][3:].strip() or None,
            "published": iso(fields[1]) if len(fields) > 1 else None,
            "tags": [t.strip() for t in fields[2].split(",") if t.strip()] if len(fields) > 2 else [],
            "source": sys.argv[1],
            "line": None,
            "end_line": None,
            "status": "ok",
            "issues": [],
        }
        out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
