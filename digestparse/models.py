"""The records digestparse produces: plain, frozen pydantic models.

The key order of `Entry` and `Diagnostic` is the JSON contract of SPEC section 2:

Entry
    id         str         16 hex digits: the entry's identity, from its headline and date (fields.entry_id)
    headline   str         the headline line
    caption    str | None  the photo caption, with its final punctuation
    credit     str | None  the photo credit, without parentheses
    authors    list[str]   the byline's names, in order; [] if none
    dateline   date | None the body's date
    excerpt    str | None  the excerpt, truncation marker removed
    truncated  bool        whether a truncation marker ended the excerpt
    posted_by  str | None  the footer's name after "By"
    published  date | None the footer's date
    tags       list[str]   the footer's tags, in order
    source     str | None  the input's name; "<stdin>" for standard input
    line       int         1-based line of the headline
    end_line   int         1-based line of the entry's last non-blank line
    status     "ok" | "partial"
    issues     list[Diagnostic]

Diagnostic
    code, severity ("error" | "warning" | "info"), message, source, line,
    column, end_line; and "text", the input's own text that the diagnostic is
    about, for the codes whose text no field of the entry keeps (skipped text,
    a stray line, a repeated footer, a date as written: see digestparse.codes).
    A diagnostic about a whole input (one that cannot be read, one that gives
    no entry) has no line; one about a whole entry (a duplicate) no column.
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

    code: str
    severity: Severity
    message: str
    source: str | None
    line: int | None
    column: int | None
    end_line: int | None
    text: str | None = None

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

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    headline: str
    caption: str | None
    credit: str | None
    authors: list[str]
    dateline: date | None
    excerpt: str | None
    truncated: bool
    posted_by: str | None
    published: date | None
    tags: list[str]
    source: str | None
    line: int
    end_line: int
    status: Status
    issues: list[Diagnostic]


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
