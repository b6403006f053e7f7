"""Measure digestparse on generated corpora, against a plain-regex baseline and a floor, in one run.

    python benchmarks/run.py [--sizes 4 20 40 64] [--files 32] [--repeat 5] [--against DIR] [--only single]

Each command runs in a fresh process; the commands of one size take turns,
round after round, and each figure is the best of --repeat (a slow spell of a
shared machine then weighs on all of them alike). For each size of a single
generated file, to JSON Lines:

- the command line with its defaults (`--jobs auto`: the cores, from 2 MB on);
- the command line with `--jobs 1`;
- benchmarks/baseline.py: a plain-regex splitter writing the same compact JSON
  Lines in one process (no recovery, no positions, no diagnostics);
- benchmarks/floor.py: read, split on blank lines, dump a dict of the
  contract's keys per entry: the least any converter does, in one process;

with MB/s, peak memory (of the main process and its workers, each), and each
figure as a ratio to the baseline and as a share of the floor's speed. Then a
folder of --files files of 1 MB with `--jobs 1` and `--jobs 2`; the smallest and
the largest file into a new SQLite database against into a JSON Lines file (both
with the defaults, both on disk); and start-up.

`--against DIR` adds the command line of another checkout of digestparse (for
example `git worktree add /tmp/before HEAD~3`) with `--jobs 1`, in turns with
this one: the way to see what a change costs or gains on one core. `--only single`
measures the single files and nothing else.

The children may write Python's bytecode caches, as a user's Python does (an
environment that sets PYTHONDONTWRITEBYTECODE would otherwise have every run
compile digestparse's modules again: about 0.03 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402 - the generator lives beside this script

_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
AGAINST = "import sys; sys.path.insert(0, sys.argv.pop(1)); from digestparse.cli import main; raise SystemExit(main())"


def _measure(command: list[str], env: dict[str, str] | None = None, fresh: Path | None = None) -> tuple[float, float]:
    """Wall seconds and the peak resident MB of the child or of any of its own children, its output thrown away.

    `fresh` is a file the command writes, removed first: each run starts from nothing.
    """
    if fresh is not None:
        fresh.unlink(missing_ok=True)
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=sink, stderr=sink, env={**_ENVIRONMENT, **(env or {})})
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def best_of_turns(
    commands: dict[str, list[str]],
    repeat: int,
    envs: dict[str, dict[str, str]] | None = None,
    fresh: dict[str, Path] | None = None,
) -> dict[str, tuple[float, float]]:
    """Each command's best time and highest peak over `repeat` rounds, the commands taking turns."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(_measure(command, (envs or {}).get(name), (fresh or {}).get(name)))
    return {name: (min(r[0] for r in found), max(r[1] for r in found)) for name, found in runs.items()}


def corpus(megabytes: int) -> Path:
    """The corpus of that size, generated once and kept in benchmarks/corpus/."""
    CORPUS.mkdir(exist_ok=True)
    path = CORPUS / f"{megabytes}mb.txt"
    if not path.exists():
        generate(path, megabytes)
    return path


def folder(files: int) -> Path:
    """A folder of `files` digests of 1 MB each."""
    path = CORPUS / f"{files}x1mb"
    path.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        name = path / f"{n:03d}.txt"
        if not name.exists():
            generate(name, 1, seed=n + 1)
    return path


def single_files(sizes: list[int], repeat: int, against: Path | None) -> None:
    """One generated file of each size to JSON Lines: the command line, the baseline and the floor."""
    python = sys.executable
    # Each checkout keeps its own built grammar: one cache thrown out by the other's would cost each run 45 ms.
    envs = {name: {"XDG_CACHE_HOME": str(CORPUS / "cache-here")} for name in ("auto", "one")}
    envs["against"] = {"XDG_CACHE_HOME": str(CORPUS / "cache-against")}
    print("| input | CLI, defaults | CLI, --jobs 1 | baseline | floor | defaults / baseline | --jobs 1 / baseline |")
    print("|---|---|---|---|---|---|---|")
    compared = []
    for size in sizes:
        path = str(corpus(size))
        commands = {
            "auto": [python, "-m", "digestparse", path, "--to", "jsonl", "-q"],
            "one": [python, "-m", "digestparse", path, "--to", "jsonl", "-q", "--jobs", "1"],
            "baseline": [python, str(HERE / "baseline.py"), path],
            "floor": [python, str(HERE / "floor.py"), path],
        }
        if against is not None:
            commands["against"] = [python, "-c", AGAINST, str(against.resolve()), path, "--to", "jsonl", "-q"]
        found = best_of_turns(commands, repeat, envs)
        mb = Path(path).stat().st_size / 1e6
        floor = mb / found["floor"][0]

        def cell(name: str, found: dict[str, tuple[float, float]] = found, mb: float = mb, floor: float = floor) -> str:
            speed = mb / found[name][0]
            return f"{speed:.1f} MB/s ({speed / floor:.0%} of the floor), {found[name][1]:.0f} MB"

        auto, one = found["baseline"][0] / found["auto"][0], found["baseline"][0] / found["one"][0]
        print(f"| {size} MB | {cell('auto')} | {cell('one')} | {cell('baseline')} | {floor:.1f} MB/s, "
              f"{found['floor'][1]:.0f} MB | {auto:.2f}x | {one:.2f}x |")  # fmt: skip
        if against is not None:
            compared.append((size, mb / found["one"][0], mb / found["against"][0]))
    for size, here, there in compared:
        print(
            f"\n{size} MB, --jobs 1: this checkout {here:.2f} MB/s, {against} {there:.2f} MB/s ({here / there:.2f}x)."
        )


