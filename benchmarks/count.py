"""Count the machine instructions digestparse spends an event, stage by stage: a steady measure for comparing changes.

    python benchmarks/count.py [--megabytes 1]

Timings on a shared machine drift by 10-15% from one minute to the next, which
hides a change worth 1-3%. Instruction counts do not drift: this script runs
each stage under valgrind's cachegrind (which must be installed: `valgrind`),
once to warm up and once more, and reports the difference divided by the
number of events (entries and skipped blocks), in thousands:

- reading lines (decoding, splitting, normalising);
- grouping them into entries (each stage includes the ones before it);
- building the entries (the grammar, fields, diagnostics, models);
- writing JSON Lines;

then the instructions of a whole command-line run, start-up included, with
--jobs 1 and with the defaults (from 2 MB, two worker processes: each is
counted, with --trace-children), and of the start-up: `--help`, and the
10-entry seed to JSON Lines. `--against DIR` counts the whole runs and the
start-up of another checkout too (`git worktree add /tmp/before HEAD~3`). Run it
before and after a change; the corpus is benchmarks/generate.py's, seed 1.
Python's bytecode caches are written and used, as in a user's installation.
A figure in instructions is not a speed: regex matching and Python's loop do
different amounts of work an instruction. MB/s comes from benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import corpus  # noqa: E402 - the benchmark's corpora live beside this script

# One stage, run `rounds` times after a first pass that builds the grammar and fills the caches.
STAGE = """
import sys
from digestparse import grouping, parser, reader
from digestparse.export import iter_jsonl
from digestparse.models import Entry

path, stage, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])

def lines():
    with open(path, "rb") as handle:
        for _ in reader.lines_of_chunks(reader.decoded_chunks(handle, "utf-8", path)):
            pass

def group():
    with open(path, "rb") as handle:
        for _ in grouping.group(reader.lines_of_chunks(reader.decoded_chunks(handle, "utf-8", path))):
            pass

def events():
    for _ in parser.stream_events(path, source=path):
        pass

def jsonl():
    for _ in iter_jsonl(event for event in parser.stream_events(path, source=path) if type(event) is Entry):
        pass

events()
for _ in range(rounds):
    {"lines": lines, "group": group, "events": events, "jsonl": jsonl}[stage]()
"""

STAGES = [("lines", "reading lines"), ("group", "grouping"), ("events", "building entries"), ("jsonl", "JSON Lines")]
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(valgrind: str, command: list[str], checkout: Path = HERE.parent) -> int:
    """The instructions a command executes, counted by cachegrind: its process and every worker it forks."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    # The same count every run; each checkout its own grammar cache, warmed by a first run.
    cache = HERE / "corpus" / ("cache-" + str(checkout).strip(os.sep).replace(os.sep, "-"))
    environment |= {"PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0", "XDG_CACHE_HOME": str(cache)}
    # Run in the checkout: `python -m` puts the working folder first on the path, before PYTHONPATH.
    subprocess.run(command, capture_output=True, check=False, env=environment, cwd=checkout)  # bytecode, grammar
    found = subprocess.run(
        [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            "--trace-children=yes",
            *command,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=checkout,
    )
    counts = [int(match.replace(",", "")) for match in _REFS.findall(found.stderr)]  # one a process
    if not counts:
        raise SystemExit(f"valgrind printed no instruction count:\n{found.stderr[-2000:]}")
    return sum(counts)


def main() -> None:
    """Count, stage by stage, and print one line each."""
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--megabytes", type=int, default=1)
    options.add_argument("--against", type=Path, help="another checkout, whose whole runs and start-up are counted too")
    args = options.parse_args()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("expected valgrind on the PATH (Debian: apt install valgrind), found none")
    # The interpreter, not a launcher script (pyenv's shims are shell scripts); a virtual
    # environment's own link to it, which is what finds the environment's packages.
    python = sys.executable
    with open(python, "rb") as head:
        if head.read(2) == b"#!":
            python = os.path.realpath(python)
    path = str(corpus(args.megabytes))
    sys.path.insert(0, str(HERE.parent))
    from digestparse import parser  # noqa: PLC0415 - the checkout's own, found through the path above

    events = sum(1 for _ in parser.stream_events(path, source=path))
    print(f"{path}: {events} events; thousands of instructions an event, each stage with those before it:")
    base = instructions(valgrind, [python, "-c", STAGE, path, "lines", "0"])
    for stage, what in STAGES:
        spent = instructions(valgrind, [python, "-c", STAGE, path, stage, "1"]) - base
        print(f"  {what:<18} {spent / events / 1000:8.1f}")
    seed = str(HERE.parent / "samples" / "valid" / "seed.txt")
    checkouts = [("this checkout", HERE.parent)] + ([(str(args.against), args.against.resolve())] if args.against
                                                    else [])  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.jsonl")
        for name, checkout in checkouts:
            print(f"{name}, millions of instructions:")
            for jobs in ("1", "auto"):
                command = [python, "-m", "digestparse", path, "--to", "jsonl", "-q", "-o", out, "--jobs", jobs]
                whole = instructions(valgrind, command, checkout)
                print(f"  a whole run to JSON Lines, --jobs {jobs:<4} {whole / 1e6:8,.0f} "
                      f"({whole / events / 1000:.1f} thousand an event, its workers included)")  # fmt: skip
            for what, command in [("--help", [python, "-m", "digestparse", "--help"]),
                                  ("the seed to JSON Lines", [python, "-m", "digestparse", seed, "--to", "jsonl",
                                                              "-q", "-o", out])]:  # fmt: skip
                print(f"  {what:<33} {instructions(valgrind, command, checkout) / 1e6:8,.0f}")


if __name__ == "__main__":
    main()
