"""One input on every core: cut where the grouping allows, read in parts, the same bytes whatever the cuts.

`lines.cut_points` says where an input may be cut; parts.py cuts files (and
standard input) there, workers parse and render their parts, and the main
process puts them in order. These tests hold every cut to the grouping's
answer, and the output of 2 and 3 processes, cut into parts of every size, to
the output of one.
"""

from __future__ import annotations

import io
import itertools
import os
import signal
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import digestparse
from digestparse import cli, conversion, lines, parser, parts, reader

from .conftest import SAMPLES, SEED
from .processes import AS_A_TERMINAL_JOB, children, signals
from .strategies import JUNK, broken_documents, documents, hostile_text

# ------------------------------------------------------------------ cut points

FOOTER = "By |April 3rd, 2020|x|\n"


def _halves_read_apart(text: str) -> list[int]:
    """The lines where `text` may be cut, each checked: its halves grouped apart give the whole's events."""
    numbered = list(reader.lines_of_text(text))
    whole = list(parser.events(numbered, "s"))
    cuts = [line.number for line in lines.cut_points(numbered)]
    for number in cuts:
        at = number - numbered[0].number
        apart = [*parser.events(numbered[:at], "s"), *parser.events(numbered[at:], "s", sniff=False)]
        assert apart == whole, f"cutting before line {number} changed the result"
    return cuts


@given(broken_documents())
def test_a_cut_never_changes_what_a_broken_digest_gives(document: tuple[str, int, str]) -> None:
    _halves_read_apart(document[0])


@given(documents(), st.data())
def test_a_cut_never_changes_what_junk_and_repeated_footers_give(document: tuple[str, object],
                                                                  data: st.DataObject) -> None:  # fmt: skip
    text = document[0]
    lines_of = text.split("\n")
    for _ in range(data.draw(st.integers(0, 6))):
        at = data.draw(st.integers(0, len(lines_of)))
        lines_of.insert(
            at, data.draw(st.one_of(JUNK, st.sampled_from(["By |April 3rd, 2020|x|", "", "April 3, 2020"])))
        )
    _halves_read_apart("\n".join(lines_of))


@given(hostile_text())
def test_a_cut_never_changes_what_any_text_gives(text: str) -> None:
    _halves_read_apart(text)


def test_every_sample_has_cut_points_that_change_nothing() -> None:
    found = 0
    for path in sorted(SAMPLES.glob("*/*.txt")):
        text = path.read_bytes().decode("utf-8", "replace")
        found += len(_halves_read_apart(text))
    assert found > 30


def test_a_cut_is_before_text_after_a_footer_and_nowhere_else() -> None:
    text = (
        f"Headline\n\nBody. (AP) April 3, 2020 x\n\n{FOOTER}\n{FOOTER}\nShare this:\n\n"
        "Next headline\n\nApril 4, 2020 y\n\nBy |April 4th, 2020|y|\n\nApril 5, 2020 late body\n"
    )
    assert _halves_read_apart(text) == [9]  # not before the repeated footer, nor before the late body


# --------------------------------------------------------------- same bytes


AWKWARD = {
    "a repeated footer": f"Repeated\n\nCaption. (AP) April 3, 2020 x [...]\n\n{FOOTER}\n{FOOTER}",
    "a late body": f"Late\n\n{FOOTER}\nCaption. (AP) April 3, 2020 late [...]\n\n{FOOTER}",
    "skipped text": "Share this:\n\nTwitter Facebook\n\n1 2 3 Next\n",
    "a missing footer": "No footer\n\nCaption. (AP) April 3, 2020 gone [...]\n",
    "a footer alone": FOOTER,
    "a two-paragraph body": f"Two\n\nA photo of the minister arriving. (AFP)\n\nApril 3, 2020 more [...]\n\n{FOOTER}",
}


