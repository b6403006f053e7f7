"""Digest archives as a Dask DataFrame: one partition per file or group of files.

    pip install 'digestparse[dask]'

    from digestparse.dask import read_digests
    frame = read_digests("archive/**/*.txt")          # or "s3://bucket/archive/**/*.txt"
    frame[frame.status == "partial"].compute()

The columns are the contract's keys, in order (docs/format.md: the fields of an entry), typed as the
Parquet files of `--to parquet` type them (digestparse.sinks.arrow_schema):
Arrow strings, dates (date32; NA for a missing date), lists of strings, and
`issues` as a list of diagnostic structs. Files are opened with fsspec, so any
filesystem Dask can read works, and each partition is parsed where it is
computed: on a cluster, on the workers.
"""

from __future__ import annotations

from typing import Any

import dask.dataframe as dd
import fsspec
import pandas as pd
import pyarrow as pa

from .parser import iter_entries
from .sinks import arrow_schema


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows of entries (model_dump) as a pandas DataFrame of Arrow-typed columns."""
    return pa.Table.from_pylist(rows, schema=arrow_schema()).to_pandas(types_mapper=pd.ArrowDtype)


def _partition(files: list[Any], encoding: str, strict: bool) -> pd.DataFrame:
    """Parse one partition's files into a pandas DataFrame."""
    rows: list[dict[str, Any]] = []
    for file in files:
        with file as handle:
            rows.extend(entry.model_dump() for entry in iter_entries(handle, strict=strict, encoding=encoding,
                                                                      source=file.path))  # fmt: skip
    return _frame(rows)


def read_digests(
    urlpath: str | list[str],
    *,
    files_per_partition: int = 1,
    encoding: str = "utf-8",
    strict: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> dd.DataFrame:
    """A lazy Dask DataFrame of every entry of the digests that `urlpath` names (globs allowed)."""
    if files_per_partition < 1:
        raise ValueError(f"expected files_per_partition of 1 or more, found {files_per_partition}")
    files = fsspec.open_files(urlpath, mode="rb", **(storage_options or {}))
    if not files:
        raise FileNotFoundError(f"expected digest files at {urlpath!r}, found none")
    ordered = sorted(files, key=lambda file: file.path)
    groups = [ordered[i : i + files_per_partition] for i in range(0, len(ordered), files_per_partition)]
    return dd.from_map(_partition, groups, encoding=encoding, strict=strict, meta=_frame([]))
