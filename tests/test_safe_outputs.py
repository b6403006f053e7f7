"""Markdown that GitHub's own renderer shows as text, links included: what a page of a repository would show.

CommonMark (test_export) turns no input text into markup; GitHub's renderer
also makes links of bare addresses (its autolink extension: `www.`, `https://`,
`bob@example.com`). cmarkgfm is GitHub's cmark-gfm, the renderer of its pages.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import digestparse
from digestparse import export

cmarkgfm = pytest.importorskip("cmarkgfm")

BARE = [
    "www.example.com", "https://example.com/a?b=c", "http://evil.example", "ftp://files.example/x",
    "bob@example.com", "mailto:bob@example.com", "xmpp:bob@example.com", "see WWW.example.com and www.x.y.",
    "a.b+c_d-e@sub.example.co.uk", "<https://example.com>", "[x](https://example.com)", "![i](http://x/i.png)",
]  # fmt: skip


class _Seen(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _on_github(markdown: str) -> _Seen:
    seen = _Seen()
    seen.feed(cmarkgfm.github_flavored_markdown_to_html(markdown))
    seen.close()
    return seen


def _entry(text: str) -> digestparse.Entry:
    fields = {"headline": text, "caption": text, "credit": text, "excerpt": text, "authors": [text], "tags": [text]}
    return digestparse.Entry.model_validate({
        "id": "0" * 16, "dateline": None, "truncated": False, "posted_by": None, "published": None, "source": "s",
        "line": 1, "end_line": 1, "status": "ok", "issues": [], **fields})  # fmt: skip


@given(st.one_of(st.sampled_from(BARE), st.lists(st.sampled_from([*BARE, "word", "x.y", "@", "://"]), min_size=1,
                                                 max_size=6).map(" ".join)))  # fmt: skip
@example("write to bob@example.com or www.example.com")
def test_no_bare_address_becomes_a_link_on_github(text: str) -> None:
    seen = _on_github(export.to_markdown([_entry(text)], title=text))
    assert seen.tags <= {"h1", "h2", "p", "em"}, seen.tags
    rendered = "".join(seen.text)
    assert text in rendered, "the text shows as it is"


def test_a_heading_shows_a_name_with_control_characters_escaped() -> None:
    name = "page\x1b]0;owned\x07\u202etxt.exe"
    seen = _on_github(export.to_markdown([_entry("x").model_copy(update={"source": name})]))
    heading = seen.text[0]
    assert heading == "page\\x1b]0;owned\\x07\\u202etxt.exe"
