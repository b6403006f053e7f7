"""A lean runner for the grammar's LALR tables: lark's own lexers and parse table in one small loop.

digestparse parses two short texts an entry (a body and a footer). lark's
general machinery (lexer threads, parser state objects, tokens with every
position, the tree builder) costs more there than the lexing itself; this loop
runs the same tables about twice as fast:

- the next terminal is the first, in lark's priority order, of the terminals
  that lark's contextual lexer allows in the current parser state; ignored
  text (white space) before it is skipped in the same regex;
- the table's action for that terminal is taken: reduce while it says so,
  then shift; a terminal with no action is a syntax error;
- at the end of the text, `$END` is fed until the start rule is accepted.

It answers "these are the terminals, in order", or None when the text does not
fit. It never explains a failure: then syntax.py asks lark itself, which says
what was expected and where. The tests and the fuzzer hold the two to the same
answer on every text.

The tables and scanners are lark's internals, so they are read in one place,
`read_tables`, into plain data (Tables: kept between runs by syntax.py, so that
a run needs no lark); if a lark release moves any of them, read_tables raises
UnsupportedParserError and digestparse runs lark itself, slower but right.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from lark import Lark


_END = "$END"


class Piece(NamedTuple):
    """One terminal found in a text: its name, its text, and its 1-based line and column."""

    type: str
    text: str
    line: int
    column: int


# A Piece made from its fields by tuple.__new__: Piece(...) runs a __new__ written in Python, about
# a third of what making a piece costs.
_new = tuple.__new__


class UnsupportedParserError(Exception):
    """The Lark object is not one LeanParser can run (another parser or lexer, or another lark's internals)."""


# An action of the table: (True, next state) for a shift, (False, (symbols to pop, rule name)) for a reduce.
_Action = tuple[bool, Any]
# What a scanner's group means in a state: the terminal, the table's action for it, its shared piece.
_Step = tuple[str, _Action | None, "Piece | None"]
# A state's scanner: its match, and for each group (by number) the step it means.
_State = tuple[Callable[[str, int], "re.Match[str] | None"], list[_Step]]


@dataclass(frozen=True)
class Tables:
    """What the loop needs of a Lark LALR parser, as plain data: its states, their actions and their terminals.

    Plain data, so that it is kept as JSON between runs (syntax.py) and a run
    that reads it needs no lark at all.
    """

    starts: dict[str, int]
    ends: dict[str, int]
    actions: dict[int, dict[str, _Action]]
    # The terminal sets the states scan for, each: its terminals in lark's order as (name, regex), the names
    # it ignores, the regex flags; many states share one (123 states, 17 sets).
    scans: list[tuple[list[tuple[str, str]], list[str], int]]
    scan_of: dict[int, int]  # each state's set

    def as_json(self) -> dict[str, Any]:
        """The tables as JSON can hold them."""
        return {"starts": self.starts, "ends": self.ends, "actions": self.actions, "scans": self.scans,
                "scan_of": self.scan_of}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tables:
        """The tables back from `as_json`'s data (JSON makes every key a string, every tuple a list)."""
        actions = {
            int(state): {symbol: (bool(shift), arg if shift else tuple(arg)) for symbol, (shift, arg) in row.items()}
            for state, row in data["actions"].items()
        }
        scans = [([(name, regex) for name, regex in terminals], list(ignored), int(flags))
                 for terminals, ignored, flags in data["scans"]]  # fmt: skip
        return cls(dict(data["starts"]), dict(data["ends"]), actions, scans,
                   {int(state): scan for state, scan in data["scan_of"].items()})  # fmt: skip


def read_tables(parser: Lark) -> Tables:
    """Read lark's parse table and contextual lexer: the only place lark's internals are touched.

    Raises UnsupportedParserError when one of them is missing or not what this
    loop can run; the caller then parses with lark itself.
    """
    try:
        from lark.lexer import BasicLexer, ContextualLexer  # noqa: PLC0415 - read here, and only here
        from lark.parsers.lalr_analysis import Shift  # noqa: PLC0415

        if parser.options.postlex is not None or parser.options.lexer_callbacks:
            raise UnsupportedParserError("expected no postlexer and no lexer callbacks")
        frontend = parser.parser
        lexer = frontend.lexer
        table = frontend.parser.parser.parse_table
        if not isinstance(lexer, ContextualLexer):
            raise UnsupportedParserError("expected lark's LALR parser with the contextual lexer")
        actions = {
            state: {
                str(symbol): (True, arg) if action is Shift else (False, (len(arg.expansion), str(arg.origin.name)))
                for symbol, (action, arg) in row.items()
            }
            for state, row in table.states.items()
        }
        scans: dict[str, int] = {}
        found: list[tuple[list[tuple[str, str]], list[str], int]] = []
        scan_of = {}
        for state, basic in lexer.lexers.items():
            if not isinstance(basic, BasicLexer):
                raise UnsupportedParserError("expected lark's own BasicLexer in each state")
            scanner = basic.scanner  # building the scanner builds basic.callback too
            if basic.callback:
                raise UnsupportedParserError("expected no terminal callbacks")
            ordered = [(str(terminal.name), terminal.pattern.to_regexp()) for terminal in scanner.terminals]
            scan = (ordered, sorted(basic.ignore_types), int(basic.g_regex_flags))
            key = repr(scan)
            if key not in scans:
                scans[key] = len(found)
                found.append(scan)
            scan_of[state] = scans[key]
        return Tables(dict(table.start_states), dict(table.end_states), actions, found, scan_of)
    except (ImportError, AttributeError, TypeError, ValueError, KeyError) as missing:
        raise UnsupportedParserError(f"this lark has moved a part the lean runner reads: {missing}") from None


class LeanParser:
    """Runs the tables of a Lark LALR parser with the contextual lexer (read_tables).

    `separators` names terminals that only divide a text into parts (the
    footer's "|"): each of their pieces is one shared Piece with no text and no place.
    A state's scanner is compiled when a text first reaches the state, by
    `compile_regex` (re.compile, or the kept code of cache.compiled).
    """

    def __init__(self, tables: Tables, separators: frozenset[str] = frozenset(),
                 compile_regex: Callable[[str, int], re.Pattern[str]] = re.compile,
                 routes: dict[str, list[list[str]]] | None = None) -> None:  # fmt: skip
        self._compile = compile_regex
        self._route_names = routes or {}
        self._routes: dict[str, list[tuple[re.Pattern[str], list[tuple[str, Piece | None]]]]] = {}
        self._starts = tables.starts
        self._ends = tables.ends
        self._actions = tables.actions
        self._tables = tables
        self._shared = {name: Piece(name, "", 0, 0) for name in separators}
        self._scanners: dict[int, re.Pattern[str]] = {}  # by terminal set: states share them
        self._states = _States(self._state)

    def _state(self, state: int) -> _State:
        """A state's scanner's match, and what each of its groups means there."""
        scan = self._tables.scan_of[state]
        scanner = self._scanners.get(scan)
        if scanner is None:
            terminals, ignored, flags = self._tables.scans[scan]
            scanner = self._scanners[scan] = self._compile(scanner_pattern(terminals, ignored), flags)
        by_group: list[_Step] = [("", None, None)] * (scanner.groups + 1)
        for name, number in scanner.groupindex.items():
            by_group[number] = (name, self._actions[state].get(name), self._shared.get(name))
        return scanner.match, by_group

    def parse(self, text: str, start: str) -> list[Piece] | None:
        """The terminals of `text` read from rule `start`, in order; None when the text does not fit."""
        if start in self._route_names and "\n" not in text:
            routed = self._by_route(text, start)
            if routed is not None:
                return routed
        states = self._states
        stack = [self._starts[start]]
        found: list[Piece] = []
        one_line = "\n" not in text
        pos = 0
        end = len(text)
        while pos < end:
            match, by_group = states[stack[-1]]
            hit = match(text, pos)
            if hit is None:
                return None
            group = hit.lastindex
            if group is None:  # only ignored text was left
                break
            kind, action, shared = by_group[group]
            if action is None:
                return None
            if action[0]:
                stack.append(action[1])  # a shift, the common case, done here
            elif not _feed(self._actions, stack, kind):
                return None
            if shared is not None:
                found.append(shared)
            elif one_line:
                found.append(_new(Piece, (kind, hit.group(group), 1, hit.start(group) + 1)))
            else:
                found.append(_piece(text, kind, hit.group(group), hit.start(group)))
            pos = hit.end()
        if not _accept(self._actions, stack, self._ends[start]):
            return None
        return found

    def _by_route(self, text: str, start: str) -> list[Piece] | None:
        """The terminals of a one-line text read by the first of its start rule's routes that matches it, or None."""
        for route, steps in self._routes.get(start) or self._make_routes(start):
            hit = route.match(text)
            if hit is not None:  # exact by construction: what the loop would find
                return [shared or _new(Piece, (kind, hit.group(n), 1, hit.start(n) + 1))
                        for n, (kind, shared) in enumerate(steps, start=1)]  # fmt: skip
        return None

    def _make_routes(self, start: str) -> list[tuple[re.Pattern[str], list[tuple[str, Piece | None]]]]:
        made = []
        for names in self._route_names[start]:
            pattern, flags = route_pattern(self._tables, start, names)
            made.append((self._compile(pattern, flags), [(name, self._shared.get(name)) for name in names]))
        self._routes[start] = made
        return made


def route_pattern(tables: Tables, start: str, names: list[str]) -> tuple[str, int]:
    """One regex that reads a text as exactly these terminals, as the loop would, or does not match at all.

    A route is a sequence of terminals that rule `start` accepts. Its regex is,
    for each terminal in turn, built from the scanner of the state the table is
    in there: that state's ignored text; a look-ahead that none of the state's
    terminals tried before this one matches (the scanner takes the first that
    does); the terminal itself in an atomic group (it matches as it would alone);
    and at the end only ignored text. So when it matches, the loop would have
    found these terminals, with the same texts and places: a text of another
    shape does not match, and goes through the loop. Raises ValueError for a
    sequence the table does not accept.
    """
    stack = [tables.starts[start]]
    parts = []
    flags = 0
    for name in names:
        terminals, ignored, flags = tables.scans[tables.scan_of[stack[-1]]]
        skip = "|".join(regex for kind, regex in terminals if kind in ignored)
        tried = [(kind, regex) for kind, regex in terminals if kind not in ignored]
        kinds = [kind for kind, _ in tried]
        if name not in kinds:
            raise ValueError(f"the table has no action for {name} there: {names}")
        before = [regex for _, regex in tried[: kinds.index(name)]]
        not_before = f"(?!{'|'.join(f'(?:{regex})' for regex in before)})" if before else ""
        parts.append((f"(?:{skip})*+" if skip else "") + not_before + f"((?>{dict(tried)[name]}))")
        if not _feed(tables.actions, stack, name):
            raise ValueError(f"the table has no action for {name} there: {names}")
    if not _accept(tables.actions, stack, tables.ends[start]):
        raise ValueError(f"the table does not accept {names} from {start}")
    terminals, ignored, _ = tables.scans[tables.scan_of[stack[-1]]]
    skip = "|".join(regex for kind, regex in terminals if kind in ignored)
    return "".join(parts) + (f"(?:{skip})*+" if skip else "") + r"\Z", flags


class _States(dict[int, _State]):
    """Each state's scanner, made when the state is first asked for."""

    def __init__(self, make: Callable[[int], _State]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, state: int) -> _State:
        made = self[state] = self._make(state)
        return made


def scanner_pattern(terminals: list[tuple[str, str]], ignored: list[str]) -> str:
    """One state's scanner: ignored text, then the first of its terminals (in lark's order) that matches.

    Lark's own scanner tries the ignored terminals with the others, a regex call
    each; skipped in the same call, they cost nothing where there are none. At
    the end of the text, what matches is only ignored text (no terminal's group).
    """
    skip = "|".join(regex for name, regex in terminals if name in ignored)
    named = [f"(?P<{name}>{regex})" for name, regex in terminals if name not in ignored]
    prefix = f"(?:{skip})*+" if skip else ""
    return prefix + "(?:" + "|".join([*named, r"\Z"]) + ")"


def _piece(text: str, kind: str, value: str, pos: int) -> Piece:
    """A piece of a text of several lines: its line and column counted from the line feeds before it."""
    line_start = text.rfind("\n", 0, pos) + 1
    return _new(Piece, (kind, value, text.count("\n", 0, pos) + 1, pos - line_start + 1))


def _feed(actions: dict[int, dict[str, _Action]], stack: list[int], kind: str) -> bool:
    """Reduce as the table says, then shift `kind`; False when the table has no action for it."""
    while True:
        action = actions[stack[-1]].get(kind)
        if action is None:
            return False
        shift, arg = action
        if shift:
            stack.append(arg)
            return True
        size, rule = arg
        if size:
            del stack[-size:]
        stack.append(actions[stack[-1]][rule][1])


def _accept(actions: dict[int, dict[str, _Action]], stack: list[int], end_state: int) -> bool:
    """Feed the end of the text: reduce until the start rule is complete."""
    while True:
        action = actions[stack[-1]].get(_END)
        if action is None or action[0]:
            return False
        size, rule = action[1]
        if size:
            del stack[-size:]
        goto = actions[stack[-1]].get(rule)
        if goto is None:  # pragma: no cover - an LALR table always has the goto of a reduction
            return False
        stack.append(goto[1])
        if stack[-1] == end_state:
            return True
