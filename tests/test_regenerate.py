"""`python -m tests.regenerate` writes the expectations the code gives, and `--check` says when one differs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def _regenerate(checkout: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tests.regenerate", *flags], cwd=checkout, capture_output=True,
                          text=True, check=False, timeout=300)  # fmt: skip


def test_the_committed_expectations_are_what_the_code_writes() -> None:
    done = _regenerate(ROOT, "--check")
    assert done.returncode == 0, done.stdout


def test_a_stale_expectation_is_named_then_rewritten(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    for part in ("digestparse", "grammar", "samples", "tests"):
        shutil.copytree(ROOT / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    expectation = checkout / "samples" / "valid" / "seed.json"
    right = expectation.read_bytes()
    expectation.write_bytes(right.replace(b'"credit": "Getty"', b'"credit": "Getty Images"'))

    done = _regenerate(checkout, "--check")
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["would change: samples/valid/seed.json"]
    assert expectation.read_bytes() != right

    done = _regenerate(checkout)
    assert done.returncode == 0, done.stderr
    assert "changed: samples/valid/seed.json" in done.stdout
    assert "1 of " in done.stdout
    assert expectation.read_bytes() == right
