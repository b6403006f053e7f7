"""Entries written back as digest text: the canonical shape, and each fault an entry's issues record.

`to_digest` (export.py) writes each entry with `digest_entry`: an ok entry in
the canonical shape, a partial one with the fault its issues record (no footer,
a repeated footer, a date as written, a stray line, ...), so that parsing the
text gives the same entries back, with the same fields, status and issue codes,
whatever entries of whatever inputs come around it. It knows the models only:
where a field's text would read as something else (a credit, a footer, a
reference), it is written as a character reference that cleans to the same text.
"""

from __future__ import annotations

import html
import re

from .fields import clean, long_date, ordinal_date
from .models import Entry
from .text import normalise


def join_names(names: list[str]) -> str:
    """Names as a byline joins them: "A and B", "A, B and C"."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class _Faults:
    """What an entry's issues say about the text it came from: which faults, and the text each one keeps."""

    def __init__(self, entry: Entry) -> None:
        self.codes = {issue.code for issue in entry.issues}
        self._texts: dict[str, list[str]] = {}
        for issue in entry.issues:
            if issue.text is not None:
                self._texts.setdefault(issue.code, []).append(issue.text)
        # A footer that came before the body may be repeated before it as well as after it: its issue spans the
        # lines from the footer to the body, and a repeat in that span came before the body.
        body_line = next((issue.end_line for issue in entry.issues if issue.code == "footer-before-body"), None)
        self.repeats_before_body = [
            issue.text
            for issue in entry.issues
            if issue.code == "duplicate-footer" and issue.text is not None and _before(issue.line, body_line)
        ]
        self.has_body = "missing-body" not in self.codes
        self.has_footer = not self.codes & {"missing-footer", "cut-off-entry"}
        dated_body = self.has_body and not self.codes & {"missing-dateline", "unreadable-body", "cut-off-entry"}
        dated_footer = self.has_footer and not self.codes & {"missing-date", "malformed-footer"}
        # A date that names no real day leaves its field empty; the issue keeps the date as written.
        # Several are in the order of the input, where the footer comes first only when it came before the body.
        invalid = list(self.texts("invalid-date"))
        dateline_invalid = dated_body and entry.dateline is None
        footer_invalid = dated_footer and entry.published is None
        if dateline_invalid and footer_invalid and "footer-before-body" in self.codes:
            invalid.reverse()
        self.dateline_text = invalid.pop(0) if dateline_invalid and invalid else None
        self.footer_date_text = invalid.pop(0) if footer_invalid and invalid else None
        # What the end of a page left of a dateline ("Se", "December 12"): no field, so its issue keeps it.
        self.cut_dateline = next(iter(self.texts("cut-off-entry")), None)

    def texts(self, code: str) -> list[str]:
        """The text kept by each issue with this code, in the input's order."""
        return self._texts.get(code, [])


def _before(line: int | None, body_line: int | None) -> bool:
    """Whether an issue's line comes before the body's first line (both known)."""
    return line is not None and body_line is not None and line < body_line


def _split_extra_body(excerpt: str, paragraph: str) -> tuple[str, str]:
    """The excerpt cut where a second body paragraph (as written in the input) began, when it can be found.

    The excerpt holds that paragraph's text cleaned, and what followed it, less
    a final truncation marker: from a word's start, it goes on with the cleaned
    paragraph (paragraphs followed it), or is the start of it (it was the last).
    """
    tail = clean(normalise(paragraph))  # as the reader normalised it: a control character is U+FFFD in the excerpt
    # Looked for by its start, short of the final markers the excerpt lost ("… Read More" is the longest, 11).
    probe = tail[: max(1, min(32, len(tail) - 12))]
    at = excerpt.find(probe)  # the first place that fits gives the longest tail
    while at >= 0 and not (
        (at == 0 or excerpt[at - 1] == " ") and (excerpt.startswith(tail, at) or tail.startswith(excerpt[at:]))
    ):
        at = excerpt.find(probe, at + 1)
    if at < 0:
        return excerpt, ""
    return excerpt[:at].rstrip(), excerpt[at:]


# The longest a character reference that html.unescape reads can be: "&CounterClockwiseContourIntegral;" is 33.
_REFERENCE_REACH = 40


