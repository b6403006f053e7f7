"""Measure digestparse against a plain-regex baseline and a floor, in one run: the table of docs/speed.md.

    python benchmarks/run.py [--sizes 4 20 64] [--repeat 5] [--against DIR] [--only single|files|start]

Each command runs in a fresh process, its output thrown away; the commands of
one row take turns, round after round, so that a slow spell of a shared
machine weighs on all of them alike. Each figure is the median of --repeat
runs, with the spread (the slowest and the fastest run) beside it, and the
CPU time (user and system, workers included) beside the wall time: on two
cores the wall time of a run that uses both is what a user waits, its CPU time
what it costs.

- one generated file of each size (benchmarks/generate.py), and one of
  realistic disorder (benchmarks/disorder.py: perturbed real-shaped entries),
  to JSON Lines: the command line with its defaults (--jobs auto) and with
  --jobs 1; benchmarks/baseline.py, a plain-regex splitter writing the same
  compact JSON Lines in one process (no recovery, no positions, no diagnostics),
  and the same baseline two-way (the file split in halves, two processes at
  once: what a script would do on two cores); benchmarks/floor.py, the least
  any converter does;
- crawls of small pages: 20,000 pages of 0.5 KB and 4,000 pages of 5 KB, with
  the defaults and with --jobs 1;
- 32 files of 1 MB with --jobs 1 and --jobs 2;
- the smallest and the largest file into a new SQLite database, against into
  JSON Lines;
- start-up: --help, and the 10-entry seed to JSON Lines.

`--against DIR` adds another checkout's command line (`git worktree add
/tmp/before HEAD~3`) with --jobs 1 to the single files, in turns with this one.
The corpora are written once to benchmarks/corpus/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
sys.path.insert(0, str(HERE))

import disorder  # noqa: E402 - the generators live beside this script
from generate import generate  # noqa: E402

# The children may write Python's bytecode caches, as a user's Python does (an environment that sets
# PYTHONDONTWRITEBYTECODE would otherwise have every run compile digestparse's modules again: 0.03 s).
_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
AGAINST = "import sys; sys.path.insert(0, sys.argv.pop(1)); from digestparse.cli import main; raise SystemExit(main())"
# Two commands at once, given as two JSON lists of arguments: the baseline on two cores.
TWO_AT_ONCE = (
    "import json, subprocess, sys\n"
    "runs = [subprocess.Popen(json.loads(a), stdout=subprocess.DEVNULL) for a in sys.argv[1:]]\n"
    "raise SystemExit(max(run.wait() for run in runs))\n"
)


class Runs:
    """The runs of one command: wall seconds, CPU seconds (workers included), and peak memory of its largest process."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.peak: list[float] = []

    def speed(self, megabytes: float) -> str:
        """MB/s at the median, and at the slowest and the fastest run."""
        median = megabytes / statistics.median(self.wall)
        return f"{median:.1f} MB/s [{megabytes / max(self.wall):.1f}-{megabytes / min(self.wall):.1f}]"

    def cell(self, megabytes: float) -> str:
        """A table cell: the speed, the CPU time and the peak memory."""
        return f"{self.speed(megabytes)}, {statistics.median(self.cpu):.1f} s CPU, {max(self.peak):.0f} MB"

    @property
    def median(self) -> float:
        """The median wall time."""
        return statistics.median(self.wall)


# Linux keeps a process's peak memory across fork and exec: a command started by this script would
# report at least this script's own memory (which holds corpora), not its own. So every command is
# started by a small launcher process, started before anything is read, which reports each one's times.
LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    command, env = json.loads(line)
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=sink, stderr=sink, env=env)
        _, status, usage = os.wait4(child.pid, 0)  # the child's usage and that of its waited-for workers
        wall = time.perf_counter() - start
    print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                      os.waitstatus_to_exitcode(status)]), flush=True)
