"""Drafts in, entries and diagnostics out: each part read with the grammar, each field converted, each fault located.

grouping.py has grouped the lines of an entry; here the grammar (syntax.py) names
the parts of its body and its footer, fields.py converts them, and every fault
becomes a located Diagnostic on the entry (a `partial` one when any is a
warning or an error). Text that belongs to no entry becomes a `skipped-text`
diagnostic, and an input that is markup one `not-a-digest` error.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from . import models, syntax
from .fields import InvalidDateError, clean, clean_or_none, clean_read, credit_text, entry_id, quote, read_date
from .lines import Draft, Skipped, joined
from .models import Diagnostic, Entry
from .reader import Line
from .text import encodable

FOOTER_EXAMPLE = "'By |April 23rd, 2020|tag, tag|'"


def diagnostic(
    code: str,
    message: str,
    source: str | None,
    line: Line,
    column: int | None = None,
    *,
    end: Line | None = None,
    text: str | None = None,
) -> Diagnostic:
    """A diagnostic from `line` (its first visible character unless `column` says otherwise) to `end`.

    `text` is the input's own text that the diagnostic is about, when no field keeps it.
    """
    at = line.first_column if column is None else column
    return models.diagnostic(code, message, source=source, line=line.number, column=at, end_line=(end or line).number,
                             text=None if text is None else encodable(text))  # fmt: skip


def _at(lines: list[Line], piece: syntax.Piece) -> tuple[Line, int]:
    """The input line and column of a piece of text made of `lines` joined by line feeds."""
    line = lines[piece.line - 1]
    return line, line.column(piece.column - 1)


def _written(paragraphs: list[Line]) -> str:
    """A body's paragraphs as the input wrote them, one a line: for the issues of a body read from its lines' shape.

    Its paragraphs, and the length or the signs that made its lines a body, are
    what its cleaned fields may no longer show.
    """
    return "\n".join(line.raw for line in paragraphs)


def _as_written(lines: list[Line], first: syntax.Piece, last: syntax.Piece | None = None) -> str:
    """The user's own text of the pieces `first` to `last` (on one line of `lines`), as the input has it."""
    line = lines[first.line - 1]
    end = last or first
    return line.raw_text(first.column - 1, end.column - 1 + len(end.text))


