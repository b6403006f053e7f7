"""The command line, as a user meets it: formats, flags, files, exit statuses."""

from __future__ import annotations

import gc
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import digestparse
from digestparse import cli, export
from digestparse.codes import CODES

from .conftest import ROOT, SAMPLES, SEED

GOLDEN = ROOT / "tests" / "golden"
SEED_ARG = "samples/valid/seed.txt"


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.parametrize(("fmt", "golden"), [("json", "seed.json"), ("jsonl", "seed.jsonl"), ("csv", "seed.csv"),
                                             ("markdown", "seed.md"), ("digest", "seed.txt")])  # fmt: skip
def test_every_format_on_the_seed(capsys: pytest.CaptureFixture[str], fmt: str, golden: str) -> None:
    assert cli.main([SEED_ARG, "--to", fmt]) == 0
    out, err = capsys.readouterr()
    assert out == (GOLDEN / golden).read_bytes().decode("utf-8")
    assert err == "1 file, 10 entries: 10 ok, 0 partial; 0 skipped blocks\n"


def test_json_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([SEED_ARG]) == 0
    assert capsys.readouterr().out == (GOLDEN / "seed.json").read_bytes().decode("utf-8")


@pytest.mark.parametrize(("name", "golden"), [("out.json", "seed.json"), ("out.jsonl", "seed.jsonl"),
                                              ("out.csv", "seed.csv"), ("out.md", "seed.md"),
                                              ("out", "seed.json"), ("OUT.JSONL", "seed.jsonl")])  # fmt: skip
def test_output_format_follows_the_extension(tmp_path: Path, name: str, golden: str) -> None:
    target = tmp_path / name
    assert cli.main([SEED_ARG, "-o", str(target), "-q"]) == 0
    assert target.read_bytes() == (GOLDEN / golden).read_bytes()
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


