"""Real processes for the tests that need them: digestparse started as a user starts it, and what it leaves."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, SEED

# Runs Python with the arguments after it, Ctrl-C made as a terminal's foreground job has it: default, not blocked.
AS_A_TERMINAL_JOB = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)

# A page of the seed and a skipped block, repeated: a warning on standard error each page shows the run under way.
PAGE = SEED.read_bytes() + b"\nShare this:\n\n"


def big_page(path: Path, megabytes: float) -> Path:
    """A digest of about `megabytes` MB: the seed's page, again and again."""
    path.write_bytes(PAGE * int(megabytes * (1 << 20) // len(PAGE)))
    return path


def varied_page(path: Path, pages: int) -> Path:
    """`pages` pages of the seed's entries, each entry's headline, body and footer made its own by the page's number."""
    blocks = SEED.read_text(encoding="utf-8").strip().split("\n\n")
    with path.open("w", encoding="utf-8") as handle:
        for n in range(pages):
            handle.write("\n\n".join(f"{block} {n}" if k % 3 == 0 else block for k, block in enumerate(blocks)))
            handle.write("\n\nShare this:\n\n")
    return path


def start(*arguments: str, env: dict[str, str] | None = None, stdout: int | None = subprocess.DEVNULL,
          stderr: int | None = subprocess.PIPE) -> subprocess.Popen[bytes]:  # fmt: skip
    """digestparse in a process of its own, in a session of its own (so that a test can signal its group)."""
    command = [sys.executable, "-c", AS_A_TERMINAL_JOB, "-m", "digestparse", *arguments]
    # Unbuffered, so that reading the first line reads nothing past it.
    return subprocess.Popen(command, stdout=stdout, stderr=stderr, start_new_session=True, bufsize=0, cwd=ROOT,
                            env={**os.environ, **(env or {})})  # fmt: skip


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat_file.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process is there, and no zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until_gone(pids: list[int], seconds: float = 120) -> list[int]:
    """Wait for the processes to end, woken by each one's end (a pidfd), not by the clock; the ones still alive.

    `seconds` only keeps a broken run from hanging the tests: it is no measure, and is long enough for
    the busiest machine.
    """
    waits = {}
    for pid in pids:
        try:
            waits[os.pidfd_open(pid)] = pid
        except ProcessLookupError:  # already gone
            continue
    try:
        pending = list(waits)
        while pending:
            ended, _, _ = select.select(pending, [], [], seconds)
            if not ended:
                break
            pending = [fd for fd in pending if fd not in ended]
        # A zombie has ended for this purpose too: its parent, not the test, reaps it.
        return [pid for pid in pids if alive(pid)]
    finally:
        for fd in waits:
            os.close(fd)


def signals() -> str:
    """This process's ignored, blocked and caught signals (from /proc), for a failure message."""
    status = Path("/proc/self/status").read_text().splitlines()
    return ", ".join(line.replace("\t", " ") for line in status if line.startswith(("SigIgn", "SigBlk", "SigCgt")))


def peak_megabytes(*arguments: str, stdin: Path | None = None, timeout: float = 300) -> tuple[int, float]:
    """Run digestparse to its end; its exit status and the peak resident memory of its largest process, in MB.

    The peak is measured by a parent of its own (RUSAGE_CHILDREN: the largest of
    the descendants it waited for, workers included, which digestparse waits for).
    """
    measure = (
        "import resource, subprocess, sys\n"
        "stdin = open(sys.argv[1], 'rb') if sys.argv[1] else subprocess.DEVNULL\n"
        "code = subprocess.run([sys.executable, '-m', 'digestparse', *sys.argv[2:]], stdin=stdin,\n"
        "                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", measure, str(stdin or ""), *arguments], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=timeout)  # fmt: skip
    code, peak = done.stdout.split()
    return int(code), int(peak) / 1024