def _corpus(tmp_path: Path, name: str, *, newline: str = "\n", bom: bool = False, cut_off: bool = True) -> Path:
    """A digest of the seed's entries with every awkward shape between them, ending in a cut-off entry."""
    seed = SEED.read_text(encoding="utf-8")
    blocks = [seed, *itertools.chain.from_iterable([shape, seed] for shape in AWKWARD.values())] * 3
    text = "\n".join(blocks)
    if cut_off:
        text += "\nCut off\n\nTankers wait at the Basra Oil Terminal. (REUTERS) Se"
    data = ("\ufeff" if bom else "") + text.replace("\n", newline)
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8"))
    return path


def _convert(inputs: list[Path], jobs: int, part_bytes: int, to: str = "jsonl") -> tuple[str, list[object], object]:
    out = io.StringIO()
    messages: list[object] = []
    summary = digestparse.convert(inputs, to=to, out=out, jobs=jobs, part_bytes=part_bytes,
                                  on_diagnostic=messages.append)  # fmt: skip
    counts = [one.as_json() for one in summary.inputs], dict(summary.codes)
    return out.getvalue(), messages, counts


@pytest.mark.parametrize("to", ["jsonl", "json", "csv", "markdown", "digest"])
@pytest.mark.parametrize(
    ("newline", "bom"), [("\n", False), ("\r\n", True), ("\r", False)], ids=["lf", "crlf-bom", "cr"]
)
def test_any_cut_gives_the_same_bytes(tmp_path: Path, to: str, newline: str, bom: bool) -> None:
    corpus = _corpus(tmp_path, "a.txt", newline=newline, bom=bom)
    inputs = [corpus, SEED, _corpus(tmp_path, "b.txt", cut_off=False)]
    one = _convert(inputs, jobs=1, part_bytes=parts.PART_BYTES, to=to)
    assert one[0].count("Tankers wait") == 1  # the cut-off entry, as an entry
    for jobs, part_bytes in [(2, 150), (3, 700), (2, 3000), (3, 1 << 20)]:
        assert _convert(inputs, jobs=jobs, part_bytes=part_bytes, to=to) == one, (jobs, part_bytes)


def test_the_files_are_really_cut(tmp_path: Path) -> None:
    path = _corpus(tmp_path, "a.txt")
    ranges = parts.file_ranges(str(path), 700)
    assert len(ranges) > 20
    assert ranges[0][0] == 0
    assert ranges[-1][1] == path.stat().st_size
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(ranges))


@pytest.mark.parametrize("sample", ["not-a-digest-html", "not-utf8", "utf16-without-bom"])
def test_what_may_not_be_cut_is_one_part(tmp_path: Path, sample: str) -> None:
    data = (SAMPLES / "invalid" / f"{sample}.txt").read_bytes() * 400
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    assert parts.file_ranges(str(path), 100) == [(0, len(data))]
    assert _convert([path], jobs=2, part_bytes=100) == _convert([path], jobs=1, part_bytes=100)