@pytest.mark.parametrize("name", ["out.tsv", "news.xlsx", "page.htm"])
def test_an_extension_that_names_no_format_is_a_usage_error(tmp_path: Path, name: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert cli.main([SEED_ARG, "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert f"expected an output name ending in a known extension, found {str(tmp_path / name)!r}" in err
    assert ".jsonl (jsonl)" in err
    assert ".parquet (parquet)" in err
    assert "--to" in err
    assert os.listdir(tmp_path) == []
    assert cli.main([SEED_ARG, "-o", str(tmp_path / name), "--to", "csv", "-q"]) == 0  # --to names it
    assert (tmp_path / name).read_bytes() == (GOLDEN / "seed.csv").read_bytes()


def test_to_overrides_the_extension(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    assert cli.main([SEED_ARG, "-o", str(target), "--to", "csv", "-q"]) == 0
    assert target.read_bytes() == (GOLDEN / "seed.csv").read_bytes()


def test_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, SEED.read_bytes())
    assert cli.main(["--to", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    assert json.loads(lines[0])["source"] == "<stdin>"


def test_several_files_and_stdin_make_one_output(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    _stdin(monkeypatch, (SAMPLES / "valid" / "credits.txt").read_bytes())
    assert cli.main([SEED_ARG, "-", "samples/valid/byline-one.txt", "--to", "jsonl"]) == 0
    out, err = capsys.readouterr()
    sources = [json.loads(line)["source"] for line in out.splitlines()]
    assert sources == [SEED_ARG] * 10 + ["<stdin>"] * 2 + ["samples/valid/byline-one.txt"]
    assert err.endswith("3 files, 13 entries: 13 ok, 0 partial; 0 skipped blocks\n")


def test_a_directory_means_its_txt_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "b" / "c.txt").write_bytes((SAMPLES / "valid" / "credits.txt").read_bytes())
    (tmp_path / "notes.md").write_text("not a digest")
    assert cli.main([str(tmp_path), "--to", "jsonl", "-q"]) == 0
    sources = [json.loads(line)["source"] for line in capsys.readouterr().out.splitlines()]
    assert sources == [str(tmp_path / "a.txt")] * 10 + [str(tmp_path / "b" / "c.txt")] * 2


def test_an_empty_directory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(tmp_path)]) == 2
    assert "found none" in capsys.readouterr().err


def parse_rejects(text: str) -> list[tuple[str, int, int, str]]:
    """Read a --rejects file back: (source, first line, last line, verbatim text) of each block."""
    header = re.compile(r"==> (?P<source>.*) lines? (?P<first>[0-9]+)(?:-(?P<last>[0-9]+))? <==")
    lines = text.split("\n")
    blocks = []
    at = 0
    while at < len(lines) - 1:
        found = header.fullmatch(lines[at])
        assert found is not None, f"line {at + 1} of the rejects file is no header: {lines[at]!r}"
        first = int(found["first"])
        last = int(found["last"] or first)
        body = lines[at + 1 : at + 2 + last - first]
        blocks.append((found["source"], first, last, "\n".join(body)))
        at += 2 + last - first
        assert lines[at] == "", "a blank line ends each block"
        at += 1
    return blocks


def test_diagnostics_and_rejects_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    diagnostics, rejects = tmp_path / "d.jsonl", tmp_path / "r.txt"
    sample = "samples/valid/site-chrome.txt"
    assert cli.main([sample, "--diagnostics", str(diagnostics), "--rejects", str(rejects), "--to", "csv"]) == 0
    records = [json.loads(line) for line in diagnostics.read_text(encoding="utf-8").splitlines()]
    assert [(r["code"], r["line"], r["end_line"]) for r in records] == [
        ("skipped-text", 1, 4), ("skipped-text", 12, 14), ("skipped-text", 22, 23)]  # fmt: skip
    assert list(records[0]) == ["code", "severity", "message", "source", "line", "column", "end_line", "text"]
    assert rejects.read_text(encoding="utf-8") == (
        f"==> {sample} lines 1-4 <==\nHome | News | Analysis | About Us\nSearch this site\n\nIraq\n\n"
        f"==> {sample} lines 12-14 <==\nShare this:\n\nTwitter Facebook\n\n"
        f"==> {sample} lines 22-23 <==\nLoad More Posts\n1 2 3 … 48 Next »\n\n"
    )
    # Every diagnostic is in the file: standard error counts them, and says where they are.
    assert capsys.readouterr().err.splitlines() == [
        f"diagnostics: skipped-text 3; every one is in {diagnostics}",
        "1 file, 2 entries: 2 ok, 0 partial; 3 skipped blocks",
    ]


def test_rejects_read_back_block_by_block_across_inputs(tmp_path: Path) -> None:
    # Blocks that hold blank lines, a one-line block, two inputs: each block reads back whole, with its place.
    rejects, diagnostics = tmp_path / "r.txt", tmp_path / "d.jsonl"
    inputs = [
        "samples/valid/site-chrome.txt",
        "samples/invalid/junk-between-entries.txt",
        "samples/invalid/footer-at-start.txt",
    ]
    assert cli.main([*inputs, "-o", str(tmp_path / "o.json"), "--rejects", str(rejects),
                     "--diagnostics", str(diagnostics), "-q"]) == 0  # fmt: skip
    records = [json.loads(line) for line in diagnostics.read_text(encoding="utf-8").splitlines()]
    expected = [(r["source"], r["line"], r["end_line"], r["text"]) for r in records if r["code"] == "skipped-text"]
    assert len({source for source, *_ in expected}) == 3
    assert any(first == last for _, first, last, _ in expected)
    assert parse_rejects(rejects.read_text(encoding="utf-8")) == expected


def test_stderr_diagnostic_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["samples/invalid/missing-footer.txt", "--to", "jsonl"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("samples/invalid/missing-footer.txt:9:")
    assert err[0].endswith(" [missing-footer]")
    assert ": warning: Expected a footer line like " in err[0]
    assert err[0].endswith("after line 9, found the next headline at line 11 [missing-footer]")
    assert err[1] == "1 file, 3 entries: 2 ok, 1 partial; 0 skipped blocks"


def test_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["samples/invalid/missing-footer.txt", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert list(schema["properties"]) == list(export.FIELDS)
    assert schema["properties"]["dateline"]["anyOf"][0]["format"] == "date"


def test_exit_3_when_non_empty_input_has_no_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["samples/invalid/not-a-digest-html.txt"]) == 3
    out, err = capsys.readouterr()
    assert out == "", "no entry: nothing is written, not even []"
    assert "0 entries" in err


def test_empty_input_is_success(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, b"")
    assert cli.main([]) == 0
    assert capsys.readouterr().out == "[]\n"


def test_exit_4_for_undecodable_and_missing_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["samples/invalid/not-utf8.txt"]) == 4
    out, err = capsys.readouterr()
    assert "samples/invalid/not-utf8.txt:3:33: error: Expected utf-8 text, found the byte 0xe9" in err
    assert out == ""
    assert cli.main([SEED_ARG, "no/such/file.txt"]) == 4
    out, err = capsys.readouterr()
    assert out == "", "a failed run writes nothing to standard output"
    assert err.splitlines()[0] == (
        "no/such/file.txt: error: cannot read no/such/file.txt: No such file or directory [read-error]"
    )
    assert err.splitlines()[-1] == "2 files, 10 entries: 10 ok, 0 partial; 0 skipped blocks; 1 unreadable"


def test_a_read_error_in_the_diagnostics_file_has_no_made_up_position(tmp_path: Path) -> None:
    diagnostics = tmp_path / "d.jsonl"
    assert cli.main(["nope.txt", "--diagnostics", str(diagnostics), "-q"]) == 4
    [record] = [json.loads(line) for line in diagnostics.read_text(encoding="utf-8").splitlines()]
    assert record == {"code": "read-error", "severity": "error", "message": "cannot read nope.txt: No such file or "
                      "directory", "source": "nope.txt", "line": None, "column": None, "end_line": None}  # fmt: skip


def test_encoding_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(SEED.read_text(encoding="utf-8").encode("utf-16"))
    assert cli.main([str(path), "--encoding", "utf-16", "--to", "jsonl", "-q"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 10
    assert cli.main([str(path), "--encoding", "no-such-codec"]) == 2


def test_exit_1_for_strict_failure(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["samples/invalid/missing-footer.txt", "--strict", "--to", "jsonl"]) == 1
    assert ":9:" in capsys.readouterr().err
    assert cli.main([SEED_ARG, "--strict", "-q"]) == 0


@pytest.mark.parametrize("argv", [["--to", "xml"], ["--bogus"], [SEED_ARG, "-o", "no/such/dir/out.json"]])
def test_exit_2_for_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_a_failed_run_leaves_the_previous_output(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous")
    assert cli.main([SEED_ARG, "samples/invalid/missing-footer.txt", "--strict", "-o", str(target), "-q"]) == 1
    assert target.read_text() == "previous"
    assert cli.main([SEED_ARG, "samples/invalid/not-utf8.txt", "-o", str(target), "-q"]) == 4
    assert target.read_text() == "previous"
    assert sorted(os.listdir(tmp_path)) == ["out.json"]


def test_a_crash_half_way_leaves_no_half_written_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    rendered = []

    def explode(document: export.Document, entry: object) -> str:
        # A fault of digestparse itself at the third entry, after two were written.
        rendered.append(entry)
        if len(rendered) == 3:
            raise RuntimeError("disk on fire")
        return "{}"

    monkeypatch.setattr(export.JsonDocument, "render", explode)
    target = tmp_path / "out.json"
    assert cli.main([SEED_ARG, "-o", str(target), "-q"]) == 70
    assert not target.exists()
    assert os.listdir(tmp_path) == []
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: disk on fire" in err
    assert "Traceback" not in err


def test_control_characters_never_reach_the_terminal(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    _stdin(monkeypatch, b"\x1b[2J\x1b]0;owned\x07 junk\n")
    assert cli.main([]) == 3
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\x07" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("digestparse ")


def _run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "digestparse", *args], input=stdin, capture_output=True,
                          cwd=ROOT, check=False, timeout=60)  # fmt: skip


def test_real_process_smoke() -> None:
    done = _run(SEED_ARG, "--to", "jsonl")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 10
    assert done.stderr.endswith(b"10 entries: 10 ok, 0 partial; 0 skipped blocks\n")


def test_broken_pipe_ends_quietly() -> None:
    big = SEED.read_bytes() * 200
    command = f"{sys.executable} -m digestparse --to jsonl | head -c 100"
    done = subprocess.run(command, shell=True, input=big, capture_output=True, cwd=ROOT, check=False, timeout=60)  # noqa: S602 - a pipe is the point
    assert done.returncode == 0
    assert len(done.stdout) == 100
    assert b"Traceback" not in done.stderr
    assert b"BrokenPipe" not in done.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_for_long_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    for n in range(cli.PROGRESS_MIN_FILES):
        (tmp_path / f"{n:02d}.txt").write_bytes(SEED.read_bytes())
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main([str(tmp_path), "--to", "jsonl"]) == 0
    assert "digestparse:" in terminal.getvalue()
    assert "%|" in terminal.getvalue()
    assert len(capsys.readouterr().out.splitlines()) == 10 * cli.PROGRESS_MIN_FILES

    few = _Terminal()
    monkeypatch.setattr(sys, "stderr", few)
    assert cli.main([SEED_ARG, "--to", "jsonl"]) == 0
    assert "%|" not in few.getvalue()


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(cli.PROGRESS_MIN_FILES):
        (tmp_path / f"{n:02d}.txt").write_bytes(SEED.read_bytes())
    assert cli.main([str(tmp_path), "--to", "jsonl"]) == 0
    assert (
        capsys.readouterr().err == f"{cli.PROGRESS_MIN_FILES} files, 200 entries: 200 ok, 0 partial; 0 skipped blocks\n"
    )


def test_no_formula_guard_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "formula.txt"
    path.write_text('=HYPERLINK("x")\n\nCaption. (AP) April 3, 2020 Text\n\nBy |April 3rd, 2020|x|\n', encoding="utf-8")
    assert cli.main([str(path), "--to", "csv", "-q"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split(",", 1)[1].startswith("\"'=HYPERLINK")
    assert cli.main([str(path), "--to", "csv", "-q", "--no-formula-guard"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split(",", 1)[1].startswith('"=HYPERLINK')


def test_debug_lets_an_internal_error_show_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(document: export.Document, entry: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export.JsonDocument, "render", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        cli.main([SEED_ARG, "--debug", "-q"])


def test_side_outputs_on_stdout_when_the_entries_go_to_a_file(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    target = tmp_path / "out.jsonl"
    assert cli.main(["samples/valid/site-chrome.txt", "-o", str(target), "--diagnostics", "-", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["skipped-text"] * 3
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2
    assert cli.main(["samples/valid/site-chrome.txt", "-o", str(target), "--rejects", "-", "-q"]) == 0
    assert capsys.readouterr().out.startswith("==> samples/valid/site-chrome.txt lines 1-4 <==\nHome | News")
    assert not (ROOT / "-").exists()


@pytest.mark.parametrize("argv", [["--diagnostics", "-"], ["-o", "x.json", "--diagnostics", "-", "--rejects", "-"]])
def test_only_one_output_may_use_stdout(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([SEED_ARG, *argv]) == 2
    assert "expected one output on standard output" in capsys.readouterr().err


def test_the_command_freezes_what_it_imported_and_a_caller_keeps_its_collector(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gc.unfreeze()
    monkeypatch.setattr(sys, "argv", ["digestparse", str(SEED), "--to", "jsonl", "-q"])
    try:
        assert cli.main([str(SEED), "--to", "jsonl", "-q"]) == 0
        assert gc.get_freeze_count() == 0, "main(argv) is a caller's: its collector stays as it was"
        called = capsys.readouterr().out
        assert cli.main() == 0
        assert gc.get_freeze_count() > 0, "main() is the process's own command"
    finally:
        gc.unfreeze()
    assert capsys.readouterr().out == called
    assert called.count("\n") == 10


# ------------------------------------------------------------ outputs and inputs


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("flag", ["-o", "--diagnostics", "--rejects", "--summary"])
@pytest.mark.parametrize("how", ["the same path", "another spelling", "a symlink", "a hard link"])
def test_no_output_is_ever_written_onto_an_input(tmp_path: Path, flag: str, how: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    page = tmp_path / "page.txt"
    page.write_bytes(SEED.read_bytes())
    if how == "a symlink":
        target = tmp_path / "link.json"
        target.symlink_to(page)
    elif how == "a hard link":
        target = tmp_path / "copy.json"
        os.link(page, target)
    else:
        target = page if how == "the same path" else tmp_path / "." / "page.txt"
    before = _tree(tmp_path)
    others = [] if flag == "-o" else ["-o", str(tmp_path / "out.json")]
    assert cli.main([str(page), flag, str(target), *others]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"expected {flag} to be a file other than the inputs, found {str(target)!r}" in err
    if how in ("a symlink", "a hard link"):
        assert f"(the same file as the input {str(page)!r})" in err
    assert _tree(tmp_path) == before, "nothing was written or truncated"


def test_no_output_inside_an_input_folder_where_it_would_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "a.txt").write_bytes(SEED.read_bytes())
    before = _tree(tmp_path)
    for target in (folder / "a.txt", folder / "new.TXT", folder / "deeper" / ".." / "all.txt"):
        assert cli.main([str(folder), "-o", str(target), "--to", "digest"]) == 2
        assert "input" in capsys.readouterr().err
    assert _tree(tmp_path) == before
    assert cli.main([str(folder), "-o", str(folder / "out.json"), "-q"]) == 0  # not a digest name: allowed
    assert json.loads((folder / "out.json").read_text(encoding="utf-8"))[0]["source"] == str(folder / "a.txt")


def test_no_output_anywhere_under_an_input_folder_however_it_is_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A crawl keeps its pages in dated subfolders: the folder given holds no .txt file of its own.
    crawl = tmp_path / "crawl"
    (crawl / "2026-11-01").mkdir(parents=True)
    (crawl / "2026-11-01" / "page-1.txt").write_bytes(SEED.read_bytes())
    (crawl / "2026-11-15").mkdir()  # next week's folder, still empty
    (tmp_path / "link").symlink_to(crawl)
    (tmp_path / "latest.json").symlink_to(crawl / "2026-11-15" / "page-2.txt")  # a link that names a page there
    before = _tree(tmp_path)
    for target in (crawl / "all.txt", crawl / "2026-11-15" / "page-1.txt", tmp_path / "link" / "all.txt",
                   tmp_path / "latest.json"):  # fmt: skip
        assert cli.main([str(crawl), "-o", str(target), "--to", "digest"]) == 2, target
        assert "outside the input folders" in capsys.readouterr().err
    assert _tree(tmp_path) == before


def test_two_outputs_may_not_be_the_same_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = str(tmp_path / "out.json")
    assert cli.main([SEED_ARG, "-o", target, "--summary", target]) == 2
    assert "found -o and --summary both" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------- --strict and --allow


def test_strict_with_allow_accepts_site_chrome_and_still_reports_it(capsys: pytest.CaptureFixture[str]) -> None:
    chrome = "samples/valid/site-chrome.txt"
    assert cli.main([chrome, "--strict", "--to", "jsonl"]) == 1
    assert capsys.readouterr().out == ""
    assert cli.main([chrome, "--strict", "--allow", "skipped-text", "--to", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert err.count("[skipped-text]") == 3, "allowed diagnostics are still reported"


def test_allow_still_fails_on_a_broken_entry(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["samples/valid/site-chrome.txt", "samples/invalid/missing-footer.txt", "--strict", "--to", "jsonl"]
    assert cli.main([*argv, "--allow", "skipped-text"]) == 1
    out, err = capsys.readouterr()
    assert out == "", "a failed --strict run writes nothing to standard output"
    assert "missing-footer.txt:9:105: warning: Expected a footer line" in err
    assert err.splitlines()[-2] == (
        "digestparse: error: --strict failed at samples/invalid/missing-footer.txt:9:105 (warning, missing-footer); "
        "the output was left as it was"
    )
    assert cli.main([*argv, "--allow", "skipped-text,unusual-ordinal", "--allow", "missing-footer"]) == 0


def test_allow_names_known_codes_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([SEED_ARG, "--strict", "--allow", "skipped-text,no-such-code"]) == 2
    err = capsys.readouterr().err
    assert "expected diagnostic codes for --allow, found 'no-such-code'" in err
    for code in CODES:
        assert code in err


def test_a_failed_strict_run_writes_nothing_to_stdout_even_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["samples/invalid/missing-footer.txt", "--strict"]) == 1
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------- errors


def test_an_output_that_cannot_be_created_is_exit_5_naming_the_users_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([SEED_ARG, "-o", "/proc/x.json"]) == cli.EXIT_UNWRITABLE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("digestparse: error: cannot write /proc/x.json (-o): ")
    assert ".tmp" not in err
    assert "internal error" not in err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, a device whose every write fails")
@pytest.mark.parametrize("flag", ["-o", "--diagnostics", "--summary"])
def test_a_full_disk_is_exit_5_and_says_so(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    others = ["-o", "/dev/null"] if flag != "-o" else []
    assert cli.main(["samples/valid/site-chrome.txt", flag, "/dev/full", *others]) == cli.EXIT_UNWRITABLE
    err = capsys.readouterr().err
    assert f"digestparse: error: cannot write /dev/full ({flag}): No space left on device" in err
    assert "internal error" not in err


def test_a_device_is_written_to_not_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([SEED_ARG, "-o", os.devnull, "-q"]) == 0
    assert Path(os.devnull).is_char_device()
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("where", ["in the folder", "below the folder"])
def test_a_folder_without_permission_is_exit_5(where: str) -> None:
    # As root, permissions do not bind: the command then runs as the user "nobody",
    # in a folder of /tmp that every user may reach.
    with tempfile.TemporaryDirectory() as base:
        os.chmod(base, 0o755)  # noqa: S103 - the user "nobody" must reach the folder inside
        folder = Path(base) / "read-only"
        folder.mkdir(mode=0o555 if where == "in the folder" else 0o700)
        target = folder / "out.json" if where == "in the folder" else folder / "inner" / "out.json"
        command = [sys.executable, "-m", "digestparse", str(SEED), "-o", str(target)]
        if os.geteuid() == 0:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=60,
                              env={**os.environ, "XDG_CACHE_HOME": str(folder)})  # fmt: skip
        assert done.returncode == cli.EXIT_UNWRITABLE, done.stderr
        assert done.stderr == f"digestparse: error: cannot write {target} (-o): Permission denied\n"
        assert done.stdout == ""
        assert os.listdir(folder) == []


class _TerminalInput(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def test_reading_a_terminal_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", _TerminalInput(io.BytesIO(SEED.read_bytes()), encoding="utf-8"))
    assert cli.main(["--to", "jsonl"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("digestparse: reading a digest from standard input; end it with Ctrl-D")
    assert "digestparse --help" in err.splitlines()[0]
    _stdin(monkeypatch, SEED.read_bytes())  # not a terminal: nothing to say
    assert cli.main(["--to", "jsonl"]) == 0
    assert "reading a digest" not in capsys.readouterr().err


# --------------------------------------------------------------- directories


def test_a_directory_contributes_txt_files_in_any_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "b.TXT").write_bytes((SAMPLES / "valid" / "credits.txt").read_bytes())
    (tmp_path / "c.Txt.bak").write_bytes(SEED.read_bytes())
    assert cli.main([str(tmp_path), "--to", "jsonl", "-q"]) == 0
    sources = [json.loads(line)["source"] for line in capsys.readouterr().out.splitlines()]
    assert sources == [str(tmp_path / "a.txt")] * 10 + [str(tmp_path / "b.TXT")] * 2


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_link_in_a_directory_is_reported_as_unreadable_not_left_out(
    tmp_path: Path, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "b.txt").symlink_to(tmp_path / "moved-away.txt")
    out = tmp_path / "out.jsonl"
    summary = tmp_path / "summary.json"
    code = cli.main([str(tmp_path), "-o", str(out), "--summary", str(summary), "--jobs", jobs])
    assert code == 4  # as for any input that cannot be read: the output is not written
    assert not out.exists()
    link = tmp_path / "b.txt"
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{link}: error: cannot read {link}: No such file or directory (a symbolic link to "
        f"{str(tmp_path / 'moved-away.txt')!r}, which does not exist) [read-error]"
    )
    inputs = json.loads(summary.read_text())["inputs"]
    assert [(one["source"], one["entries"], (one["error"] or {}).get("code")) for one in inputs] == [
        (str(tmp_path / "a.txt"), 10, None),
        (str(link), 0, "read-error"),
    ]


def test_help_says_which_files_a_directory_contributes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "a directory means every file under it whose name ends in .txt (in any case: .TXT too)" in text


# ------------------------------------------------------------------ Markdown


def test_markdown_of_several_inputs_has_a_heading_for_each(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    from markdown_it import MarkdownIt

    _stdin(monkeypatch, (SAMPLES / "valid" / "byline-one.txt").read_bytes())
    assert cli.main([SEED_ARG, "samples/valid/credits.txt", "-", "--to", "markdown", "-q"]) == 0
    html = MarkdownIt("commonmark").render(capsys.readouterr().out)
    headings = re.findall(r"<(h[12])>(.*?)</h[12]>", html)
    tops = [text for tag, text in headings if tag == "h1"]
    assert tops == [SEED_ARG, "samples/valid/credits.txt", "&lt;stdin&gt;"]
    order = [tag for tag, _ in headings]
    assert order == ["h1", *["h2"] * 10, "h1", "h2", "h2", "h1", "h2"]


# ------------------------------------------------------------------- summary


def test_summary_describes_the_run(tmp_path: Path) -> None:
    summary = tmp_path / "run.json"
    inputs = [SEED_ARG, "samples/valid/site-chrome.txt", "samples/invalid/missing-footer.txt"]
    assert cli.main([*inputs, "-o", str(tmp_path / "out.csv"), "--summary", str(summary), "-q"]) == 0
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert report == {
        "digestparse": digestparse.__version__, "exit_status": 0, "format": "csv", "output": str(tmp_path / "out.csv"),
        "files": 3, "entries": 15, "ok": 14, "partial": 1, "skipped_blocks": 3, "files_without_entries": 0,
        "duplicates_dropped": 0,
        "diagnostics": {"missing-footer": 1, "skipped-text": 3},
        "inputs": [
            {"source": SEED_ARG, "entries": 10, "ok": 10, "partial": 0, "skipped_blocks": 0, "error": None},
            {"source": inputs[1], "entries": 2, "ok": 2, "partial": 0, "skipped_blocks": 3, "error": None},
            {"source": inputs[2], "entries": 3, "ok": 2, "partial": 1, "skipped_blocks": 0, "error": None},
        ],
    }  # fmt: skip


def test_summary_is_written_for_failed_runs_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "run.json"
    assert cli.main([SEED_ARG, "nope.txt", "--summary", str(summary), "-q"]) == 4
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert (report["exit_status"], report["entries"], report["diagnostics"]) == (4, 10, {"read-error": 1})
    assert report["inputs"][1]["error"] == {"code": "read-error",
                                            "message": "cannot read nope.txt: No such file or directory"}  # fmt: skip
    assert cli.main(["samples/invalid/missing-footer.txt", "--strict", "--summary", str(summary), "-q"]) == 1
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert (report["exit_status"], report["inputs"][0]["error"]["code"]) == (1, "missing-footer")
    assert capsys.readouterr().out == ""


def test_summary_on_stdout_when_the_entries_go_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([SEED_ARG, "-o", str(tmp_path / "out.jsonl"), "--summary", "-", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 10


# ------------------------------------------------------------------- schema


def test_schema_names_its_draft_and_itself_and_validates_the_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    assert cli.main(["--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:digestparse:entry"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert cli.main(["samples/valid/site-chrome.txt", "samples/invalid/footer-ordinal-wrong.txt",
                     "samples/invalid/missing-footer.txt", "--to", "json", "-q"]) == 0  # fmt: skip
    entries = json.loads(capsys.readouterr().out)
    assert any(entry["issues"] for entry in entries)
    for entry in entries:
        validator.validate(entry)
    broken = {**entries[0], "dateline": "April 3"}
    assert not validator.is_valid(broken)
