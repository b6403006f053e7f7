"""The optional extra: the Dask reader."""

from __future__ import annotations

from pathlib import Path

import pytest

import digestparse

from .conftest import SAMPLES

SAMPLE_FILES = sorted((SAMPLES / "valid").glob("*.txt"))


def test_dask_reader_matches_the_parser(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    from digestparse.dask import read_digests

    folder = tmp_path / "archive" / "2020"
    folder.mkdir(parents=True)
    chosen = SAMPLE_FILES[:7]
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
    import pandas as pd

    assert [None if pd.isna(d) else d for d in table["dateline"].astype(object)] == [e.dateline for e in expected]
    assert table["id"].tolist() == [e.id for e in expected]
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
