"""Digest archives as a Dask DataFrame: one partition per file or group of files.

    pip install 'digestparse[dask]'

    from digestparse.dask import read_digests
    frame = read_digests("archive/**/*.txt")          # or "s3://bucket/archive/**/*.txt"
    frame[frame.status == "partial"].compute()

The columns are the contract's keys, in order (SPEC section 2). Text columns
are Arrow strings; dates are pandas timestamps (NaT for a missing date);
`authors` and `tags` are Arrow lists of strings and `issues` an Arrow list of
diagnostic structs. Files are opened with
fsspec, so any filesystem Dask can read works, and each partition is parsed
where it is computed: on a cluster, on the workers.
"""

from __future__ import annotations

from typing import Any

import dask.dataframe as dd
import fsspec
import pandas as pd
import pyarrow as pa

from .export import FIELDS
from .parser import iter_entries

_TEXT = pd.ArrowDtype(pa.string())
_ISSUE = pa.struct(
    [("code", pa.string()), ("severity", pa.string()), ("message", pa.string()), ("source", pa.string()),
     ("line", pa.int64()), ("column", pa.int64()), ("end_line", pa.int64())]
)  # fmt: skip
# The column types: Arrow strings and lists (Dask keeps them as they are),
# timestamps for the dates.
DTYPES: dict[str, Any] = {
    "id": _TEXT, "headline": _TEXT, "caption": _TEXT, "credit": _TEXT, "authors": pd.ArrowDtype(pa.list_(pa.string())),
    "dateline": "datetime64[ns]", "excerpt": _TEXT, "truncated": "bool", "posted_by": _TEXT,
    "published": "datetime64[ns]", "tags": pd.ArrowDtype(pa.list_(pa.string())), "source": _TEXT,
    "line": "int64", "end_line": "int64", "status": _TEXT, "issues": pd.ArrowDtype(pa.list_(_ISSUE)),
}  # fmt: skip


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for key in ("dateline", "published"):
        frame[key] = pd.to_datetime(frame[key])
    return frame.astype(DTYPES)


def _meta() -> pd.DataFrame:
    return pd.DataFrame({key: pd.Series([], dtype=DTYPES[key]) for key in FIELDS})


def _frame(files: list[Any], encoding: str, strict: bool) -> pd.DataFrame:
    """Parse one partition's files into a pandas DataFrame."""
    rows: list[dict[str, Any]] = []
    for file in files:
        with file as handle:
            for entry in iter_entries(handle, strict=strict, encoding=encoding, source=file.path):
                rows.append(entry.model_dump(mode="python", exclude={"issues": {"__all__": {"text"}}}))
    return _typed(pd.DataFrame(rows, columns=list(FIELDS))) if rows else _meta()


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
    return dd.from_map(_frame, groups, encoding=encoding, strict=strict, meta=_meta())
