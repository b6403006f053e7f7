"""The floor of the benchmark: the least any converter of digests to JSON Lines does.

    python benchmarks/floor.py FILE > out.jsonl

It reads the whole file, splits it on blank lines, and dumps one dict of the
contract's keys for every three paragraphs (a headline, a body, a footer) as
one compact JSON object a line. It reads nothing of the text: no speed of a
converter that does can reach it.
"""

from __future__ import annotations

import json
import sys

KEYS = ("headline", "caption", "credit", "authors", "dateline", "excerpt", "truncated", "posted_by", "published",
        "tags", "source", "line", "end_line", "status", "issues")  # fmt: skip


def main() -> None:
    text = open(sys.argv[1], encoding="utf-8-sig").read()  # noqa: SIM115 - a script that reads once
    paragraphs = text.split("\n\n")
    out = sys.stdout
    for at in range(0, len(paragraphs) - 2, 3):
        entry = dict.fromkeys(KEYS)
        entry["headline"], entry["excerpt"], entry["posted_by"] = paragraphs[at : at + 3]
        entry["authors"], entry["tags"], entry["issues"] = [], [], []
        out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
