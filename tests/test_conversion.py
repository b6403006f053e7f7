"""convert() and the command line over it: what a run checks first, what it leaves behind, what it says.

Each test tries a promise the way a user meets it: through `digestparse.convert`
or the command line's `main`, on real files and folders.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest

import digestparse
from digestparse import cli

from .conftest import ROOT, SAMPLES, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
HTML = (SAMPLES / "invalid" / "not-a-digest-html.txt").read_bytes()


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _stdin_from(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Standard input read from a file, as `< path` gives it: a descriptor of that very file."""
    stream = path.open("rb")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream, encoding="utf-8"))


# ---------------------------------------------------------- outputs and inputs


def test_no_output_overwrites_the_file_on_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    page = tmp_path / "page.txt"
    page.write_bytes(SEED.read_bytes())
    _stdin_from(monkeypatch, page)
    assert cli.main(["-o", str(page)]) == 2  # digestparse -o page.txt < page.txt
    assert f"expected -o to be a file other than the inputs, found {str(page)!r}" in capsys.readouterr().err
    _stdin_from(monkeypatch, page)
    assert cli.main(["-", "-o", str(tmp_path / "p.json"), "--diagnostics", str(page)]) == 2
    assert "standard input" in capsys.readouterr().err
    assert page.read_bytes() == SEED.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["page.txt"]
    with pytest.raises(digestparse.UsageError, match="expected -o to be a file other than the inputs"):
        digestparse.convert([page], to="digest", out=page)
    assert page.read_bytes() == SEED.read_bytes()


