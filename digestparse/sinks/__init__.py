"""Archives: entries into a SQLite database with full-text search (sqlite.py), or into a Parquet file (parquet.py).

Both take an Entry, or its `model_dump()` (what the command line's worker
processes send the one process that writes the file), and both are context
managers: leaving one with an exception, or after `abandon()`, leaves the
database as it was, or writes no file. Their columns come from the models
(columns.py).
"""

from __future__ import annotations

from .parquet import PARQUET_MISSING, ROW_GROUP, Parquet, arrow_schema
from .sqlite import APPLICATION_ID, BATCH, BUSY_SECONDS, SCHEMA, SCHEMA_VERSION, SQLite

__all__ = ["APPLICATION_ID", "BATCH", "BUSY_SECONDS", "PARQUET_MISSING", "ROW_GROUP", "SCHEMA", "SCHEMA_VERSION",
           "Parquet", "SQLite", "arrow_schema"]  # fmt: skip
