"""The optional extras: the lark-cython backend and the Dask reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import digestparse
from digestparse import cli, parser, syntax
from digestparse.export import record

from .conftest import SAMPLES

SAMPLE_FILES = sorted((SAMPLES / "valid").glob("*.txt")) + sorted(
    p for p in (SAMPLES / "invalid").glob("*.txt") if "utf" not in p.name
)


def _fresh_parser() -> None:
    syntax._parser.cache_clear()
    parser._body_signs.cache_clear()


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _fresh_parser()
    yield
    monkeypatch.delenv(syntax.BACKEND_VARIABLE, raising=False)
    _fresh_parser()


def _everything() -> list[object]:
    results: list[object] = []
    for path in SAMPLE_FILES:
        try:
            digest = digestparse.parse_file(path, source=path.name)
        except digestparse.DigestParseError as error:
            results.append((error.code, error.line, error.column))
            continue
        results.append(([record(e) for e in digest.entries], [d.model_dump() for d in digest.diagnostics]))
    return results


@pytest.mark.usefixtures("backend")
def test_lark_cython_backend_gives_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("lark_cython")
    expected = _everything()
    monkeypatch.setenv(syntax.BACKEND_VARIABLE, "lark-cython")
    _fresh_parser()
    parts = syntax.parse_body("Caption. (AP) April 3, 2020 Text")
    assert isinstance(parts, syntax.BodyParts)
    assert type(parts.dateline).__module__.startswith("lark_cython")  # the backend really changed
    assert _everything() == expected


@pytest.mark.usefixtures("backend")
def test_an_unknown_backend_is_a_usage_error(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv(syntax.BACKEND_VARIABLE, "turbo")
    assert cli.main([str(SAMPLE_FILES[0])]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "expected DIGESTPARSE_BACKEND to be one of python, lark-cython, found 'turbo'" in err


def test_dask_reader_matches_the_parser(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    import pandas as pd

    from digestparse.dask import read_digests

    folder = tmp_path / "archive" / "2020"
    folder.mkdir(parents=True)
    chosen = [p for p in SAMPLE_FILES if p.parent.name == "valid"][:7]
    for path in chosen:
        (folder / path.name).write_bytes(path.read_bytes())
    frame = read_digests(str(tmp_path / "archive" / "**" / "*.txt"), files_per_partition=3)
    assert frame.npartitions == 3
    assert list(frame.columns) == list(digestparse.Entry.model_fields)
    table = frame.compute(scheduler="synchronous")
    expected = [e for path in sorted(folder.glob("*.txt")) for e in digestparse.parse_file(path).entries]
    assert len(table) == len(expected)
    assert table["headline"].tolist() == [e.headline for e in expected]
    assert table["authors"].tolist() == [e.authors for e in expected]
    assert table["tags"].tolist() == [e.tags for e in expected]
    assert [None if d is pd.NaT else d.date() for d in table["dateline"]] == [e.dateline for e in expected]
    assert table["status"].tolist() == [e.status for e in expected]


def test_dask_reader_reports_issues_and_refuses_an_empty_glob(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    from digestparse.dask import read_digests

    (tmp_path / "broken.txt").write_bytes((SAMPLES / "invalid" / "missing-footer.txt").read_bytes())
    table = read_digests(str(tmp_path / "*.txt")).compute(scheduler="synchronous")
    assert table["issues"].tolist()[1][0]["code"] == "missing-footer"
    with pytest.raises(FileNotFoundError):
        read_digests(str(tmp_path / "nothing-here" / "*.txt"))
    with pytest.raises(ValueError, match="files_per_partition"):
        read_digests(str(tmp_path / "*.txt"), files_per_partition=0)