class EntryBuilder:
    """The fields of one entry as its parts are read, and the issues found on the way."""

    __slots__ = ("authors", "caption", "credit", "dateline", "draft", "excerpt", "headline", "issues", "posted_by",
                 "published", "source", "tags", "truncated")  # fmt: skip

    def __init__(self, draft: Draft, source: str | None) -> None:
        self.draft = draft
        self.source = source
        self.headline = clean_read(draft.headline.text) if draft.headline is not None else ""
        self.caption: str | None = None
        self.credit: str | None = None
        self.authors: list[str] = []
        self.dateline: date | None = None
        self.excerpt: str | None = None
        self.truncated = False
        self.posted_by: str | None = None
        self.published: date | None = None
        self.tags: list[str] = []
        self.issues: list[Diagnostic] = []

    def issue(self, code: str, message: str, line: Line, column: int | None = None, text: str | None = None) -> None:
        """Add a diagnostic to the entry."""
        self.issues.append(diagnostic(code, message, self.source, line, column, text=text))

    def build(self) -> Entry:
        """Read every part of the draft; the entry, `partial` when any issue is a warning or an error."""
        draft = self.draft
        first, last = draft.first, draft.last
        if draft.headline is None:
            # Only the shape of its lines tells a body with no headline from a headline and a body: kept as written.
            written = _written(draft.body) if draft.body else None
            self.issue("missing-headline", "Expected a headline line before the body, found none", first, text=written)
        if draft.cut_off:
            self._read_cut_off_body(draft.body)
        elif draft.body:
            self._read_body(draft.body)
        else:
            found = "the footer" if draft.footers else draft.ended_by
            where = draft.footers[0] if draft.footers else first
            self.issue("missing-body", f"Expected a body paragraph after the headline, found {found}", where)
        if draft.footer_first:
            where, body = draft.footers[0], draft.body[0]  # a draft's footer comes first only before its body
            message = f"Expected the footer after the body, found it before the body (line {body.number})"
            # From the footer to the body's first line: the footers repeated before the body are in that span.
            # A body after its footer is told by its lines' shape, as one with no headline is: kept as written.
            self.issues.append(
                diagnostic("footer-before-body", message, self.source, where, end=body, text=_written(draft.body))
            )
        for line in draft.extra:
            found = quote(clean(line.text))
            self.issue("unexpected-text", f"Expected the footer after the body, found {found}", line, text=line.raw)
        if draft.footers:
            self._read_footers(draft.footers)
        elif not draft.cut_off:
            self.issue(
                "missing-footer",
                f"Expected a footer line like {FOOTER_EXAMPLE} after line {last.number}, found {draft.ended_by}",
                last,
                column=last.column(len(last.text.rstrip())),
            )
        self.issues.sort(key=_place)
        partial = any(issue.is_problem for issue in self.issues)
        # Validated by pydantic as it is made: in its Rust core that costs less
        # than model_construct's loop over the fields (3.4 against 6.2 us).
        return Entry.model_validate(
            {
                "id": entry_id(self.headline, self.caption, self.excerpt, self.published or self.dateline),
                "headline": self.headline,
                "caption": self.caption,
                "credit": self.credit,
                "authors": self.authors,
                "dateline": self.dateline,
                "excerpt": self.excerpt,
                "truncated": self.truncated,
                "posted_by": self.posted_by,
                "published": self.published,
                "tags": self.tags,
                "source": self.source,
                "line": first.number,
                "end_line": last.number,
                "status": "partial" if partial else "ok",
                "issues": self.issues,
            }
        )

    # ---------------------------------------------------------------- body

    def _read_parts(self, parts: syntax.BodyParts) -> None:
        """The caption, credit, byline, excerpt and marker of a body the grammar has read."""
        if parts.caption is not None:
            self.caption = clean_read(parts.caption.text) or None
        if parts.credit is not None:
            self.credit = credit_text(parts.credit.text)
        if parts.byline is not None:
            self.authors = syntax.split_names(clean(parts.byline.text))  # clean text splits into clean names
            if parts.byline.type == "GUESSED_BYLINE":
                self._guessed_byline(parts.byline, parts.excerpt)
        if parts.excerpt is not None:
            self.excerpt = clean_read(parts.excerpt.text) or None
        self.truncated = parts.marker is not None

    def _guessed_byline(self, byline: syntax.Piece, excerpt: syntax.Piece | None) -> None:
        """Say that where a byline after the dateline ends was a guess, at the excerpt's first word."""
        where = excerpt or byline  # the grammar guesses only when a capitalised word follows the names
        body = self.draft.body
        first = excerpt.text.split(maxsplit=1)[0] if excerpt is not None else ""
        found = (
            f"Expected a mark between a byline after the dateline and the excerpt, found {quote(clean(byline.text))} "
            f"running straight into {quote(first)}; read {quote(first)} as the excerpt's first word, a guess"
        )
        self.issue("uncertain-byline", found, *_at(body, where))

    def _read_body(self, body: list[Line]) -> None:
        text = joined(body)
        parts = syntax.parse_body(text)
        if isinstance(parts, syntax.SyntaxProblem):
            line = body[parts.line - 1]
            found = f"Expected {parts.expected} in the body, found {quote(parts.found)}"
            self.issue("unreadable-body", found, line, line.column(parts.column - 1), text=_written(body))
            self.excerpt = clean_or_none(text)
            return
        if parts.dateline is not None and self._date_may_be_the_captions(parts):
            self.caption = clean_or_none(text)  # the date is the caption's last words, as far as anyone can tell
            found = (
                f"Expected a dateline with an excerpt, a credit or a byline to show it is one, found "
                f"{quote(clean(parts.dateline.text))} at the end of the caption: it may be the caption's own date, "
                "so the entry has no dateline"
            )
            self.issue("missing-dateline", found, *_at(body, parts.dateline), text=_written(body))
            return
        self._read_parts(parts)
        if parts.dateline is None:
            message = "Expected a dateline like 'April 23, 2020' in the body, found none"
            self.issue("missing-dateline", message, body[0], text=_written(body))
            return
        self.dateline = self._date(parts.dateline, body, "dateline")
        # A later paragraph that is a whole body of its own (it has a dateline) is a
        # second body; its text stays in the excerpt. Reported once, at the first.
        # Later than the dateline's, or than the last paragraph of a byline after the dateline, which is this body's.
        byline = parts.byline
        after = max(parts.dateline.line, byline.line + byline.text.count("\n") if byline is not None else 0)
        for line in body[after:]:
            again = syntax.body_or_none(line.text)
            if again is not None and again.dateline is not None:
                found = f"Expected one body paragraph with a dateline, found a second one: {quote(clean(line.text))}"
                self.issue("extra-body", found, line, text=line.raw)
                return

    def _date_may_be_the_captions(self, parts: syntax.BodyParts) -> bool:
        """Whether a body's dateline may be its caption's own date: nothing after it, nothing before it but caption.

        A caption's dates ("... the attempt, Nov 8, 2021.") stand right after its
        text, as a dateline with no credit or byline does; only what follows a
        dateline (an excerpt, a marker) or the entry's footer shows that the body
        went on past it. Without them (a page cut off there, or a body that lost
        its excerpt and its footer) the date may be either.
        """
        told = parts.credit, parts.byline, parts.excerpt, parts.marker
        return parts.caption is not None and all(part is None for part in told) and not self.draft.footers

    def _read_cut_off_body(self, body: list[Line]) -> None:
        parts = syntax.parse_cut_body(joined(body))
        last = body[-1]
        end = len(last.text.rstrip())
        where = f"after {quote(last.text[:end].rsplit(' ', 1)[-1])}"
        fragment: str | None = None
        if isinstance(parts, syntax.BodyParts):  # the grouping only cuts off bodies of this shape
            self._read_parts(parts)
            if parts.dateline is not None:  # what the end left of the dateline is no field: the issue keeps it
                fragment = _as_written(body, parts.dateline)
                where = f"in the dateline, after {quote(clean(parts.dateline.text))}"
            elif parts.excerpt is None and parts.marker is None and parts.byline is not None:
                where = f"in the byline, {where}"
            elif parts.excerpt is None and parts.marker is None and parts.credit is None:  # a caption alone
                where = f"in the caption, {where}"
        self.issue(
            "cut-off-entry",
            "Expected the body to go on to its dateline and the entry to end with a footer, "
            f"found {self.draft.ended_by} {where}",
            last,
            column=last.column(end),
            text=fragment,
        )

    def _date(self, piece: syntax.Piece, lines: list[Line], what: str) -> date | None:
        value, note = _read_date(piece.text)
        if value is None:
            found = f"Expected a real date in the {what}: {quote(clean(piece.text))} {note}"
            self.issue("invalid-date", found, *_at(lines, piece), text=_as_written(lines, piece))
            return None
        if note is not None:
            self.issue("unusual-ordinal", f"In the {what}: {note}", *_at(lines, piece), text=_as_written(lines, piece))
        return value

    # -------------------------------------------------------------- footer

    def _read_footers(self, footers: list[Line]) -> None:
        first = footers[0]
        self._read_footer(first)
        for repeat in footers[1:]:
            same = "the same footer" if clean(repeat.text) == clean(first.text) else "another footer"
            found = f"Expected one footer for this entry, found {same} again (first at line {first.number})"
            self.issue("duplicate-footer", found, repeat, text=repeat.raw)

    def _read_footer(self, footer: Line) -> None:
        parts = syntax.parse_footer(footer.text)
        if isinstance(parts, syntax.SyntaxProblem):
            found = f"Expected {parts.expected} in the footer, found {quote(parts.found)}"
            self.issue("malformed-footer", found, footer, footer.column(parts.column - 1), text=footer.raw)
            return
        if parts.posted_by is not None:  # mostly absent: "By |"
            self.posted_by = clean_or_none(parts.posted_by.text)
        if not parts.fields:
            found = quote(clean(footer.text))
            message = f"Expected '|' between the footer's fields, like {FOOTER_EXAMPLE}, found {found}"
            self.issue("malformed-footer", message, footer, text=footer.raw)
            return
        date_field, *others = parts.fields
        self._read_footer_date(date_field, footer)
        plain_seen = False
        for tokens in others:
            if not tokens:  # an empty field: the one after the last '|', mostly
                continue
            kinds = [token.type for token in tokens]
            if kinds == ["FIELD_TEXT"] and not plain_seen:  # the tags
                plain_seen = True
                self.tags += _tags(tokens[0].text)
            elif kinds[0] == "LABEL":  # "Tags: x, y", "Categories: A"
                self.tags += _tags(tokens[1].text) if len(tokens) > 1 else []
            elif kinds != ["COMMENTS"]:
                text = " ".join(token.text for token in tokens)
                found = f"Expected tags or a comment count in the footer, found {quote(text)}; kept out of the tags"
                written = _as_written([footer], tokens[0], tokens[-1])
                self.issue("unknown-footer-field", found, footer, _at([footer], tokens[0])[1], text=written)

    def _read_footer_date(self, tokens: list[syntax.Piece], footer: Line) -> None:
        dates = [token for token in tokens if token.type == "FOOTER_DATE"]
        if dates:
            self.published = self._date(dates[0], [footer], "footer date")
            return
        found = quote(" ".join(token.text for token in tokens)) if tokens else "an empty field"
        column = _at([footer], tokens[0])[1] if tokens else None
        written = _as_written([footer], tokens[0], tokens[-1]) if tokens else ""
        message = f"Expected a date like 'April 23rd, 2020' after the footer's first '|', found {found}"
        self.issue("missing-date", message, footer, column, text=written)


