"""Every case in samples/ gives exactly what its hand-written expectation says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import digestparse

from .conftest import SAMPLES

VALID = sorted((SAMPLES / "valid").glob("*.txt"))
INVALID = sorted((SAMPLES / "invalid").glob("*.txt"))


def test_the_sample_folders_are_not_empty() -> None:
    assert len(VALID) >= 30
    assert len(INVALID) >= 20


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_sample(path: Path) -> None:
    expected_path = path.with_suffix(".json")
    assert expected_path.is_file(), f"{path.name} has no expected {expected_path.name}"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    digest = digestparse.parse_file(path, source=path.name)
    assert [entry.model_dump(mode="json") for entry in digest.entries] == expected
    assert all(entry.status == "ok" for entry in digest.entries)
    # The only diagnostics a valid digest may give are for site chrome around its entries.
    assert {d.code for d in digest.diagnostics} <= {"skipped-text"}


def _projection(diagnostic: digestparse.Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity,
        "line": diagnostic.line,
        "column": diagnostic.column,
    }


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_sample(path: Path) -> None:
    expected_path = path.with_name(path.stem + ".issues.json")
    assert expected_path.is_file(), f"{path.name} has no expected {expected_path.name}"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    if "error" in expected:
        with pytest.raises(digestparse.DigestParseError) as raised:
            digestparse.parse_file(path)
        error = raised.value
        assert (error.code, error.line, error.column) == (
            expected["error"]["code"],
            expected["error"]["line"],
            expected["error"]["column"],
        )
        return
    digest = digestparse.parse_file(path, source=path.name)
    assert [_projection(d) for d in digest.diagnostics] == expected["diagnostics"]
    assert [entry.status for entry in digest.entries] == expected["statuses"]
    for diagnostic in digest.diagnostics:
        assert diagnostic.source == path.name
        assert diagnostic.message[:1].isupper()


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_sample_fails_strict_at_its_first_problem(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".issues.json").read_text(encoding="utf-8"))
    problems = [d for d in expected.get("diagnostics", []) if d["severity"] != "info"]
    if "error" in expected:
        first = expected["error"]
    elif problems:
        first = problems[0]
    else:
        digestparse.parse_file(path, strict=True)  # info only: strict passes
        return
    with pytest.raises(digestparse.DigestParseError) as raised:
        digestparse.parse_file(path, strict=True)
    assert (raised.value.line, raised.value.column) == (first["line"], first["column"])
    assert str(raised.value).endswith(f"(at line {first['line']}, column {first['column']})")