def _as_text(text: str) -> str:
    """A field's text as digest text that reads back as the same field once cleaned.

    Cleaning decodes character references, so one the field holds as text
    ("&amp;" from "&amp;amp;") has its "&" written as "&amp;"; only such an "&",
    so that a line grows no more than it must (a line's length tells a body).
    """
    if "&" not in text or html.unescape(text) == text:
        return text
    first, *rest = text.split("&")
    kept = [first]
    for piece in rest:  # each starts right after an "&", and holds no other
        head = "&" + piece[:_REFERENCE_REACH]
        kept.append(("&amp;" if html.unescape(head) != head else "&") + piece)
    return "".join(kept)


def _as_line(paragraph: str) -> str:
    """A paragraph as a line of the digest that reads as one: a "<" that starts it is written "&lt;" (the digest
    would look like markup), and so is each "|" of one that starts with "By" ("By A April 3, 2020 ... |" would
    read as a footer) as "&#124;"; nothing else, since a line's length tells a body, and a credit's its end."""
    stripped = paragraph.lstrip()
    if stripped.startswith("<"):
        return "&lt;" + stripped[1:]
    if stripped[:2].lower() == "by":
        return paragraph.replace("|", "&#124;")
    return paragraph


def _credit(credit: str) -> str:
    """The credit in its parentheses: ones inside it that are not one nested pair written as references."""
    text = _as_text(credit)
    if text.count("(") != text.count(")") or text.count("(") > 1:
        text = text.replace("(", "&#40;").replace(")", "&#41;")
    return f"({text})"


def _caption(entry: Entry) -> str | None:
    """The caption as the body writes it: one that ends with a parenthesis and has no credit after it
    ("A photo (AT&amp;T ...)", too long for a credit until its reference was decoded) has each "(" written as
    "&#40;", which reads as the same caption, so that its parenthesis is not read as a credit; so has one that
    starts with a parenthesis (written after a reference the cleaning decoded)."""
    if entry.caption is None:
        return None
    caption = _as_text(entry.caption)
    if entry.credit is None and caption.endswith(")"):
        return caption.replace("(", "&#40;")
    if caption.startswith("("):  # a caption never starts with a parenthesis: it would read as a credit
        return "&#40;" + caption[1:]
    return caption


def _digest_undated_body(entry: Entry, faults: _Faults) -> list[str]:
    """A body the grammar found no dateline in: its paragraphs as written, when its issue kept them, else the
    caption that ends in a date that may be its own, else the excerpt."""
    kept = [*faults.texts("missing-dateline"), *faults.texts("unreadable-body")]
    if kept:
        return kept[0].split("\n")
    if entry.caption is not None:
        return [_caption(entry) or ""]
    excerpt = _as_text(entry.excerpt) if entry.excerpt is not None else None
    return [" ".join(part for part in (excerpt, "[...]" if entry.truncated else "") if part)]


def _digest_body(entry: Entry, faults: _Faults) -> list[str]:
    """The body's paragraphs: one, or two when the entry had a second, dated one."""
    if not faults.has_body:
        return []
    # A body read from the shape of its lines (one with no headline, or one after its footer) is written as it was.
    shaped = ("missing-headline", "footer-before-body")
    for written in [text for code in shaped for text in faults.texts(code)][:1]:
        return written.split("\n")
    if faults.codes & {"missing-dateline", "unreadable-body"}:
        return _digest_undated_body(entry, faults)
    marker = "[...]" if entry.truncated else ""
    excerpt, second = _excerpt_paragraphs(entry, faults)
    if second:
        return [" ".join(part for part in (*_body_head(entry, faults), excerpt) if part),
                " ".join(part for part in (second, marker) if part)]  # fmt: skip
    return [" ".join(part for part in (*_body_head(entry, faults), excerpt, marker) if part)]


def _body_head(entry: Entry, faults: _Faults) -> list[str]:
    """What comes before the excerpt: caption, credit, byline and dateline, each as the body writes it."""
    parts = [part for part in (_caption(entry), _credit(entry.credit) if entry.credit else None) if part]
    byline = ["By " + _as_text(join_names(entry.authors))] if entry.authors else []
    # A byline after the dateline is written there only when where its names end was a guess,
    # so that it is guessed again; otherwise in its canonical place, before the dateline.
    late = "uncertain-byline" in faults.codes
    if entry.dateline is not None:
        when = [long_date(entry.dateline)]
    else:
        when = [text for text in (faults.dateline_text, faults.cut_dateline) if text is not None][:1]
    return [*parts, *when, *byline] if late else [*parts, *byline, *when]