def test_an_input_that_is_no_digest_leaves_the_output_as_it_was(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    page, news = tmp_path / "page.html.txt", tmp_path / "news.json"
    page.write_bytes(HTML)
    news.write_text("yesterday's entries\n")
    assert cli.main([str(page), "-o", str(news)]) == 3
    assert news.read_text() == "yesterday's entries\n"
    assert sorted(os.listdir(tmp_path)) == ["news.json", "page.html.txt"]
    prose = tmp_path / "about.txt"
    prose.write_text("About us\n\nWe are a small team that writes about the region every day of the week.\n")
    assert cli.main([str(prose), "-o", str(news)]) == 3
    assert news.read_text() == "yesterday's entries\n"
    err = capsys.readouterr().err
    assert "digestparse: error: expected entries, found none in the input; the output was left as it was" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("kind", ["html", "gzip"])
def test_an_input_that_is_no_digest_among_digests_fails_the_run(tmp_path: Path, kind: str, jobs: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    stray = tmp_path / f"stray.{kind}"
    stray.write_bytes(HTML if kind == "html" else b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8)
    news, run = tmp_path / "news.json", tmp_path / "run.json"
    news.write_text("yesterday's entries\n")
    for inputs in ([str(stray), str(SEED)], [str(SEED), str(stray)]):
        assert cli.main([*inputs, "-o", str(news), "--summary", str(run), "--jobs", jobs, "-q"]) == 3
        assert news.read_text() == "yesterday's entries\n"
        summary = json.loads(run.read_text())
        assert summary["exit_status"] == 3
        assert [one["error"]["code"] if one["error"] else None for one in summary["inputs"]] == [
            "not-a-digest" if name == str(stray) else None for name in inputs
        ]
        assert summary["files_without_entries"] == 0
    capsys.readouterr()
    assert cli.main([str(SEED), str(stray), "--to", "jsonl", "-q"]) == 3
    out, err = capsys.readouterr()
    assert out == "", "nothing on standard output"
    assert err.splitlines()[-1] == "digestparse: error: 1 input is not a digest; the output was left as it was"
    database = tmp_path / "news.db"
    assert cli.main([str(SEED), str(stray), "-o", str(database), "-q"]) == 3
    assert not database.exists()


def test_hard_links_are_one_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    out.write_text("old")
    os.link(out, tmp_path / "same.json")
    assert cli.main([str(SEED), "-o", str(out), "--summary", str(tmp_path / "same.json")]) == 2
    assert "expected a file of its own for each output, found -o and --summary both" in capsys.readouterr().err
    assert out.read_text() == "old"


def test_a_pipe_in_an_input_folder_is_reported_not_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_bytes(SEED.read_bytes())
    os.mkfifo(tmp_path / "b.txt")  # never opened: a pipe waits for a writer
    assert cli.main([str(tmp_path), "-o", str(tmp_path / "out.jsonl"), "--jobs", "1"]) == 4
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{tmp_path / 'b.txt'}: error: cannot read {tmp_path / 'b.txt'}: it is a named pipe, not a file "
        "(give it by name to read it) [read-error]"
    )
    assert not (tmp_path / "out.jsonl").exists()


# ----------------------------------------------------------------------- names


def _bad_name(folder: Path) -> str:
    """A file whose name is not UTF-8 (the byte 0xff), holding the seed."""
    name = os.fsdecode(os.fsencode(str(folder)) + b"/bad\xff.txt")
    with open(name, "wb") as handle:
        handle.write(SEED.read_bytes())
    return name


@pytest.mark.parametrize("to", ["json", "jsonl", "csv", "markdown", "digest", "sqlite", "parquet"])
def test_a_file_name_that_is_not_utf8_works_in_every_format(tmp_path: Path, to: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    name = _bad_name(tmp_path)
    out = tmp_path / f"out.{to}"
    assert cli.main([name, "--to", to, "-o", str(out), "--summary", str(tmp_path / "s.json")]) == 0, (
        capsys.readouterr().err)  # fmt: skip
    shown = f"{tmp_path}/bad\\xff.txt"
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["inputs"][0]["source"] == shown
    text = out.read_text(encoding="utf-8") if to not in ("sqlite", "parquet") else ""
    if to == "json":
        assert {entry["source"] for entry in json.loads(text)} == {shown}
    elif to in ("jsonl", "csv"):
        assert text.count(shown if to == "csv" else json.dumps(shown)) == 10
    elif to == "markdown":
        assert text.startswith("# bad\\\\xff.txt\n")  # the heading: the name, its backslash escaped
    assert cli.main([str(tmp_path), "--to", to, "-o", str(tmp_path / f"folder.{to}"), "-q"]) == 0  # in a folder too


def test_control_and_bidirectional_characters_in_a_name_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page\x1b[31m\u202eevil.txt"
    page.write_bytes(SEED.read_bytes())
    for to in ("markdown", "csv"):
        assert cli.main([str(page), "--to", to]) == 0
        out, err = capsys.readouterr()
        assert "\x1b" not in out + err
        assert "\u202e" not in out + err
        written = out.replace("\\\\", "\\")  # Markdown writes a backslash escaped
        assert "page\\x1b[31m\\u202eevil.txt" in written.replace("\\[", "[")


# ------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "zlib", "idna", "punycode", "no-such-codec"])
def test_an_encoding_of_no_text_file_is_a_usage_error(encoding: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(SEED), "--encoding", encoding]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"expected a text encoding for --encoding, found {encoding!r}" in err
    assert "internal error" not in err


@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_without_a_byte_order_mark_reads_as_its_own_message_says(
    tmp_path: Path, order: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(SEED_TEXT.encode(f"utf-16-{order}"))
    assert cli.main([str(page), "--to", "jsonl"]) == 4
    said = capsys.readouterr().err
    assert f"(try --encoding utf-16-{order})" in said
    assert cli.main([str(page), "--to", "jsonl", "--encoding", f"utf-16-{order}", "-q"]) == 0
    assert capsys.readouterr().out.count("\n") == 10
    assert cli.main([str(page), "--to", "jsonl", "--encoding", "utf-16", "-q"]) == 0  # the byte order its NULs show
    assert capsys.readouterr().out.count("\n") == 10


# ----------------------------------------------------------- inputs with no entry


def test_a_file_that_gives_no_entry_is_said_and_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    (crawl / "a.txt").write_bytes(SEED.read_bytes())
    (crawl / "b.txt").write_text("Another site\n\nIts own layout, with no dates anywhere at all on the page.\n")
    (crawl / "c.txt").write_bytes(b"")
    summary = tmp_path / "s.json"
    assert cli.main([str(crawl), "-o", str(tmp_path / "out.jsonl"), "--summary", str(summary)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"{crawl / 'b.txt'}: warning: Expected entries in {crawl / 'b.txt'}, found none: its text is 1 skipped " \
           "block [no-entries]" in err  # fmt: skip
    assert (
        f"{crawl / 'c.txt'}: warning: Expected entries in {crawl / 'c.txt'}, found none: it is empty [no-entries]"
        in err
    )
    assert err[-1] == "3 files, 10 entries: 10 ok, 0 partial; 1 skipped block; 2 with no entries"
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert (report["files_without_entries"], report["diagnostics"]["no-entries"]) == (2, 2)
    assert cli.main([str(crawl), "--strict", "--allow", "skipped-text", "-q"]) == 1  # a warning, for --strict
    assert cli.main([str(crawl), "--strict", "--allow", "skipped-text,no-entries", "-q", "-o", os.devnull]) == 0


def test_a_run_in_which_no_input_gave_an_entry_exits_3_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Another site\n\nIts own layout, with no dates anywhere at all on the page.\n")
    assert cli.main([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-2] == ("digestparse: error: expected entries, found none in any of the 2 inputs; "
                                    "the output was left as it was")  # fmt: skip


# ------------------------------------------------------------------- standard error


def _noisy(tmp_path: Path, blocks: int) -> Path:
    """A page of `blocks` entries, each followed by a skipped block ("Share this:")."""
    entry = "\n".join(SEED_TEXT.split("\n")[:5]) + "\n"
    page = tmp_path / "noisy.txt"
    page.write_text("".join(entry.replace("US troops", f"US troops {n}") + "\nShare this:\n\n" for n in range(blocks)),
                    encoding="utf-8")  # fmt: skip
    return page


def test_standard_error_shows_a_screenful_then_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = _noisy(tmp_path, 300)
    assert cli.main([str(page), "-o", str(tmp_path / "o.jsonl")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == cli.SCREENFUL + 2
    assert all(line.endswith("[skipped-text]") for line in err[: cli.SCREENFUL])
    assert err[-2] == "... and 280 more diagnostics (skipped-text 280): --diagnostics FILE writes every one"


def test_with_a_diagnostics_file_standard_error_counts_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = _noisy(tmp_path, 300)
    diagnostics = tmp_path / "d.jsonl"
    argv = [str(page), str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.jsonl"), "--diagnostics", str(diagnostics)]
    assert cli.main(argv) == 4
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{tmp_path / 'nope.txt'}: error: cannot read {tmp_path / 'nope.txt'}: No such file or directory [read-error]",
        f"diagnostics: skipped-text 300; every one is in {diagnostics}",
        "digestparse: error: 1 input could not be read; the output was left as it was",
        "2 files, 300 entries: 300 ok, 0 partial; 300 skipped blocks; 1 unreadable",
    ]  # an error is always shown
    assert len(diagnostics.read_text(encoding="utf-8").splitlines()) == 301


def test_with_the_diagnostics_on_standard_output_standard_error_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _noisy(tmp_path, 30)
    assert cli.main([str(page), "-o", str(tmp_path / "o.jsonl"), "--diagnostics", "-"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 30
    assert err.splitlines() == ["diagnostics: skipped-text 30; every one is in standard output",
                                "1 file, 30 entries: 30 ok, 0 partial; 30 skipped blocks"]  # fmt: skip


def test_quiet_still_says_why_a_run_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chrome = str(SAMPLES / "valid" / "site-chrome.txt")
    assert cli.main([chrome, "--strict", "-q"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"digestparse: error: --strict failed at {chrome}:1:1 (warning, skipped-text); "
                                "the output was left as it was"]  # fmt: skip
    assert cli.main([str(tmp_path / "nope.txt"), str(SEED), "-q"]) == 4
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'nope.txt'}: error: cannot read {tmp_path / 'nope.txt'}: No such file or directory [read-error]",
        "digestparse: error: 1 input could not be read; the output was left as it was",
    ]
    assert cli.main([str(SEED), chrome, "-q", "-o", os.devnull]) == 0
    assert capsys.readouterr().err == "", "a run that succeeds says nothing"


# ------------------------------------------------------------------------ dedupe


def _sightings(tmp_path: Path) -> list[Path]:
    """Three crawls of one entry: cut off before its footer, whole, and whole again; the seed around them."""
    first = "\n".join(SEED_TEXT.split("\n")[:5]) + "\n"
    rest = "\n".join(SEED_TEXT.split("\n")[6:])
    pages = {"1-cut.txt": "\n".join(first.split("\n")[:3]) + "\n", "2-whole.txt": first + "\n" + rest,
             "3-again.txt": first}  # fmt: skip
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [tmp_path / name for name in pages]


@pytest.mark.parametrize("to", ["jsonl", "csv", "parquet"])
def test_dedupe_keeps_the_best_sighting_in_the_place_of_the_first(tmp_path: Path, to: str) -> None:
    pages = _sightings(tmp_path)
    runs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.{to}"
        heard: list[digestparse.Diagnostic] = []
        summary = digestparse.convert(
            pages, out=out, jobs=jobs, dedupe=True, part_bytes=200, on_diagnostic=heard.append
        )
        assert summary.duplicates == 2
        runs.append((out.read_bytes(), [d for d in heard if d.code == "duplicate-entry"]))
    assert runs[0] == runs[1], "the same output whatever the jobs"
    kept = digestparse.convert(pages[1:], out=tmp_path / f"kept.{to}", to=to)
    assert kept.total("entries") == 11
    dropped = runs[0][1]
    assert [(d.source, d.line) for d in dropped] == [(str(pages[1]), 1), (str(pages[2]), 1)]
    assert dropped[0].message == (
        f"Expected each entry once, found 2b47ca7762495247 again, first seen at {pages[0]}:1; kept this ok sighting "
        f"in its place, dropped the partial one at {pages[0]}:1"
    )
    assert dropped[1].message.endswith(f"dropped it, kept the sighting at {pages[1]}:1")
    if to == "jsonl":
        records = [json.loads(line) for line in runs[0][0].decode().splitlines()]
        assert (records[0]["id"], records[0]["status"], records[0]["source"]) == (
            "2b47ca7762495247",
            "ok",
            str(pages[1]),
        )
        assert len(records) == 10


def test_callbacks_get_the_diagnostic_model(tmp_path: Path) -> None:
    heard: list[object] = []
    digestparse.convert([SAMPLES / "invalid" / "missing-footer.txt", tmp_path / "nope.txt"], out=io.StringIO(),
                        on_diagnostic=heard.append)  # fmt: skip
    assert all(isinstance(found, digestparse.Diagnostic) for found in heard)
    missing, unreadable = heard
    assert isinstance(missing, digestparse.Diagnostic)
    assert isinstance(unreadable, digestparse.Diagnostic)
    assert (missing.code, missing.line, missing.column) == ("missing-footer", 9, 105)
    assert (unreadable.code, unreadable.line, unreadable.column) == ("read-error", None, None)


def test_a_new_output_gets_the_mode_a_new_file_gets_and_a_replaced_one_keeps_its_own(tmp_path: Path) -> None:
    for to in ("jsonl", "parquet"):
        out = tmp_path / f"news.{to}"
        digestparse.convert([SEED], out=out, to=to)
        assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_umask()
        out.chmod(0o600)
        digestparse.convert([SEED], out=out, to=to)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("to", ["json", "db", "parquet"])
def test_an_output_through_a_symbolic_link_writes_its_target(tmp_path: Path, to: str) -> None:
    (tmp_path / "store").mkdir()
    target, link = tmp_path / "store" / f"2026-12.{to}", tmp_path / f"latest.{to}"
    link.symlink_to(target)  # dangling: the first run makes the file it names
    for _ in range(2):
        summary = digestparse.convert([SEED], out=link)
        assert summary.exit_status == 0
        assert link.is_symlink()
        assert link.resolve() == target
    assert sorted(path.name for path in (tmp_path / "store").iterdir()) == [target.name]
    assert sorted(path.name for path in tmp_path.iterdir()) == [link.name, "store"]
    if to == "json":
        assert len(json.loads(target.read_text(encoding="utf-8"))) == 10


def test_a_failed_run_into_a_new_database_leaves_no_file(tmp_path: Path) -> None:
    news = tmp_path / "news.db"
    summary = digestparse.convert([SEED, tmp_path / "nope.txt"], out=news)
    assert summary.exit_status == 4
    assert sorted(os.listdir(tmp_path)) == []
