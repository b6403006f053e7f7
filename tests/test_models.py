"""The parser's entries and diagnostics must be what pydantic gives when it validates their JSON again."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import example, given

import digestparse
from digestparse.models import Diagnostic, Entry

from .conftest import SAMPLES
from .strategies import documents, hostile_text


def _assert_as_validated(entry: Entry) -> None:
    """The entry equals the one pydantic validates from its JSON: every field of the type its annotation says."""
    again = Entry.model_validate_json(entry.model_dump_json())
    assert again == entry
    assert again.model_dump_json() == entry.model_dump_json()
    assert list(entry.model_dump()) == list(Entry.model_fields), "fields out of the model's order"
    for value in (entry.dateline, entry.published):
        assert value is None or type(value) is date
    for issue in entry.issues:
        assert Diagnostic.model_validate_json(issue.model_dump_json()) == issue


def _assert_digest_as_validated(digest: digestparse.Digest) -> None:
    for entry in digest.entries:
        _assert_as_validated(entry)
    for diagnostic in digest.diagnostics:
        assert Diagnostic.model_validate_json(diagnostic.model_dump_json()) == diagnostic


def _decodable(path: object) -> bool:
    expected = SAMPLES / "invalid" / f"{path.stem}.issues.json"  # type: ignore[attr-defined]
    return not expected.exists() or "error" not in json.loads(expected.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [p for p in sorted(SAMPLES.glob("*/*.txt")) if _decodable(p)],
                         ids=lambda p: f"{p.parent.name}/{p.stem}")  # fmt: skip
def test_every_sample_entry_is_what_validation_gives(path: object) -> None:
    digest = digestparse.parse_file(str(path))
    assert digest.entries or digest.diagnostics
    _assert_digest_as_validated(digest)


@given(hostile_text())
@example("\ud800")  # raw text kept by a diagnostic, with a lone surrogate
def test_entries_of_any_text_are_what_validation_gives(text: str) -> None:
    _assert_digest_as_validated(digestparse.parse(text))


@given(documents())
def test_entries_of_generated_digests_are_what_validation_gives(document: tuple[str, list[object]]) -> None:
    digest = digestparse.parse(document[0])
    assert digest.entries
    _assert_digest_as_validated(digest)


def test_an_entry_is_frozen_and_copied_with_changes() -> None:
    entry = digestparse.parse_file(str(SAMPLES / "valid" / "seed.txt")).entries[0]
    with pytest.raises(ValueError, match="frozen"):
        entry.headline = "changed"  # type: ignore[misc]  # assignment is what is being refused
    changed = entry.model_copy(update={"headline": "changed"})
    assert (changed.headline, entry.headline) == ("changed", "US troops say they braved Iranian missile attack "
                                                  "despite being warned hours earlier")  # fmt: skip
    assert digestparse.Entry.model_validate(entry.model_dump()) == entry


def test_a_diagnostic_keeps_text_only_when_it_has_some() -> None:
    digest = digestparse.parse_file(SAMPLES / "invalid" / "text-between-body-and-footer.txt")
    [stray] = digest.diagnostics
    assert json.loads(stray.model_dump_json())["text"] == "Share this:"
    missing = digestparse.parse_file(SAMPLES / "invalid" / "missing-footer.txt").diagnostics[0]
    assert list(json.loads(missing.model_dump_json())) == ["code", "severity", "message", "source", "line",
                                                           "column", "end_line"]  # fmt: skip