@lru_cache(maxsize=4096)  # a digest repeats its dates: a day's entries, the dateline and the footer
def _read_date(text: str) -> tuple[date | None, str | None]:
    """A DATELINE's or FOOTER_DATE's date and a note on its ordinal; or None and why it names no day."""
    pieces = syntax.date_pieces(text)
    if pieces is None:  # pragma: no cover - the grammar's dates all fit its DATE_PIECES
        raise ValueError(f"the grammar's date {text!r} does not fit its DATE_PIECES")
    try:
        return read_date(*pieces)
    except InvalidDateError as problem:
        return None, str(problem)


def _tags(text: str) -> list[str]:
    return [tag for tag in map(clean, syntax.split_tags(text)) if tag]


def _place(issue: Diagnostic) -> tuple[int, int]:
    return issue.line or 0, issue.column or 0  # an entry's issues always have both


def entry(draft: Draft, source: str | None) -> Entry:
    """The entry a draft makes."""
    return EntryBuilder(draft, source).build()


def skipped(block: Skipped, source: str | None) -> Diagnostic:
    """The `skipped-text` diagnostic of a block that belongs to no entry; its verbatim text in `text`."""
    solid = [line for line in block.lines if not line.blank]
    first, last = solid[0], solid[-1]
    alone = len(solid) == 1 and syntax.shape("FOOTER_LINE").match(first.text) is not None
    what = "a footer with no entry before it" if alone else "text in no entry"
    span = f"line {first.number}" if first is last else f"lines {first.number}-{last.number}"
    found = f"Expected a headline, a body and a footer; found {what} ({span}): {quote(clean(first.text))}"
    return diagnostic("skipped-text", found, source, first, end=last, text="\n".join(line.raw for line in block.lines))


def not_a_digest(markup: str, first: Line, last: Line, source: str | None) -> Diagnostic:
    """One error for an input that is markup, spanning all of it."""
    start = quote(clean(first.text))
    found = f"Expected digest text, found markup: the input looks like {markup} (it starts with {start})"
    return diagnostic("not-a-digest", f"{found}; flatten the page to text first", source, first, end=last)
