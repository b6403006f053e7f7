"""Faults the world brings, made for real: closed and full standard error, signals, kills, a file replaced
under a run, a full disk, a database damaged during a run, inputs that never end, memory on every core.

Each test runs digestparse as a user does, in a process of its own, and looks
at what it leaves: its exit status, its output, the processes and files left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestparse import cli

from .conftest import ROOT, SEED
from .processes import AS_A_TERMINAL_JOB, PAGE, big_page, children, peak_megabytes, start, varied_page, wait_until_gone

ENTRIES_A_PAGE = 10


# ------------------------------------------------------------------- standard error


def _noisy(tmp_path: Path) -> Path:
    # A few hundred warnings: standard error is written again and again.
    return big_page(tmp_path / "noisy.txt", 0.2)


@pytest.mark.parametrize("stderr", ["closed", "a broken pipe", "/dev/full"])
def test_a_failing_standard_error_loses_no_output(tmp_path: Path, stderr: str) -> None:
    page = _noisy(tmp_path)
    pages = len(page.read_bytes()) // len(PAGE)
    command = [sys.executable, "-m", "digestparse", str(page), "--to", "jsonl"]
    if stderr == "closed":
        done = subprocess.run(f"{' '.join(command)} 2>&-", shell=True, capture_output=False, stdout=subprocess.PIPE,  # noqa: S602 - 2>&- is the point
                              cwd=ROOT, check=False, timeout=120)  # fmt: skip
    else:
        if stderr == "a broken pipe":
            reader, writer = os.pipe()
            os.close(reader)
        else:
            writer = os.open("/dev/full", os.O_WRONLY)
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=writer, cwd=ROOT, check=False, timeout=120)
        finally:
            os.close(writer)
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert len(lines) == ENTRIES_A_PAGE * pages, "every entry, and nothing else, on standard output"
    assert all(json.loads(line)["id"] for line in lines)


# ------------------------------------------------------------------------ signals


def _run_under_way(run: subprocess.Popen[bytes]) -> bytes:
    """Wait for the run's first warning: its parts are being read."""
    assert run.stderr is not None
    return run.stderr.readline()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_stops_the_run_as_ctrl_c_does(tmp_path: Path, jobs: str) -> None:
    digest = big_page(tmp_path / "big.txt", 16)
    out = tmp_path / "out.jsonl"
    run = start(str(digest), "-o", str(out), "--summary", str(tmp_path / "s.json"), "--jobs", jobs)
    try:
        _run_under_way(run)
        workers = children(run.pid)
        os.kill(run.pid, signal.SIGTERM)  # as `kill`, systemd or a container's stop sends it: to the main process
        _, rest = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == cli.EXIT_TERMINATED, rest.decode()[-2000:]
    assert rest.decode().splitlines()[-1] == "digestparse: stopped by SIGTERM"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.txt"]  # no output, no temporary file
    assert wait_until_gone(workers) == []


def test_a_killed_run_leaves_no_process_and_its_litter_goes_with_the_next_run(tmp_path: Path) -> None:
    own_temporary_folder = tmp_path / "tmp"  # the runs' TMPDIR: their spool folders are seen there alone
    own_temporary_folder.mkdir()
    digest = big_page(tmp_path / "big.txt", 16)
    out = tmp_path / "out.jsonl"
    env = {"TMPDIR": str(own_temporary_folder)}
    run = start(str(digest), "-o", str(out), "--jobs", "2", env=env)
    try:
        _run_under_way(run)
        workers = children(run.pid)
        assert len(workers) == 2
        os.kill(run.pid, signal.SIGKILL)  # no chance to stop its workers or to tidy up
        run.wait(timeout=60)
    finally:
        run.kill()
    assert wait_until_gone(workers) == [], "the workers noticed their parent was gone"
    litter = [path.name for path in tmp_path.iterdir() if path.name.startswith(".digestparse-")]
    spools = list(own_temporary_folder.iterdir())
    assert len(litter) == 1, "the killed run's temporary output"
    assert len(spools) == 1, "the killed run's spool folder"
    # The next write to the same folder, and the next run on several processes, remove what it left.
    again = subprocess.run([sys.executable, "-m", "digestparse", str(SEED), "-o", str(out), "--jobs", "2", "-q"],
                           cwd=ROOT, env={**os.environ, **env}, check=False, timeout=120)  # fmt: skip
    assert again.returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.txt", "out.jsonl", "tmp"]
    assert list(own_temporary_folder.iterdir()) == []


