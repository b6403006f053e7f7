"""A Parquet file of entries, one row each, written in row groups as the run goes; it appears whole at the end.

    with Parquet("news.parquet") as table:
        for entry in digestparse.iter_entries("crawl/page-1.txt"):
            table.add(entry)

Its columns are the entry's fields, typed as columns.py derives them from the
model (the same Arrow schema as digestparse.dask's frames). It is written under
a temporary name beside it and renamed into place when the run succeeds, with
the mode of the file it replaces (outputs.put_in_place).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import OutputError
from ..models import Entry
from ..outputs import put_in_place, reason, temporary_for
from .columns import ENTRY

if TYPE_CHECKING:
    import pyarrow as pa

PARQUET_MISSING = "--to parquet needs pyarrow: pip install 'digestparse[parquet]'"
# Rows are written to the Parquet file in groups of this many.
ROW_GROUP = 20_000


def arrow_schema() -> pa.Schema:
    """The Arrow schema of an entry: the contract's keys as typed columns (shared with digestparse.dask)."""
    import pyarrow as pa  # noqa: PLC0415 - an optional dependency, imported when used

    return pa.schema([column.arrow() for column in ENTRY])


class Parquet:
    """A Parquet file of entries, one row each, written in row groups; it appears whole when the run succeeds."""

    def __init__(self, path: str | os.PathLike[str], *, inputs: Iterable[str] = (), row_group: int = ROW_GROUP) -> None:
        try:
            import pyarrow.parquet  # noqa: F401, PLC0415 - checked before any work is done
        except ImportError:
            raise ImportError(PARQUET_MISSING) from None
        self.path = os.fspath(path)
        self.inputs = list(inputs)
        self.row_group = row_group
        self.rows = 0
        self._rows: list[Mapping[str, Any]] = []
        self._writer: Any = None
        self._temp: str | None = None
        self._fd = -1
        self._abandoned = False

    def _failed(self, error: OSError) -> OutputError:
        return OutputError(f"cannot write {self.path}: {reason(error)}")

    def __enter__(self) -> Parquet:
        import pyarrow.parquet as pq  # noqa: PLC0415

        # What the file says of where it came from: digestparse's version and the run's inputs.
        told = {"digestparse": __version__, "inputs": json.dumps(self.inputs, ensure_ascii=False)}
        try:
            self._fd, self._temp = temporary_for(self.path)
            self._writer = pq.ParquetWriter(self._temp, arrow_schema().with_metadata(told))
        except OSError as error:
            raise self._failed(error) from None
        return self

    def add(self, entry: Entry | Mapping[str, Any]) -> None:
        """Add one entry as a row."""
        self._rows.append(entry.model_dump() if isinstance(entry, Entry) else entry)
        self.rows += 1
        if len(self._rows) >= self.row_group:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa  # noqa: PLC0415

        if self._rows:
            try:
                self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._writer.schema))
            except OSError as error:
                raise self._failed(error) from None
            self._rows = []

    @property
    def added(self) -> str:
        """What the run wrote, for the command line's summary line."""
        return f"{self.rows} row{'s' if self.rows != 1 else ''}"

    def abandon(self) -> None:
        """Leave any file there as it was: the run failed."""
        self._abandoned = True

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        temp = self._temp
        if temp is None:
            return
        try:
            if kind is None and not self._abandoned:
                self._flush()
                self._writer.close()
                put_in_place(temp, self.path)
            else:
                self._writer.close()
        except OSError as failure:
            if kind is None:
                raise self._failed(failure) from None
        finally:
            os.close(self._fd)
            if os.path.lexists(temp):
                os.unlink(temp)
