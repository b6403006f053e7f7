"""Measure digestparse on generated corpora, against the plain-regex baseline, in one run.

    python benchmarks/run.py [--sizes 4 16 64] [--jobs-files 32] [--against DIR]

For each size: MB/s and peak memory of `parse_file`, `iter_entries` and the
CLI from file to JSON Lines, then the same for benchmarks/baseline.py; each
run in a fresh process, best of --repeat. The commands of one size take turns
(round after round, each command once a round), so that a slow spell of a
shared machine weighs on all of them alike, not on one. Then: the largest size with lark
itself reading every text (DIGESTPARSE_BACKEND=lark), to show what the lean
runner gains; start-up (--help, a small file); and a folder of files with
`--jobs 1` and `--jobs 2`. Prints a Markdown table for the README.

`--against DIR` adds, at each size, the command line of another checkout of
digestparse (for example `git worktree add /tmp/before HEAD~3`) taking turns
with this one: the way to see what a change costs or gains.
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

PARSE_FILE = "import sys, digestparse; digestparse.parse_file(sys.argv[1])"
ITER_ENTRIES = "import sys, digestparse; sum(1 for _ in digestparse.iter_entries(sys.argv[1]))"
AGAINST = "import sys; sys.path.insert(0, sys.argv.pop(1)); from digestparse.cli import main; raise SystemExit(main())"


def _measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one child process, its output thrown away."""
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=sink, stderr=sink, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def _best(command: list[str], repeat: int) -> tuple[float, float]:
    return _best_of_turns({"one": command}, repeat)["one"]


def _best_of_turns(
    commands: dict[str, list[str]], repeat: int, envs: dict[str, dict[str, str]] | None = None
) -> dict[str, tuple[float, float]]:  # fmt: skip
    """Each command's best time and highest peak over `repeat` rounds, the commands taking turns.

    `envs` gives a command (by name) variables of its own.
    """
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(_measure(command, (envs or {}).get(name)))
    return {name: (min(r[0] for r in found), max(r[1] for r in found)) for name, found in runs.items()}


def corpus(megabytes: int) -> Path:
    """The corpus of that size, generated once and kept in benchmarks/corpus/."""
    CORPUS.mkdir(exist_ok=True)
    path = CORPUS / f"{megabytes}mb.txt"
    if not path.exists():
        generate(path, megabytes)
    return path


def folder(files: int) -> Path:
    """A folder of `files` digests of 1 MB each, for --jobs."""
    path = CORPUS / f"{files}x1mb"
    path.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        name = path / f"{n:03d}.txt"
        if not name.exists():
            generate(name, 1, seed=n + 1)
    return path


