"""The built wheel carries the grammar and works from outside the source tree."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, SEED


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_environment_and_parses_the_seed(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    source = tmp_path / "source"
    # Build from a copy, so that the build leaves nothing behind in the checkout.
    skip = shutil.ignore_patterns(".git", ".venv*", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "dist")
    shutil.copytree(ROOT, source, ignore=skip)
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)],
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    (wheel,) = dist.glob("digestparse-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "digestparse/grammar/digest.lark" in names
    assert "digestparse/py.typed" in names

    env = tmp_path / "env"
    venv.create(env, with_pip=True, clear=True)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, timeout=600)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(SEED, elsewhere / "seed.txt")
    done = subprocess.run([str(python), "-m", "digestparse", "seed.txt", "--to", "jsonl"], cwd=elsewhere,
                          capture_output=True, check=False, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    entries = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(entries) == 10
    assert all(entry["status"] == "ok" for entry in entries)

    where = subprocess.run([str(python), "-c", "import digestparse; print(digestparse.__file__)"], cwd=elsewhere,
                           capture_output=True, check=True, text=True, timeout=60)  # fmt: skip
    assert str(env) in where.stdout

    command = env / "bin" / "digestparse"
    done = subprocess.run([str(command), "seed.txt", "--to", "csv", "-q"], cwd=elsewhere, capture_output=True,
                          check=False, timeout=120)  # fmt: skip
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 11