def test_ctrl_c_once_the_copy_to_standard_output_has_begun_leaves_it_whole(tmp_path: Path) -> None:
    digest = big_page(tmp_path / "big.txt", 4)
    pages = len(digest.read_bytes()) // len(PAGE)
    run = start(str(digest), "--to", "jsonl", "-q", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert run.stdout is not None
        first = run.stdout.read(1 << 16)  # nothing reaches standard output before the copy: it has begun
        os.killpg(run.pid, signal.SIGINT)  # a terminal sends Ctrl-C to the whole group
        rest, said = run.communicate(timeout=120)
    finally:
        run.kill()
    lines = (first + rest).decode().splitlines()
    assert len(lines) == ENTRIES_A_PAGE * pages, "the output is whole: no torn record"
    assert all(json.loads(line)["id"] for line in lines)
    assert run.returncode == cli.EXIT_INTERRUPTED
    assert said.decode().splitlines()[-1] == "digestparse: interrupted"


# -------------------------------------------------------------- a file replaced


def test_a_file_replaced_during_a_run_is_a_read_error_not_a_silent_part(tmp_path: Path) -> None:
    digest = big_page(tmp_path / "big.txt", 16)
    other = tmp_path / "other.txt"
    other.write_bytes(SEED.read_bytes() * 3)
    out = tmp_path / "out.jsonl"
    run = start(str(digest), "-o", str(out), "--jobs", "2")
    try:
        _run_under_way(run)
        os.replace(other, digest)  # as `mv` puts a new crawl of the page in place
        _, rest = run.communicate(timeout=120)
    finally:
        run.kill()
    said = rest.decode()
    assert run.returncode == cli.EXIT_UNREADABLE, said
    assert f"{digest}: error: cannot read {digest}: it was replaced or changed while the run read it" in said
    assert not out.exists()


# ------------------------------------------------------------------------ memory


def _footers_lost(path: Path, megabytes: float) -> Path:
    """A digest whose scraper lost every footer: nothing to cut it at."""
    entry = "\n".join(SEED.read_text(encoding="utf-8").split("\n")[:3]) + "\n\n"
    path.write_text(entry * int(megabytes * (1 << 20) // len(entry)), encoding="utf-8")
    return path


def test_memory_stays_flat_on_every_core(tmp_path: Path) -> None:
    lost = _footers_lost(tmp_path / "lost.txt", 8)
    normal = big_page(tmp_path / "normal.txt", 8)
    peaks = {}
    for name, arguments, stdin in [
        ("footers lost", [str(lost)], None),
        ("standard input", ["-"], normal),
        ("footers lost, on standard input", ["-"], lost),
    ]:
        for jobs in ("1", "2"):
            code, peaks[name, jobs] = peak_megabytes(*arguments, "--to", "jsonl", "--jobs", jobs, stdin=stdin)
            assert code == 0
    for name in ("footers lost", "standard input", "footers lost, on standard input"):
        assert peaks[name, "2"] <= 1.5 * peaks[name, "1"], f"{name}: {peaks}"


@pytest.mark.parametrize(("device", "status"), [("/dev/zero", 3), ("/dev/urandom", 4)])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_device_that_never_ends_is_refused_at_once(device: str, status: int, jobs: str) -> None:
    done = subprocess.run([sys.executable, "-m", "digestparse", device, "--jobs", jobs], capture_output=True,
                          cwd=ROOT, check=False, timeout=60)  # fmt: skip
    assert done.returncode == status
    assert done.stdout == b""


# ------------------------------------------------------------------ databases


@pytest.fixture(params=["64k"])
def full_disk(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A real filesystem of 64 KB (or the size a test asks for), mounted for the test (root only: else skipped)."""
    folder = Path(tempfile.mkdtemp(prefix="digestparse-full-"))
    mount = ["/usr/bin/mount", "-t", "tmpfs", "-o", f"size={request.param}", "tmpfs", str(folder)]
    mounted = subprocess.run(mount, capture_output=True, check=False)
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["/usr/bin/umount", str(folder)], check=False)
        folder.rmdir()


@pytest.mark.parametrize("to", ["sqlite", "jsonl", "parquet"])
def test_a_full_disk_is_exit_5_and_leaves_nothing(full_disk: Path, tmp_path: Path, to: str) -> None:
    digest = varied_page(tmp_path / "big.txt", 200)  # entries of their own: more than 64 KB in every format
    out = full_disk / f"news.{to}"
    done = subprocess.run([sys.executable, "-m", "digestparse", str(digest), "-o", str(out), "--jobs", "1"],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)  # fmt: skip
    assert done.returncode == cli.EXIT_UNWRITABLE, done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"digestparse: error: cannot write {out}")
    assert "full" in done.stderr.splitlines()[-1] or "No space left" in done.stderr
    assert list(full_disk.iterdir()) == []


@pytest.mark.parametrize("full_disk", ["64k", "100k"], indirect=True)  # where the disk fills decides what is cut
@pytest.mark.parametrize("flag", ["--diagnostics", "--rejects"])
def test_a_side_file_onto_a_full_disk_leaves_the_previous_one(full_disk: Path, tmp_path: Path, flag: str) -> None:
    digest = tmp_path / "noisy.txt"
    entry = "\n".join(SEED.read_text(encoding="utf-8").split("\n")[:5])
    share = "Share this: Twitter Facebook LinkedIn Email Print WhatsApp Telegram Reddit"
    digest.write_text("".join(f"{entry}\n\n{share} {n}\n\n" for n in range(1500)))  # 150 KB of each side file
    side = full_disk / "side.jsonl"
    side.write_text("yesterday's\n")
    done = subprocess.run([sys.executable, "-m", "digestparse", str(digest), "-o", str(tmp_path / "out.jsonl"),
                           flag, str(side), "--jobs", "1"], capture_output=True, text=True, cwd=ROOT, check=False,
                          timeout=120)  # fmt: skip
    assert done.returncode == cli.EXIT_UNWRITABLE, done.stderr
    assert f"cannot write {side} ({flag})" in done.stderr
    assert side.read_text() == "yesterday's\n"
    assert sorted(path.name for path in full_disk.iterdir()) == ["side.jsonl"]


def test_a_database_damaged_during_the_run_is_exit_5(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    assert cli.main([str(SEED), "-o", str(news), "-q"]) == 0
    big = varied_page(tmp_path / "big.txt", 4000)  # 40,000 entries of their own: the database grows past its cache
    run = start(str(big), "-o", str(news), "--jobs", "1")
    try:
        _run_under_way(run)
        with news.open("r+b") as damaged:
            damaged.truncate(0)  # another program wrecks the file under the run
        _, rest = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == cli.EXIT_UNWRITABLE, rest.decode()[-300:]
    assert rest.decode().splitlines()[-1].startswith(f"digestparse: error: cannot write {news}: ")
    assert "internal error" not in rest.decode()


def test_standard_output_closed_early_on_a_pipe_given_by_name_ends_quietly() -> None:
    command = f"{sys.executable} -m digestparse {SEED} {SEED} {SEED} --to jsonl -o /dev/stdout | head -c 100"
    done = subprocess.run(command, shell=True, capture_output=True, cwd=ROOT, check=False, timeout=60)  # noqa: S602 - a pipe is the point
    assert done.returncode == 0
    assert len(done.stdout) == 100
    assert b"error" not in done.stderr


WRAPPED = """
import signal, sys
from digestparse import cli, export
number = getattr(signal, sys.argv.pop())
def render(self, entry):
    try:
        signal.raise_signal(number)  # the signal lands in a library's callback
    except KeyboardInterrupt as stop:
        raise RuntimeError(f"Error calling function: {type(stop).__name__}") from None  # as pydantic wraps it
export.JsonLinesDocument.render = render
raise SystemExit(cli.main())
"""


@pytest.mark.parametrize(("name", "status", "said"), [("SIGINT", 130, "digestparse: interrupted"),
                                                      ("SIGTERM", 143, "digestparse: stopped by SIGTERM")])  # fmt: skip
def test_a_stop_that_a_library_wraps_in_its_own_error_is_still_a_stop(tmp_path: Path, name: str, status: int,
                                                                      said: str) -> None:  # fmt: skip
    out = tmp_path / "out.jsonl"
    # Ctrl-C as a terminal's job has it: a test runner may start its processes with SIGINT ignored or blocked.
    done = subprocess.run([sys.executable, "-c", AS_A_TERMINAL_JOB, "-c", WRAPPED, str(SEED), "-o", str(out), name],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr.splitlines()[-1]) == (status, said), done.stderr
    assert "internal error" not in done.stderr
    assert not out.exists()