"""
_launcher: subprocess.Popen[str] | None = None


def _launch(command: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """One command run by the launcher: its wall and CPU seconds, its peak megabytes and its exit status."""
    global _launcher  # noqa: PLW0603 - one launcher for the whole run, started on first use
    if _launcher is None:
        _launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)  # fmt: skip
    if _launcher.stdin is None or _launcher.stdout is None:  # pragma: no cover - Popen sets both
        raise SystemExit("the launcher has no pipes")
    _launcher.stdin.write(json.dumps([command, env]) + "\n")
    _launcher.stdin.flush()
    wall, cpu, peak, status = json.loads(_launcher.stdout.readline())
    return wall, cpu, peak, status


def _measure(command: list[str], runs: Runs, env: dict[str, str] | None, fresh: Path | None) -> None:
    if fresh is not None:
        fresh.unlink(missing_ok=True)
    wall, cpu, peak, status = _launch(command, {**_ENVIRONMENT, **(env or {})})
    if status not in (0, 3):
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    runs.wall.append(wall)
    runs.cpu.append(cpu)
    runs.peak.append(peak)


def in_turns(commands: dict[str, list[str]], repeat: int, envs: dict[str, dict[str, str]] | None = None,
             fresh: dict[str, Path] | None = None) -> dict[str, Runs]:  # fmt: skip
    """Each command's runs over `repeat` rounds, the commands taking turns."""
    found = {name: Runs() for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            _measure(command, found[name], (envs or {}).get(name), (fresh or {}).get(name))
    return found


def corpus(megabytes: int, *, kind: str = "regular") -> Path:
    """A corpus of that size, generated once and kept in benchmarks/corpus/."""
    CORPUS.mkdir(exist_ok=True)
    path = CORPUS / f"{megabytes}mb.txt" if kind == "regular" else CORPUS / f"{megabytes}mb-{kind}.txt"
    if not path.exists():
        (generate if kind == "regular" else disorder.generate)(path, megabytes)
    return path


def halves(path: Path) -> tuple[Path, Path]:
    """A corpus split in two near its middle, after a footer: what a script run on two cores would read."""
    first, second = path.with_suffix(".half-1.txt"), path.with_suffix(".half-2.txt")
    if not second.exists():
        data = path.read_bytes()
        cut = data.index(b"\n\n", data.index(b"|\n", len(data) // 2)) + 2
        first.write_bytes(data[:cut])
        second.write_bytes(data[cut:])
    return first, second


def single_files(sizes: list[int], repeat: int, against: Path | None) -> None:
    """One file of each size, and one of disorder, to JSON Lines: the command line, the baseline and the floor."""
    python = sys.executable
    # Each checkout keeps its own built grammar: one cache thrown out by the other's would cost each run 45 ms.
    envs = {name: {"XDG_CACHE_HOME": str(CORPUS / "cache-here")} for name in ("defaults", "one")}
    envs["against"] = {"XDG_CACHE_HOME": str(CORPUS / "cache-against")}
    print("| input | CLI, defaults | CLI, `--jobs 1` | baseline | baseline, two processes | floor "
          "| defaults / baseline | `--jobs 1` / baseline | defaults / baseline on two |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    compared = []
    for path in [*(corpus(size) for size in sizes), corpus(20, kind="disorder")]:
        one, two = halves(path)
        baseline = [python, str(HERE / "baseline.py")]
        commands = {
            "defaults": [python, "-m", "digestparse", str(path), "--to", "jsonl", "-q"],
            "one": [python, "-m", "digestparse", str(path), "--to", "jsonl", "-q", "--jobs", "1"],
            "baseline": [*baseline, str(path)],
            "two-way": [
                python,
                "-c",
                TWO_AT_ONCE,
                json.dumps([*baseline, str(one)]),
                json.dumps([*baseline, str(two)]),
            ],
            "floor": [python, str(HERE / "floor.py"), str(path)],
        }
        if against is not None:
            commands["against"] = [python, "-c", AGAINST, str(against.resolve()), str(path), "--to", "jsonl", "-q",
                                   "--jobs", "1"]  # fmt: skip
        found = in_turns(commands, repeat, envs)
        mb = path.stat().st_size / 1e6
        base = found["baseline"].median
        name = f"{mb:.0f} MB" + (" of disorder" if "disorder" in path.name else "")
        cells = [found[command].cell(mb) for command in ("defaults", "one", "baseline", "two-way", "floor")]
        ratios = [base / found["defaults"].median, base / found["one"].median,
                  found["two-way"].median / found["defaults"].median]  # fmt: skip
        print(f"| {name} | {' | '.join(cells)} | {' | '.join(f'{ratio:.2f}x' for ratio in ratios)} |")
        if against is not None:
            compared.append((name, found["one"].median, found["against"].median))
    for name, here, there in compared:
        print(f"\n{name}, --jobs 1: this checkout {here:.2f} s, {against} {there:.2f} s ({there / here:.2f}x).")


def crawl(pages: int, entries: int) -> Path:
    """A crawl of `pages` small pages of `entries` entries each (and a line of site text), made once."""
    path = CORPUS / f"crawl-{pages}x{entries}"
    if path.exists():
        return path
    seed = (HERE.parent / "samples" / "valid" / "seed.txt").read_text(encoding="utf-8").strip().split("\n\n")
    whole = ["\n\n".join(seed[k : k + 3]) for k in range(0, len(seed), 3)]
    path.mkdir(parents=True)
    for n in range(pages):
        chosen = [whole[(n + k) % len(whole)].replace("\n", f" {n}\n", 1) for k in range(entries)]
        chrome = "" if entries == 1 else "Home | News\n\n"
        (path / f"{n:05d}.txt").write_text(chrome + "\n\n".join(chosen) + "\n", encoding="utf-8")
    return path


def small_files(repeat: int) -> None:
    """Crawls of small pages, the common case: the defaults against one process."""
    python = sys.executable
    print("\n| crawl | CLI, defaults | CLI, `--jobs 1` | defaults / `--jobs 1` |")
    print("|---|---|---|---|")
    for pages, entries, what in [(20_000, 1, "20,000 pages of 0.5 KB"), (4_000, 8, "4,000 pages of 5 KB")]:
        path = crawl(pages, entries)
        mb = sum(file.stat().st_size for file in path.iterdir()) / 1e6
        commands = {
            "defaults": [python, "-m", "digestparse", str(path), "--to", "jsonl", "-q"],
            "one": [python, "-m", "digestparse", str(path), "--to", "jsonl", "-q", "--jobs", "1"],
        }
        found = in_turns(commands, repeat)
        print(f"| {what} ({mb:.0f} MB) | {found['defaults'].cell(mb)} | {found['one'].cell(mb)} "
              f"| {found['one'].median / found['defaults'].median:.2f}x |")  # fmt: skip


def folder(files: int) -> Path:
    """A folder of `files` digests of 1 MB each."""
    path = CORPUS / f"{files}x1mb"
    path.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        name = path / f"{n:03d}.txt"
        if not name.exists():
            generate(name, 1, seed=n + 1)
    return path


def many_files(files: int, repeat: int) -> None:
    """A folder of files of 1 MB, with one process and with two."""
    python = sys.executable
    path = folder(files)
    mb = sum(p.stat().st_size for p in path.glob("*.txt")) / 1e6
    jobs = {n: [python, "-m", "digestparse", str(path), "--to", "jsonl", "-q", "--jobs", n] for n in ("1", "2")}
    found = in_turns(jobs, repeat)
    print(f"\n{files} files of 1 MB, to JSON Lines: --jobs 1 {found['1'].cell(mb)}; --jobs 2 {found['2'].cell(mb)} "
          f"({found['1'].median / found['2'].median:.2f}x).")  # fmt: skip


def archives(sizes: list[int], repeat: int) -> None:
    """The smallest and the largest file into a new SQLite database, against into JSON Lines, in turns."""
    python = sys.executable
    out = {"sqlite": CORPUS / "bench.db", "jsonl": CORPUS / "bench.jsonl"}
    print("\n| input | CLI to SQLite | CLI to JSON Lines | SQLite / JSON Lines |")
    print("|---|---|---|---|")
    for size in sorted({min(sizes), max(sizes)}):
        path = str(corpus(size))
        commands = {to: [python, "-m", "digestparse", path, "-o", str(file), "-q"] for to, file in out.items()}
        found = in_turns(commands, repeat, fresh=out)
        mb = Path(path).stat().st_size / 1e6
        print(f"| {size} MB | {found['sqlite'].cell(mb)} | {found['jsonl'].cell(mb)} "
              f"| {found['jsonl'].median / found['sqlite'].median:.2f}x |")  # fmt: skip
    for file in out.values():
        file.unlink(missing_ok=True)


def start_up(repeat: int) -> None:
    """How long the command takes to say nothing much."""
    python = sys.executable
    seed = HERE.parent / "samples" / "valid" / "seed.txt"
    found = in_turns(
        {
            "help": [python, "-m", "digestparse", "--help"],
            "seed": [python, "-m", "digestparse", str(seed), "--to", "jsonl", "-q"],
            "python": [python, "-c", "pass"],
        },
        repeat,
    )
    spread = {name: f"{runs.median:.3f} s [{min(runs.wall):.3f}-{max(runs.wall):.3f}]" for name, runs in found.items()}
    print(f"\nStart-up: --help {spread['help']}; the 10-entry seed to JSON Lines {spread['seed']} "
          f"(Python itself: {spread['python']}).")  # fmt: skip


def main() -> None:
    """Run the measurements and print them as Markdown, for docs/speed.md."""
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--sizes", type=int, nargs="+", default=[4, 20, 64])
    options.add_argument("--files", type=int, default=32)
    options.add_argument("--repeat", type=int, default=5)
    options.add_argument("--against", type=Path, help="another checkout of digestparse, run in turns with this one")
    options.add_argument("--only", choices=["single", "files", "start"], help="only the single files, the crawls "
                         "and folders, or the start-up")  # fmt: skip
    args = options.parse_args()
    _launch([sys.executable, "-c", "pass"], _ENVIRONMENT)  # the launcher starts small, before any corpus is read
    where = "a virtual environment" if sys.prefix != sys.base_prefix else "no virtual environment"
    git = ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    print(
        f"digestparse {commit or '(no git)'}, Python {sys.version.split()[0]} ({where}), {os.cpu_count()} cores; "
        f"each figure the median of {args.repeat} runs [the slowest-the fastest], the commands taking turns.\n"
    )
    if args.only in (None, "single"):
        single_files(args.sizes, args.repeat, args.against)
    if args.only in (None, "files"):
        small_files(args.repeat)
        many_files(args.files, args.repeat)
    if args.only is None:
        archives(args.sizes, args.repeat)
    if args.only in (None, "start"):
        start_up(args.repeat)


if __name__ == "__main__":
    main()