def main() -> None:
    """Run the measurements and print the table."""
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--sizes", type=int, nargs="+", default=[4, 16, 64])
    options.add_argument("--repeat", type=int, default=5)
    options.add_argument("--jobs-files", type=int, default=32)
    options.add_argument("--against", type=Path, help="another checkout of digestparse, run in turns with this one")
    args = options.parse_args()
    # Each checkout keeps its own built grammar: one cache thrown out by the other's would cost each run 45 ms.
    envs: dict[str, dict[str, str]] = {"cli_jsonl": {"XDG_CACHE_HOME": str(CORPUS / "cache-here")}}
    if args.against is not None:
        envs["against"] = {"XDG_CACHE_HOME": str(CORPUS / "cache-against")}
    python = sys.executable
    rows = []
    for size in args.sizes:
        path = corpus(size)
        mb = path.stat().st_size / 1e6
        commands = {
            "parse_file": [python, "-c", PARSE_FILE, str(path)],
            "iter_entries": [python, "-c", ITER_ENTRIES, str(path)],
            "cli_jsonl": [python, "-m", "digestparse", str(path), "--to", "jsonl", "-q"],
            "baseline": [python, str(HERE / "baseline.py"), str(path)],
        }
        if args.against is not None:  # the other checkout's package first on the path, then its command line
            commands["against"] = [python, "-c", AGAINST, str(args.against.resolve()), str(path), "--to", "jsonl", "-q"]
        results = _best_of_turns(commands, args.repeat, envs)
        rows.append((size, mb, results))
    # Start-up depends on what the interpreter has installed (.pth files run at every start), so say which.
    where = "a virtual environment" if sys.prefix != sys.base_prefix else "no virtual environment"
    runs = f"each figure the best of {args.repeat} runs"
    print(f"Python {sys.version.split()[0]} ({where}), {os.cpu_count()} cores; {runs}.\n")
    print("| input | parse_file | iter_entries | CLI to JSON Lines | baseline to JSON Lines | CLI / baseline |")
    print("|---|---|---|---|---|---|")
    for size, mb, r in rows:
        cells = [f"{mb / r[k][0]:.2f} MB/s, {r[k][1]:.0f} MB peak" for k in ("parse_file", "iter_entries",
                                                                           "cli_jsonl", "baseline")]  # fmt: skip
        ratio = r["baseline"][0] / r["cli_jsonl"][0]
        print(f"| {size} MB | " + " | ".join(cells) + f" | {ratio:.2f}x |")
    if args.against is not None:
        print(f"\nCLI to JSON Lines, this checkout against {args.against}:")
        for size, mb, r in rows:
            change = r["against"][0] / r["cli_jsonl"][0]
            print(f"  {size} MB: {mb / r['cli_jsonl'][0]:.2f} against {mb / r['against'][0]:.2f} MB/s ({change:.2f}x)")
    if len(rows) >= 2:
        (s1, _, r1), (s2, _, r2) = rows[-2], rows[-1]
        growth = r2["cli_jsonl"][0] / r1["cli_jsonl"][0]
        print(f"\nCLI time, {s2} MB over {s1} MB: {growth:.2f}x for {s2 / s1:.0f}x the input.")
    _extras(args, size=rows[-1][0], mb=rows[-1][1])


def _extras(args: argparse.Namespace, *, size: int, mb: float) -> None:
    """Lark itself against the lean runner, start-up, and --jobs on a folder of files."""
    python = sys.executable
    command = [python, "-m", "digestparse", str(corpus(size)), "--to", "jsonl", "-q"]
    lark_env = {"lark": {"DIGESTPARSE_BACKEND": "lark"}}
    backends = _best_of_turns({"lean": command, "lark": command}, args.repeat, lark_env)
    by_lark, by_lean = backends["lark"], backends["lean"]
    print(
        f"\nCLI to JSON Lines on {size} MB with DIGESTPARSE_BACKEND=lark (lark itself reads every body and "
        f"footer): {mb / by_lark[0]:.2f} MB/s; the lean runner is {by_lark[0] / by_lean[0]:.2f}x faster "
        f"(the two taking turns)."
    )
    seed = HERE.parent / "samples" / "valid" / "seed.txt"
    helping = _best([python, "-m", "digestparse", "--help"], args.repeat)
    small = _best([python, "-m", "digestparse", str(seed), "--to", "jsonl", "-q"], args.repeat)
    bare = _best([python, "-c", "pass"], args.repeat)
    print(
        f"\nStart-up: --help {helping[0]:.2f} s, the 10-entry seed to JSON Lines {small[0]:.2f} s "
        f"(Python itself: {bare[0]:.2f} s)."
    )
    files = folder(args.jobs_files)
    total = sum(p.stat().st_size for p in files.glob("*.txt")) / 1e6
    jobs = {n: [python, "-m", "digestparse", str(files), "--to", "jsonl", "-q", "--jobs", n] for n in ("1", "2")}
    by_jobs = _best_of_turns(jobs, args.repeat)
    one, two = by_jobs["1"], by_jobs["2"]
    print(f"\n{args.jobs_files} files, {total:.0f} MB, CLI to JSON Lines: --jobs 1 {total / one[0]:.2f} MB/s, "
          f"--jobs 2 {total / two[0]:.2f} MB/s ({one[0] / two[0]:.2f}x).")  # fmt: skip


if __name__ == "__main__":
    main()
