"""The archives' columns, derived from the models: how each field of an entry or a diagnostic is stored.

The SQLite tables `entries` and `diagnostics`, and the Parquet file's (and the
Dask frame's) Arrow schema, are made from `Entry.model_fields` and
`Diagnostic.model_fields` here, so that a field added to a model is a column of
every archive, typed alike, with no list of names restated anywhere.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from ..models import Diagnostic, Entry

if TYPE_CHECKING:
    import pyarrow as pa

Kind = Literal["text", "integer", "boolean", "date", "texts", "diagnostics", "choice"]


@dataclass(frozen=True, slots=True)
class Column:
    """One field of a model, as an archive stores it."""

    name: str
    kind: Kind
    nullable: bool
    description: str
    choices: tuple[str, ...] = ()

    @property
    def quoted(self) -> str:
        """The name as SQL writes it ("column" is a word of SQL)."""
        return f'"{self.name}"' if self.name in _SQL_WORDS else self.name

    def sql(self) -> tuple[str, str]:
        """The column's definition in a CREATE TABLE, and its description (with how it is stored) for a comment."""
        kind = {"integer": "INTEGER", "boolean": "INTEGER"}.get(self.kind, "TEXT")
        definition = f"{self.quoted} {kind}" + ("" if self.nullable else " NOT NULL")
        if self.kind == "boolean":
            definition += f" CHECK ({self.quoted} IN (0, 1))"
        if self.choices:
            definition += f" CHECK ({self.quoted} IN ({', '.join(repr(choice) for choice in self.choices)}))"
        stored = {"date": " (YYYY-MM-DD)", "texts": " (a JSON array)", "diagnostics": " (a JSON array)"}
        return definition, self.description + stored.get(self.kind, "")

    def to_sql(self, value: Any) -> Any:
        """A value of the field as SQLite stores it: dates as ISO text, lists as JSON, booleans as 0 or 1."""
        if value is None:
            return None
        if self.kind in ("texts", "diagnostics"):
            return json.dumps(value, ensure_ascii=False, default=str)
        if self.kind == "date":
            return value.isoformat() if isinstance(value, date) else value
        if self.kind == "boolean":
            return int(value)
        return value

    def arrow(self) -> pa.Field:
        """The column as an Arrow field."""
        import pyarrow as pa  # noqa: PLC0415 - an optional dependency, imported when used

        kinds = {"text": pa.string(), "choice": pa.string(), "integer": pa.int64(), "boolean": pa.bool_(),
                 "date": pa.date32(), "texts": pa.list_(pa.string())}  # fmt: skip
        if self.kind == "diagnostics":
            found = pa.list_(pa.struct([column.arrow() for column in DIAGNOSTIC]))
        else:
            found = kinds[self.kind]
        return pa.field(self.name, found, nullable=self.nullable)


_SQL_WORDS = {"column"}


def columns_of(model: type[BaseModel]) -> tuple[Column, ...]:
    """The columns of a model's fields, in their order."""
    return tuple(_column(name, info.annotation, info.description or "") for name, info in model.model_fields.items())


def _column(name: str, annotation: Any, description: str) -> Column:
    nullable = False
    arguments = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        rest = [argument for argument in arguments if argument is not type(None)]
        nullable, annotation, arguments = True, rest[0], typing.get_args(rest[0])
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return Column(name, "choice", nullable, description, tuple(str(argument) for argument in arguments))
    if origin is list:
        kind: Kind = "diagnostics" if arguments[0] is Diagnostic else "texts"
        return Column(name, kind, nullable, description)
    simple: dict[Any, Kind] = {str: "text", int: "integer", bool: "boolean", date: "date"}
    return Column(name, simple[annotation], nullable, description)


def row(columns: tuple[Column, ...], record: Mapping[str, Any]) -> tuple[Any, ...]:
    """A record (an Entry's or Diagnostic's model_dump) as the values of a row, in the columns' order."""
    return tuple(column.to_sql(record.get(column.name)) for column in columns)


ENTRY = columns_of(Entry)
DIAGNOSTIC = columns_of(Diagnostic)
