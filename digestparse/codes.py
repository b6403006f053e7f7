"""Every diagnostic code digestparse reports: its severity and what it means.

This table is the one place a code is defined. The parser takes each code's
severity from here, `--allow` checks its codes against it, and the table
of codes in docs/format.md is generated from it (`python -m digestparse.codes`; a test
holds the page to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Code:
    """A diagnostic code: its name, its severity, and one line on when it is reported."""

    name: str
    severity: Severity
    meaning: str


_ALL = [
    Code("skipped-text", "warning", "text that belongs to no entry: site navigation, `Share this:`, pagination, "
         "a footer with no entry; its verbatim text is in `text`"),
    Code("not-a-digest", "error", "the input is markup (an HTML page) or binary data, not digest text: flatten "
         "the page to text first"),
    Code("cut-off-entry", "warning", "the end of the input (or of a page) comes inside an entry, after its headline "
         "and the start of its body; the parts it has are kept, and what it left of a dateline is in `text`"),
    Code("missing-footer", "warning", "the entry ends (next headline, other text, or end of input) without a footer"),
    Code("duplicate-footer", "warning", "a second footer for the same entry; its text is in `text`"),
    Code("missing-body", "warning", "a headline followed directly by its footer"),
    Code("missing-headline", "warning", "a body with no headline before it; the body as written is in `text`"),
    Code("footer-before-body", "warning", "headline, footer, then body; the body as written is in `text`"),
    Code("extra-body", "warning", "a second body paragraph with its own dateline; its text stays in the excerpt "
         "and is in `text`"),
    Code("unexpected-text", "warning", "a line between the body and the footer that fits neither; its text is "
         "in `text`"),
    Code("missing-dateline", "warning", "a body with no dateline; its text is kept as the excerpt (or as the caption, "
         "when it ends in a date that may be the caption's own), and as written in `text`"),
    Code("uncertain-byline", "warning", "a byline after the dateline whose names run into a capitalised word of the "
         "excerpt (`By Ann Lee Iran said`): where the names end is a guess, made as the site's names are written"),
    Code("unreadable-body", "warning", "a body the grammar cannot read; its text is kept as the excerpt, and as "
         "written in `text`"),
    Code("invalid-date", "warning", "a date that names no real day (`April 31, 2020`); the date as written is in "
         "`text`"),
    Code("missing-date", "warning", "a footer whose date field is empty or not a date; the field is in `text`"),
    Code("malformed-footer", "warning", "a footer without its `|` separators; the line is in `text`"),
    Code("unusual-ordinal", "info", "`1th`, `23RD`: the date is kept; the date as written is in `text`"),
    Code("unknown-footer-field", "info", "an extra footer field that is neither tags nor a comment count; "
         "it is in `text`"),
    Code("no-entries", "warning", "an input, read in full, that gives no entry (an empty file, another site's "
         "layout); it has no line; the summary line counts such inputs"),
    Code("duplicate-entry", "info", "with `--dedupe`: another sighting of an entry whose id was already seen; it "
         "says which sighting is kept (in `--diagnostics`; standard error counts them)"),
    Code("decode-error", "error", "the input cannot be decoded in its encoding (the run exits 4; try `--encoding`)"),
    Code("read-error", "error", "the input cannot be read: missing, a broken link, a directory, no permission "
         "(the run exits 4)"),
]  # fmt: skip

CODES: dict[str, Code] = {code.name: code for code in _ALL}


def severity(name: str) -> Severity:
    """The severity of a code; a KeyError for a code this table does not define."""
    return CODES[name].severity


def unknown(names: set[str]) -> list[str]:
    """The names in `names` that are no diagnostic code, sorted."""
    return sorted(name for name in names if name not in CODES)


def markdown_table() -> str:
    """The table of codes, as docs/format.md shows it."""
    rows = ["| code | severity | when |", "|---|---|---|"]
    rows += [f"| `{code.name}` | {code.severity} | {code.meaning.replace('|', chr(92) + '|')} |" for code in _ALL]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
