"""Rewrite the samples' expectations and the golden outputs from the current code, and show what changed.

    python -m tests.regenerate          # rewrite them, then name each changed file and show `git diff`
    python -m tests.regenerate --check  # change nothing; exit 1 if any file would change

A change of a field, of a message's place or of the id formula changes many
expectation files at once; this writes them all, the way they are laid out,
so that a reviewer reads the diff (every value that changed) before the
change is committed. The tests compare with the files as committed, never
with what this would write: an expectation is a claim someone checked.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = ROOT / "tests" / "golden"
WIDTH = 120  # the project's line length: an entry's keys are wrapped to it


def entries_text(entries: list[dict[str, Any]]) -> str:
    """A valid sample's expectation: a JSON array, each entry's keys wrapped to WIDTH, in the contract's order."""
    blocks = []
    for entry in entries:
        items = [f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in entry.items()]
        lines: list[str] = []
        line = "  {"
        for n, item in enumerate(items):
            piece = item + ("}" if n == len(items) - 1 else ",")
            if line not in ("  {", "   ") and len(line) + 1 + len(piece) > WIDTH:
                lines.append(line)
                line = "   "
            line += ("" if line in ("  {", "   ") else " ") + piece
        lines.append(line)
        blocks.append("\n".join(lines))
    return "[\n" + ",\n".join(blocks) + "\n]\n" if blocks else "[]\n"


def issues_text(found: dict[str, Any]) -> str:
    """An invalid sample's expectation: its statuses and diagnostics (or its error), two spaces an indent."""
    return json.dumps(found, indent=2, ensure_ascii=False) + "\n"


def expected(path: Path) -> tuple[Path, str]:
    """The expectation file of one sample, and what the current code gives for it."""
    import digestparse  # the checkout's own, once main() has put it first on the path

    if path.parent.name == "valid":
        digest = digestparse.parse_file(path, source=path.name)
        return path.with_suffix(".json"), entries_text([entry.model_dump(mode="json") for entry in digest.entries])
    target = path.with_name(path.stem + ".issues.json")
    try:
        digest = digestparse.parse_file(path, source=path.name)
    except digestparse.DigestParseError as error:
        return target, issues_text({"error": {"code": error.code, "line": error.line, "column": error.column}})
    diagnostics = [{"code": d.code, "severity": d.severity, "line": d.line, "column": d.column}
                   for d in digest.diagnostics]  # fmt: skip
    return target, issues_text({"statuses": [entry.status for entry in digest.entries], "diagnostics": diagnostics})


def golden() -> list[tuple[Path, str]]:
    """The command line's outputs on the seed, in every text format (tests/golden, compared by test_cli)."""
    from digestparse import cli

    made = []
    for to, name in [("json", "seed.json"), ("jsonl", "seed.jsonl"), ("csv", "seed.csv"), ("markdown", "seed.md"),
                     ("digest", "seed.txt")]:  # fmt: skip
        out = io.StringIO()
        before = sys.stdout
        sys.stdout = out
        try:
            cli.main(["samples/valid/seed.txt", "--to", to, "-q"])
        finally:
            sys.stdout = before
        made.append((GOLDEN / name, out.getvalue()))
    return made


def main() -> int:
    """Write (or, with --check, compare) every expectation; the exit status says whether any differs."""
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = options.parse_args()
    sys.path.insert(0, str(ROOT))
    samples = sorted(SAMPLES.glob("valid/*.txt")) + sorted(SAMPLES.glob("invalid/*.txt"))
    os.chdir(ROOT)  # the golden outputs name the seed by its path from here
    made = [expected(path) for path in samples] + golden()
    changed = [path for path, text in made if not path.exists() or path.read_bytes() != text.encode("utf-8")]
    if args.check:
        for path in changed:
            print(f"would change: {path.relative_to(ROOT)}")
        return 1 if changed else 0
    for path, text in made:
        path.write_bytes(text.encode("utf-8"))
    for path in changed:
        print(f"changed: {path.relative_to(ROOT)}")
    in_git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--is-inside-work-tree"],  # noqa: S607
                            capture_output=True, check=False).returncode == 0  # fmt: skip
    if changed and in_git:  # outside a repository, git diff would compare the two folders with each other
        subprocess.run(["git", "-C", str(ROOT), "diff", "--", "samples", "tests/golden"], check=False)  # noqa: S607
    print(f"{len(changed)} of {len(made)} expectation files changed.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
