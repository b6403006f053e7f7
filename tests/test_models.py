"""The parser builds its entries and diagnostics without validating them again; they must be what validation gives."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

import digestparse
from digestparse.models import Diagnostic, Entry, built

from .conftest import SAMPLES
from .strategies import documents, hostile_text


def _revalidated(entry: Entry) -> Entry:
    """The same entry, rebuilt by pydantic's validation from its field values."""
    return Entry(**{name: getattr(entry, name) for name in Entry.model_fields})


def _assert_diagnostic_as_validated(diagnostic: Diagnostic) -> None:
    again = Diagnostic(**{name: getattr(diagnostic, name) for name in Diagnostic.model_fields})
    assert diagnostic == again
    assert diagnostic.model_dump_json() == again.model_dump_json()
    assert list(vars(diagnostic)) == list(Diagnostic.model_fields), "fields out of the model's order"


def _assert_digest_as_validated(digest: digestparse.Digest) -> None:
    for entry in digest.entries:
        _assert_as_validated(entry)
    for diagnostic in digest.diagnostics:
        _assert_diagnostic_as_validated(diagnostic)


def _assert_as_validated(entry: Entry) -> None:
    again = _revalidated(entry)
    assert entry == again
    assert entry.model_dump_json() == again.model_dump_json()
    assert list(vars(entry)) == list(Entry.model_fields), "fields out of the model's order"
    assert entry.model_fields_set == again.model_fields_set
    for value in (entry.dateline, entry.published):
        assert value is None or type(value) is date


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*/*.txt")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_sample_entry_is_what_validation_gives(path: object) -> None:
    try:
        digest = digestparse.parse_file(str(path))
    except digestparse.DigestParseError:  # the samples that cannot be decoded have no entries
        return
    _assert_digest_as_validated(digest)


@given(hostile_text())
def test_entries_of_any_text_are_what_validation_gives(text: str) -> None:
    _assert_digest_as_validated(digestparse.parse(text))


@given(documents())
def test_entries_of_generated_digests_are_what_validation_gives(document: tuple[str, list[object]]) -> None:
    _assert_digest_as_validated(digestparse.parse(document[0]))


def test_a_built_entry_is_frozen_and_hashable_like_a_validated_one() -> None:
    entry = digestparse.parse_file(str(SAMPLES / "valid" / "seed.txt")).entries[0]
    with pytest.raises(ValueError, match="frozen"):
        entry.headline = "changed"  # type: ignore[misc]
    assert entry.model_copy(update={"headline": "changed"}).headline == "changed"
    assert digestparse.Entry.model_validate(entry.model_dump()) == entry


def test_built_takes_the_values_as_given() -> None:
    values = dict.fromkeys(Entry.model_fields)
    made = built(Entry, values)
    assert made.headline is None  # no validation: the caller answers for the types
    assert vars(made) is values