def many_files(files: int, repeat: int) -> None:
    """A folder of files of 1 MB, with one process and with two."""
    python = sys.executable
    path = folder(files)
    total = sum(p.stat().st_size for p in path.glob("*.txt")) / 1e6
    jobs = {n: [python, "-m", "digestparse", str(path), "--to", "jsonl", "-q", "--jobs", n] for n in ("1", "2")}
    found = best_of_turns(jobs, repeat)
    one, two = found["1"][0], found["2"][0]
    print(f"\n{files} files of 1 MB, to JSON Lines: --jobs 1 {total / one:.1f} MB/s, --jobs 2 {total / two:.1f} MB/s "
          f"({one / two:.2f}x).")  # fmt: skip


def archives(sizes: list[int], repeat: int) -> None:
    """The smallest and the largest file into a new SQLite database, against into JSON Lines, in turns."""
    python = sys.executable
    out = {"sqlite": CORPUS / "bench.db", "jsonl": CORPUS / "bench.jsonl"}
    print("\n| input | CLI to SQLite | CLI to JSON Lines | SQLite / JSON Lines |")
    print("|---|---|---|---|")
    for size in sorted({min(sizes), max(sizes)}):
        path = str(corpus(size))
        commands = {to: [python, "-m", "digestparse", path, "-o", str(file), "-q"] for to, file in out.items()}
        found = best_of_turns(commands, repeat, fresh=out)
        mb = Path(path).stat().st_size / 1e6
        cells = [f"{mb / found[to][0]:.1f} MB/s, {found[to][1]:.0f} MB peak" for to in out]
        print(f"| {size} MB | {cells[0]} | {cells[1]} | {found['jsonl'][0] / found['sqlite'][0]:.2f}x |")
    for file in out.values():
        file.unlink(missing_ok=True)


def start_up(repeat: int) -> None:
    """How long the command takes to say nothing much."""
    python = sys.executable
    seed = HERE.parent / "samples" / "valid" / "seed.txt"
    found = best_of_turns(
        {
            "help": [python, "-m", "digestparse", "--help"],
            "seed": [python, "-m", "digestparse", str(seed), "--to", "jsonl", "-q"],
            "python": [python, "-c", "pass"],
        },
        repeat,
    )
    print(f"\nStart-up: --help {found['help'][0]:.2f} s, the 10-entry seed to JSON Lines {found['seed'][0]:.2f} s "
          f"(Python itself: {found['python'][0]:.2f} s).")  # fmt: skip


def main() -> None:
    """Run the measurements and print them as Markdown, for the README."""
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--sizes", type=int, nargs="+", default=[4, 20, 40, 64])
    options.add_argument("--files", type=int, default=32)
    options.add_argument("--repeat", type=int, default=5)
    options.add_argument("--against", type=Path, help="another checkout of digestparse, run in turns with this one")
    options.add_argument("--only", choices=["single"], help="only the single files")
    args = options.parse_args()
    # Start-up depends on what the interpreter has installed (.pth files run at every start), so say which.
    where = "a virtual environment" if sys.prefix != sys.base_prefix else "no virtual environment"
    print(f"Python {sys.version.split()[0]} ({where}), {os.cpu_count()} cores; each figure the best of {args.repeat} "
          "runs, the commands taking turns.\n")  # fmt: skip
    single_files(args.sizes, args.repeat, args.against)
    if args.only != "single":
        many_files(args.files, args.repeat)
        archives(args.sizes, args.repeat)
        start_up(args.repeat)


if __name__ == "__main__":
    main()
