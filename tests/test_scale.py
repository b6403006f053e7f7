"""Streaming holds one entry at a time; --jobs gives the same output; start-up stays light."""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

import digestparse
from digestparse import cli

from .conftest import ROOT, SAMPLES, SEED

SEED_BYTES = SEED.read_bytes() + b"\n"


class Endless(io.RawIOBase):
    """A binary stream of `total` bytes of digest, made as it is read and never held."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # typeshed's buffer type
        size = min(len(buffer), self.left)
        out = bytearray()
        while len(out) < size:
            piece = SEED_BYTES[self.at : self.at + size - len(out)]
            out += piece
            self.at = (self.at + len(piece)) % len(SEED_BYTES)
        buffer[:size] = out
        self.left -= size
        return size


INPUT_BYTES = 6_000_000
MEMORY_BOUND = 1_500_000  # a quarter of the input


@pytest.fixture(autouse=True)
def _warm() -> None:
    # Load the modules and build the grammar before memory is traced: what is
    # measured is the input's cost, not the libraries' or the parser's one-off set-up.
    digestparse.parse(SEED_BYTES.decode("utf-8"))
    cli.main(["--schema"])


def test_iter_entries_never_holds_the_whole_input() -> None:
    tracemalloc.start()
    try:
        count = sum(1 for _ in digestparse.iter_entries(io.BufferedReader(Endless(INPUT_BYTES))))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count >= INPUT_BYTES // len(SEED_BYTES) * 10
    assert peak < MEMORY_BOUND, f"peak {peak / 1e6:.1f} MB for {INPUT_BYTES / 1e6:.0f} MB of input"


class _Counter(io.TextIOBase):
    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_command_line_streams_jsonl_and_csv(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _Counter()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Endless(INPUT_BYTES))))
    monkeypatch.setattr(sys, "stdout", counter)
    tracemalloc.start()
    try:
        assert cli.main(["--to", fmt, "-q"]) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counter.lines > INPUT_BYTES // 500
    assert peak < MEMORY_BOUND, f"peak {peak / 1e6:.1f} MB for {INPUT_BYTES / 1e6:.0f} MB of input"


def test_jobs_give_the_same_output_as_one_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = sorted(str(p) for p in (SAMPLES / "valid").glob("*.txt")) + sorted(
        str(p) for p in (SAMPLES / "invalid").glob("*.txt")
    )
    outputs = []
    diagnostics = tmp_path / "d.jsonl"
    for jobs in ("1", "2", "3"):
        status = cli.main([*inputs, "--to", "jsonl", "--jobs", jobs, "--diagnostics", str(diagnostics)])
        out, err = capsys.readouterr()
        outputs.append((status, out, err, diagnostics.read_text(encoding="utf-8")))
    assert outputs[0][0] == 4  # two of the invalid samples are not UTF-8
    assert outputs[0] == outputs[1] == outputs[2]


def test_jobs_keep_stdin_in_its_place(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((SAMPLES / "valid" / "credits.txt").read_bytes())))
    assert cli.main([str(SEED), "-", str(SEED), "--to", "jsonl", "--jobs", "2", "-q"]) == 0
    sources = [line.split('"source":"')[1].split('"')[0] for line in capsys.readouterr().out.splitlines()]
    assert sources == [str(SEED)] * 10 + ["<stdin>"] * 2 + [str(SEED)] * 10


def test_jobs_strict_failure_stops_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    broken = str(SAMPLES / "invalid" / "missing-footer.txt")
    assert cli.main([str(SEED), broken, str(SEED), "--strict", "--jobs", "2", "--to", "jsonl"]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # a failed run writes nothing to standard output
    assert ":9:" in err
    assert str(SEED) not in err.split(":9:")[1], "the run stopped at the first failure, in input order"


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_jobs_must_be_a_positive_number(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--jobs", value]) == 2
    assert "expected auto or a whole number of 1 or more" in capsys.readouterr().err


def test_help_does_not_load_the_parser() -> None:
    code = "import sys, runpy; sys.argv = ['digestparse', '--help']\n" \
           "try:\n    runpy.run_module('digestparse', run_name='__main__')\nexcept SystemExit:\n    pass\n" \
           "print(sorted(m for m in ('lark', 'pydantic', 'tqdm') if m in sys.modules))"  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_one_process_does_not_load_the_worker_pool() -> None:
    code = "import sys, runpy; sys.argv = ['digestparse', sys.argv[1], '--to', 'jsonl', '-q']\n" \
           "try:\n    runpy.run_module('digestparse', run_name='__main__')\nexcept SystemExit:\n    pass\n" \
           "print('multiprocessing' in sys.modules or 'digestparse.pool' in sys.modules, file=sys.stderr)"  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, str(SEED)], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert done.stdout.count("\n") == 10
