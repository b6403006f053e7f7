"""The records digestparse produces: plain, frozen pydantic models.

The key order of `Entry` and `Diagnostic` is the JSON contract (docs/format.md,
"The fields of an entry"); each field says what it holds (its description is in the
JSON Schema of `--schema`, and the SQLite database's and Parquet file's
columns are derived from these fields: digestparse.sinks.columns).
A diagnostic about a whole input (one that cannot be read, one that gives no
entry) has no line; one about a whole entry (a duplicate) no column.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from . import codes
from .codes import Severity

Status = Literal["ok", "partial"]


class Diagnostic(BaseModel):
    """One located finding: what was expected, what was found, and where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Annotated[str, Field(description="what was found, as a short kebab-case name (digestparse.codes)")]
    severity: Annotated[Severity, Field(description="error, warning (both make an entry partial) or info")]
    message: Annotated[str, Field(description="what was expected, what was found, and where")]
    source: Annotated[str | None, Field(description="the input's name; <stdin> for standard input")]
    line: Annotated[int | None, Field(description="1-based line where it starts; none for a whole input")]
    column: Annotated[int | None, Field(description="1-based column; none for a whole input or entry")]
    end_line: Annotated[int | None, Field(description="1-based line where it ends")]
    text: Annotated[str | None, Field(description="the input's own text it is about, when no field keeps it")] = None

    @model_serializer(mode="wrap")
    def _leave_out_absent_text(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # "text" belongs to the diagnostics about text that no field keeps; the
        # others keep the seven keys of the contract.
        data: dict[str, Any] = handler(self)
        if data.get("text") is None:
            data.pop("text", None)
        return data

    @property
    def is_problem(self) -> bool:
        """True for warnings and errors: what makes an entry partial and fails --strict."""
        return self.severity != "info"


def diagnostic(
    code: str,
    message: str,
    *,
    source: str | None,
    line: int | None,
    column: int | None,
    end_line: int | None,
    text: str | None = None,
) -> Diagnostic:
    """A diagnostic of one of the codes of digestparse.codes, with that code's severity: the one way one is made."""
    found = {"code": code, "severity": codes.severity(code), "message": message, "source": source, "line": line,
             "column": column, "end_line": end_line, "text": text}  # fmt: skip
    return Diagnostic.model_validate(found)


class Entry(BaseModel):
    """One digest entry: a headline, its body's parts and its footer's fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$", description="16 hex digits from the headline and the date")]
    headline: Annotated[str, Field(description="the headline line; empty when the entry has none")]
    caption: Annotated[str | None, Field(description="the photo caption, with its final punctuation")]
    credit: Annotated[str | None, Field(description="the photo credit, without parentheses")]
    authors: Annotated[list[str], Field(description="the byline's names, in order")]
    dateline: Annotated[date | None, Field(description="the body's date")]
    excerpt: Annotated[str | None, Field(description="the excerpt, truncation marker removed")]
    truncated: Annotated[bool, Field(description="whether a truncation marker ended the excerpt")]
    posted_by: Annotated[str | None, Field(description="the footer's name after By")]
    published: Annotated[date | None, Field(description="the footer's visible date")]
    tags: Annotated[list[str], Field(description="the footer's tags, in order")]
    source: Annotated[str | None, Field(description="the input's name; <stdin> for standard input")]
    line: Annotated[int, Field(description="1-based line of the headline (or of the entry's first line)")]
    end_line: Annotated[int, Field(description="1-based line of the entry's last non-blank line")]
    status: Annotated[Status, Field(description="partial when any part could not be read")]
    issues: Annotated[list[Diagnostic], Field(description="what was wrong with this entry")]


class Digest(BaseModel):
    """A parsed digest: its entries and every diagnostic, skipped text included."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str | None
    entries: list[Entry]
    diagnostics: list[Diagnostic]


# The draft of JSON Schema that pydantic writes, and the name of the entry's schema.
SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:digestparse:entry"


def entry_schema() -> dict[str, Any]:
    """The JSON Schema of an entry, with its draft (`$schema`) and its name (`$id`): what `--schema` prints."""
    return {"$schema": SCHEMA_DRAFT, "$id": SCHEMA_ID, **Entry.model_json_schema()}