def _excerpt_paragraphs(entry: Entry, faults: _Faults) -> tuple[str, str]:
    """The excerpt as written, and the second body paragraph it holds ("" when none), each as the body writes it."""
    excerpt, second = entry.excerpt or "", ""
    for paragraph in faults.texts("extra-body")[:1]:
        excerpt, second = _split_extra_body(excerpt, paragraph)
    excerpt, second = _as_text(excerpt), _as_text(second)
    if not entry.truncated and (second or excerpt)[-9:].lower() == "read more":
        # Not the marker: the page spaced its words apart ("Read  More"), which cleaning folded; so again.
        if second:
            second = second[:-5] + " " + second[-5:]
        else:
            excerpt = excerpt[:-5] + " " + excerpt[-5:]
    return excerpt, second


# A tags field that might read as another field, as a date ("June 1st, 2020": two tags), a timestamp, a comment
# count or a label, does: its first word is followed by a digit, or it starts with one, or holds ":" or "omment".
_NOT_LIKE_TAGS = re.compile(r"[0-9]|\S+ [0-9]|.*(?::|omment)", re.IGNORECASE)


def _tags_field(tags: list[str], others: list[str]) -> str:
    """The footer's tags: one that might read as another field is written after an empty tag, which is dropped.

    With no tags but other fields after it, the field is "," (no tag, yet a field of tags), so that the next
    plain field is not read as the tags.
    """
    if not tags:
        return "," if others else ""
    text = _as_text(", ".join(tags))
    return ", " + text if _NOT_LIKE_TAGS.match(text) else text


def _digest_footer(entry: Entry, faults: _Faults) -> str:
    malformed = faults.texts("malformed-footer")
    if malformed:
        return malformed[0]
    unusual = faults.texts("unusual-ordinal")
    if unusual:
        when = unusual[0]
    elif entry.published is not None:
        when = ordinal_date(entry.published)
    elif faults.footer_date_text is not None:
        when = faults.footer_date_text
    else:
        when = next(iter(faults.texts("missing-date")), "")
    others = faults.texts("unknown-footer-field")
    fields = [when, _tags_field(entry.tags, others), *others]
    name = _as_text(entry.posted_by or "")
    # "By" and the name as the page wrote them: a name that starts with no letter needs no space after "By",
    # and a footer line is one only while its name is short (100 characters).
    by = "By" if name and not (name[0].isalnum() or name[0] == "_") else "By "
    return by + name + "|" + "|".join(fields) + "|"


# A line holding a form feed ends a page: the grouping reads what follows as a new input (lines.PAGE_BREAK).
PAGE_BREAK_LINE = "\f\n"


def digest_entry(entry: Entry) -> str:
    """One entry as digest text; its issues say where it departs from the canonical shape, and how.

    The text of an entry reads back the same whatever entry, of whatever input,
    comes before or after it: an entry whose text ends with no footer (one cut
    off by the end of its page, one that lost its footer, one whose footer came
    first) ends its page, and one with no headline starts one. Between them,
    each entry's footer has closed the one before.
    """
    faults = _Faults(entry)
    body = _digest_body(entry, faults)
    stray = faults.texts("unexpected-text")
    footer = [_digest_footer(entry, faults)] if faults.has_footer else []
    repeats = faults.texts("duplicate-footer")
    headline = _as_line(_as_text(entry.headline))
    body = [_as_line(paragraph) for paragraph in body]
    if "footer-before-body" in faults.codes:
        before = faults.repeats_before_body
        after = repeats[len(before) :]  # the input's order: those before the body come first
        paragraphs = [headline, *footer, *before, *body, *stray, *after]
        closed = bool(after)
    else:
        paragraphs = [headline, *body, *stray, *footer, *repeats]
        closed = bool(footer)
    text = "\n\n".join(paragraphs) + "\n"
    return ("" if entry.headline else PAGE_BREAK_LINE) + text + ("" if closed else PAGE_BREAK_LINE)
