"""The command line, as a user meets it: formats, flags, files, exit statuses."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digestparse import cli, export

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
                                              ("out.unknown", "seed.json")])  # fmt: skip
def test_output_format_follows_the_extension(tmp_path: Path, name: str, golden: str) -> None:
    target = tmp_path / name
    assert cli.main([SEED_ARG, "-o", str(target), "-q"]) == 0
    assert target.read_bytes() == (GOLDEN / golden).read_bytes()
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


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


def test_diagnostics_and_rejects_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    diagnostics, rejects = tmp_path / "d.jsonl", tmp_path / "r.txt"
    sample = "samples/valid/site-chrome.txt"
    assert cli.main([sample, "--diagnostics", str(diagnostics), "--rejects", str(rejects), "--to", "csv"]) == 0
    records = [json.loads(line) for line in diagnostics.read_text(encoding="utf-8").splitlines()]
    assert [(r["code"], r["line"], r["end_line"]) for r in records] == [
        ("skipped-text", 1, 4), ("skipped-text", 12, 14), ("skipped-text", 22, 23)]  # fmt: skip
    assert list(records[0]) == ["code", "severity", "message", "source", "line", "column", "end_line", "text"]
    assert rejects.read_text(encoding="utf-8") == (
        "Home | News | Analysis | About Us\nSearch this site\n\nIraq\n\n"
        "Share this:\n\nTwitter Facebook\n\nLoad More Posts\n1 2 3 … 48 Next »\n\n"
    )
    err = capsys.readouterr().err
    assert f"{sample}:1:1: warning: Expected a headline, a body and a footer;" in err
    assert err.splitlines()[-1] == "1 file, 2 entries: 2 ok, 0 partial; 3 skipped blocks"


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
    assert out == "[]\n"
    assert "0 entries" in err


def test_empty_input_is_success(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, b"")
    assert cli.main([]) == 0
    assert capsys.readouterr().out == "[]\n"


def test_exit_4_for_undecodable_and_missing_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["samples/invalid/not-utf8.txt"]) == 4
    assert "samples/invalid/not-utf8.txt:3:33: error: Expected utf-8 text" in capsys.readouterr().err
    assert cli.main(["no/such/file.txt"]) == 4
    assert "no/such/file.txt:1:1: error: Expected a readable file" in capsys.readouterr().err


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
    def explode(entries: object) -> object:
        yield "[partial"
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export, "iter_json", explode)
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
    assert capsys.readouterr().out.splitlines()[1].startswith("\"'=HYPERLINK")
    assert cli.main([str(path), "--to", "csv", "-q", "--no-formula-guard"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith('"=HYPERLINK')


def test_debug_lets_an_internal_error_show_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(entries: object) -> object:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export, "iter_json", explode)
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
    assert capsys.readouterr().out.startswith("Home | News")
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
