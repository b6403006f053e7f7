"""The built grammar, kept between runs in the user's cache folder: lark's own cache, and what a run needs of it.

Building the grammar's LALR tables takes lark about 45 ms, and importing lark
and loading its cache 25 more; a command run on one small page pays that at
every start. What a run needs of the built grammar is plain data: each
terminal's regex (the shapes other modules look up) and the lean runner's
tables (lalr.Tables). That is kept here as JSON, keyed by the grammar's text
and the versions of lark, Python and this format: a run reads it in a
millisecond and imports lark only when a text does not fit the grammar (lark
then says what was expected, and where), or when lark runs every text.

The folder is the user's own (`$XDG_CACHE_HOME/digestparse`, by default
`~/.cache/digestparse`), never the shared temporary folder, where another user
could plant a file; when it cannot be made, nothing is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable
from importlib import import_module, metadata
from typing import Any, NamedTuple

from . import __version__
from .lalr import Tables

# The regex engine, a private module of Python's own (see "regexes" below).
_sre: Any = import_module("_sre")

# The layout and contents of the kept file (the tables, the terminals, the regexes' code, the routes'):
# a change of it makes every kept file a stranger, rebuilt. The key holds digestparse's version too.
FORMAT = 2


class Terminal(NamedTuple):
    """One terminal of the grammar, as other modules look it up: its regex, its widest match, its spelling."""

    regexp: str
    max_width: int
    value: str  # a string terminal's text, a regex terminal's pattern
    flags: str  # the pattern's flags: "i" for a terminal read in any case


class Built(NamedTuple):
    """What a run needs of the built grammar: its terminals, the lean runner's tables (None: lark runs),
    and each of their regexes as the regex engine runs it (`compiled`)."""

    terminals: dict[str, Terminal]
    tables: Tables | None
    codes: dict[str, list[Any]]  # by pattern and flags (code_key): what re compiles it to


def folder() -> str | None:
    """The user's cache folder for digestparse, made if needed (private: 0700); None when it cannot be made."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "digestparse")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return path


def _versions() -> str:
    return f"lark{metadata.version('lark')}-py{sys.version_info.major}.{sys.version_info.minor}-sre{_sre.MAGIC}"


def lark_file() -> str | bool:
    """Where lark keeps the parser it built (False: nowhere). Lark checks the grammar's hash in it."""
    where = folder()
    return False if where is None else os.path.join(where, f"grammar-{_versions()}.lark-cache")


def built(grammar: str, build: Callable[[], Built]) -> Built:
    """The built grammar of this text: read from the cache folder, or built (`build`, with lark) and kept there."""
    key = hashlib.sha256(f"{FORMAT}\n{__version__}\n{_versions()}\n{grammar}".encode()).hexdigest()
    where = folder()
    path = None if where is None else os.path.join(where, f"tables-{key[:16]}.json")
    if path is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # a damaged or foreign file: built again
            return _read(path, key)
    made = build()
    if path is not None:
        _write(path, key, made)
    return made


def _read(path: str, key: str) -> Built:
    with open(path, encoding="utf-8") as kept:
        data: dict[str, Any] = json.load(kept)
    if data["key"] != key:
        raise ValueError("another grammar's")
    terminals = {name: Terminal(*fields) for name, fields in data["terminals"].items()}
    tables = None if data["tables"] is None else Tables.from_json(data["tables"])
    return Built(terminals, tables, data["codes"])


def _write(path: str, key: str, made: Built) -> None:
    data = {"key": key, "terminals": made.terminals, "tables": None if made.tables is None else made.tables.as_json(),
            "codes": made.codes}  # fmt: skip
    with contextlib.suppress(OSError):  # a cache that cannot be written only means no cache
        fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tables-", suffix=".tmp")
        try:
            with open(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(temp, path)  # whole or not at all: two runs at once write the same file
        finally:
            if os.path.exists(temp):
                os.unlink(temp)


# ------------------------------------------------------------------ regexes
#
# Compiling the grammar's regexes (the scanners' look-aheads are long) took 37 ms
# at every start, most of it the re module's own parser and compiler, written in
# Python; the regex engine's code they give is plain data, kept here with the
# tables, and given back to the engine at once (0.3 ms). These are private parts
# of the re module, read in this one place: any failure, or a Python whose engine
# differs (its magic number is in the key), falls back to re.compile.


def code_key(pattern: str, flags: int) -> str:
    """The key of a pattern's code in Built.codes."""
    return f"{flags}:{pattern}"


def regex_code(pattern: str, flags: int) -> list[Any] | None:
    """What the re module compiles a pattern to, as plain data; None where this Python's re cannot say."""
    try:
        parser: Any = import_module("re._parser")  # private parts, read here only
        compiler: Any = import_module("re._compiler")
        parsed = parser.parse(pattern, flags)
        code = compiler._code(parsed, flags)
        groups = parsed.state.groupdict
        names: list[str | None] = [None] * parsed.state.groups
        for name, number in groups.items():
            names[number] = name
        return [flags | parsed.state.flags, list(code), parsed.state.groups - 1, dict(groups), names]
    except Exception:  # noqa: BLE001 - another Python's re: no kept code, re.compile at run time
        return None


def compiled(codes: dict[str, list[Any]], pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern compiled from its kept code (codes), else by re.compile."""
    found = codes.get(code_key(pattern, flags))
    if found is not None:
        with contextlib.suppress(Exception):  # a kept code this engine refuses: compiled again
            full_flags, code, groups, groupindex, indexgroup = found
            made: re.Pattern[str] = _sre.compile(pattern, full_flags, code, groups, groupindex, tuple(indexgroup))
            return made
    return re.compile(pattern, flags)