def test_a_file_that_stops_half_way_drops_its_later_parts(tmp_path: Path) -> None:
    good = _corpus(tmp_path, "good.txt").read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(good[: len(good) // 2] + b"\xff" + good[len(good) // 2 :])
    inputs = [bad, SEED]
    one = _convert(inputs, jobs=1, part_bytes=parts.PART_BYTES)
    assert "decode-error" in one[2][1]  # type: ignore[index]
    assert _convert(inputs, jobs=2, part_bytes=200) == one


def test_strict_stops_at_the_first_failure_in_input_order(tmp_path: Path) -> None:
    path = _corpus(tmp_path, "a.txt")
    seen = []
    for jobs in (1, 2, 3):
        messages: list[str] = []

        def hear(found: digestparse.Diagnostic, messages: list[str] = messages) -> None:
            messages.append(cli.message_line(found))

        summary = digestparse.convert([SEED, path, SEED], out=io.StringIO(), jobs=jobs, part_bytes=300, strict=True,
                                      allow={"skipped-text"}, on_diagnostic=hear)  # fmt: skip
        assert summary.strict_failed
        seen.append((messages, [one.entries for one in summary.inputs]))
    messages, entries = seen[0]
    assert entries == [10, 10, 0]  # the seed, the corpus up to its repeated footer, nothing of the last input
    assert [line.rsplit(" ", 1)[-1] for line in messages if "skipped-text" not in line] == ["[duplicate-footer]"]
    assert seen[1] == seen[0] == seen[2]


def test_standard_input_on_every_core(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:  # fmt: skip
    data = _corpus(tmp_path, "a.txt").read_bytes() * 60  # past a part's size: cut by the main process
    assert len(data) > 2 * parts.PART_BYTES
    outputs = []
    for jobs in ("1", "2", "3"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        status = cli.main(["-", str(SEED), "--to", "jsonl", "--jobs", jobs, "--diagnostics", str(tmp_path / "d")])
        outputs.append((status, *capsys.readouterr(), (tmp_path / "d").read_bytes()))
    assert outputs[0][1].count("\n") > 3000
    assert outputs[0] == outputs[1] == outputs[2]


def _digestparse(*arguments: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "digestparse", *arguments], capture_output=True, check=False,
                          timeout=120)  # fmt: skip


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_a_named_pipe_is_read_once_in_order_on_any_number_of_cores(jobs: str, tmp_path: Path) -> None:
    """`digestparse <(zcat archive.gz)`: a pipe can be read only once, from its start; the main process cuts it."""
    data = _corpus(tmp_path, "a.txt").read_bytes() * 60  # past two parts
    assert len(data) > 2 * parts.PART_BYTES
    plain = tmp_path / "plain.txt"
    plain.write_bytes(data)
    expected = _digestparse(str(plain), str(SEED), "--to", "jsonl", "--jobs", "1")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    fill = "import sys; open(sys.argv[2], 'wb').write(open(sys.argv[1], 'rb').read())"
    writer = subprocess.Popen([sys.executable, "-c", fill, str(plain), str(pipe)])  # what `<(cat plain.txt)` does
    try:
        found = _digestparse(str(pipe), str(SEED), "--to", "jsonl", "--jobs", jobs)
    finally:
        writer.kill()
        writer.wait()
    assert found.returncode == expected.returncode == 0, found.stderr.decode()
    assert found.stdout.count(b"\n") > 3000
    assert found.stdout == expected.stdout.replace(str(plain).encode(), str(pipe).encode())
    assert found.stderr == expected.stderr.replace(str(plain).encode(), str(pipe).encode())


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_every_process_at_once_and_writes_nothing(jobs: str, tmp_path: Path) -> None:
    """A terminal sends Ctrl-C to the command's whole process group: no traceback, no output, no worker left."""
    page = SEED.read_bytes() + b"\nShare this:\n\n"  # a skipped-text warning a page: the run is seen to be under way
    digest = tmp_path / "big.txt"
    digest.write_bytes(page * (16 * parts.PART_BYTES // len(page)))
    out = tmp_path / "out.jsonl"
    # The command starts as a terminal's foreground job does, Ctrl-C neither ignored nor blocked,
    # whatever the test runner's own process passes on to its children.
    command = [sys.executable, "-c", AS_A_TERMINAL_JOB, "-m", "digestparse", str(digest), "-o", str(out),
               "--summary", str(tmp_path / "s.json")]  # fmt: skip
    # Unbuffered, so that reading the first line reads nothing past it.
    run = subprocess.Popen([*command, "--jobs", jobs], stderr=subprocess.PIPE, start_new_session=True, bufsize=0)
    try:
        assert run.stderr is not None
        first = run.stderr.readline()  # the first warning: parts are being read
        os.killpg(run.pid, signal.SIGINT)
        _, rest = run.communicate(timeout=120)
    finally:
        run.kill()
    said = (first + rest).decode().splitlines()
    assert run.returncode == 130, f"first line {first!r}, {len(said)} lines, the last {said[-2:]}, {signals()}"
    assert said[-1] == "digestparse: interrupted"
    assert all(line.startswith(f"{digest}:") and line.endswith("[skipped-text]") for line in said[:-1])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.txt"]  # neither output, nor a temporary file
    with pytest.raises(ProcessLookupError):
        os.killpg(run.pid, 0)  # the workers ended with the main process


def test_a_worker_killed_in_the_middle_is_a_clear_error_and_nothing_is_written(tmp_path: Path) -> None:
    """The system may kill a worker (for want of memory, say): the run says so, and leaves its output unwritten."""
    page = SEED.read_bytes() + b"\nShare this:\n\n"
    digest = tmp_path / "big.txt"
    digest.write_bytes(page * (16 * parts.PART_BYTES // len(page)))
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "digestparse", str(digest), "-o", str(out), "--jobs", "2"]
    run = subprocess.Popen(command, stderr=subprocess.PIPE, start_new_session=True, bufsize=0)
    try:
        assert run.stderr is not None
        first = run.stderr.readline()  # the first warning: the workers are at work
        workers = children(run.pid)
        assert len(workers) == 2
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        _, rest = run.communicate(timeout=120)
    finally:
        run.kill()
    said = (first + rest).decode().splitlines()
    assert run.returncode == 70
    assert said[-1] == (
        "digestparse: error: a worker process stopped before its part was done (killed by a signal, or by the "
        "system for want of memory); no output was written: run again, or with --jobs 1"
    )
    assert not any("Traceback" in line for line in said)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.txt"]


# -------------------------------------------------------------- memory, jobs


def test_the_main_process_holds_a_few_parts_at_a_time(tmp_path: Path) -> None:
    # 48 parts of 64 KB: the main process holds at most 2 x jobs of them, rendered, at once.
    path = tmp_path / "big.txt"
    path.write_bytes(_corpus(tmp_path, "a.txt", cut_off=False).read_bytes() * 60)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        digestparse.convert([path], out=str(tmp_path / "out.jsonl"), jobs=2, part_bytes=64 << 10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(parts.file_ranges(str(path), 64 << 10)) > 40
    assert peak < size / 4, f"peak {peak / 1e6:.1f} MB for {size / 1e6:.1f} MB of input"


def test_auto_is_one_process_for_small_inputs_and_every_core_for_large() -> None:
    small = SEED.stat().st_size
    assert conversion.resolve_jobs("auto", [small]) == 1
    assert conversion.resolve_jobs("auto", [small, conversion.AUTO_MIN_BYTES]) == conversion.cores()
    assert conversion.resolve_jobs("auto", [small, conversion.AUTO_MIN_BYTES - small - 1]) == 1
    assert conversion.resolve_jobs(3, [small]) == 3
    assert conversion.resolve_jobs("1", [conversion.AUTO_MIN_BYTES]) == 1


def test_the_least_input_auto_shares_is_cut_in_two(tmp_path: Path) -> None:
    seed = SEED.read_bytes()
    digest = tmp_path / "digest.txt"
    digest.write_bytes(seed * (conversion.AUTO_MIN_BYTES // len(seed) + 1))
    assert len(parts.file_ranges(str(digest))) >= 2


def test_convert_writes_a_path_whole_and_only_when_no_input_failed(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    summary = digestparse.convert([SEED], to="csv", out=target)
    assert (summary.total("entries"), summary.failed) == (10, False)
    assert target.read_text(encoding="utf-8").count("\n") == 11
    target.write_text("previous")
    summary = digestparse.convert([SEED, tmp_path / "nope.txt"], to="csv", out=target)
    assert summary.failed
    reason = f"cannot read {tmp_path / 'nope.txt'}: No such file or directory"
    assert summary.inputs[1].error == {"code": "read-error", "message": reason}
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
