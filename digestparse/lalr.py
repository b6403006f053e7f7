"""A lean runner for the grammar's LALR tables: lark's own lexers and parse table, less per-call work.

digestparse calls the grammar twice an entry, on short texts; lark's general
machinery (lexer threads, parser state objects, tokens with every position,
the tree builder and transformer) then costs more than the lexing itself.
`LeanParser` takes what lark built from grammar/digest.lark (the contextual
lexer's scanner for each parser state, and the LALR parse table) and runs the
same algorithm in one small loop:

- the next terminal is the one that lark's scanner for the current state
  matches first (priority order, as lark sorts it); ignored terminals are
  skipped;
- each terminal is fed to the table: reduce while the table says so, then
  shift; a terminal the table has no action for is a syntax error;
- at the end of the text, `$END` is fed until the start rule is accepted.

Routes. Most texts of a digest take one of a few routes through the table
(the same states, the same terminals). After reading some texts, the runner
writes the routes it met most into one regex per start rule: at each state,
that state's own scanner as an atomic group (so the first terminal in lark's
order wins, as in lark), then a conditional on which terminal matched that
leads on to the rest of the route. A text that the regex matches has been
lexed and parsed exactly as the loop would (every route in it ended in an
accepted parse), in one call into the regex engine; any other text goes
through the loop. Routes only ever change how fast a text is read, never what
is read.

Separators. A terminal that only divides a text into parts (the footer's
"|") can be named a separator: each of its pieces is then one shared Piece
with no text and no place, which saves making a piece for every occurrence.

It answers "these are the terminals, in order" or None. It never explains a
failure: on None, syntax.py asks lark itself, which says what was expected
and where. Both paths are tested to agree (tests/test_lalr.py, and the fuzzer
checks it on every input).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# The parts of lark this module reads: stable since lark 1.1, checked at build time.
from lark import Lark
from lark.lexer import BasicLexer, ContextualLexer
from lark.parsers.lalr_analysis import Shift

_END = "$END"

# Routes are written into a regex after the loop has read this many texts of a
# start rule, and again at the later mark; then learning stops. Each writing
# compiles a regex (20-30 ms for the body's, however many routes it holds), so
# there are only two, and the second only when the routes miss often: when at
# least one text in REWRITE_SHARE since the first writing went to the loop. A
# digest whose first texts showed its common routes then compiles once
# (measured: 4 MB and 16 MB read 5% faster). The first mark comes late enough
# to have seen most of a digest's routes. On the benchmark's 16 MB corpus: at 64
# texts the body's regex held 6 routes and missed one text in six, so it was
# written again; at 256 it holds 11, misses one text in 26 and is written once,
# and a whole run takes 3-5% fewer instructions (4 MB and 16 MB, valgrind).
LEARN_AT = (256, 1024)
REWRITE_SHARE = 8
# At most this many routes per start rule: the commonest, each seen at least twice.
MAX_ROUTES = 32


class Piece(NamedTuple):
    """One terminal found in a text: its name, its text, and its 1-based line and column."""

    type: str
    text: str
    line: int
    column: int


# tuple.__new__ makes a Piece without the Python-level __new__ of a named tuple:
# half the cost, for the commonest object digestparse makes.
_new_piece = tuple.__new__


class UnsupportedParserError(Exception):
    """The Lark object is not built the way LeanParser can run (another lexer, callbacks, ...)."""


# An action of the table: (True, next state) for a shift, (False, (symbols to pop, rule name)) for a reduce.
_Action = tuple[bool, Any]
_Match = Callable[[str, int], Any]
# A route: each step's state and the terminal its scanner matched, ignored ones included.
_Route = tuple[tuple[int, str], ...]


@dataclass
class _Routes:
    """The routes of one start rule: those met so far, and the regex written from the commonest."""

    seen: Counter[_Route] = field(default_factory=Counter)
    read: int = 0  # texts read by the loop
    parsed: int = 0  # texts parsed, by the regex or the loop
    written_at: tuple[int, int] = (0, 0)  # `read` and `parsed` when the regex was last written
    # The regex, and for each route in it (by the number of its final group) the group
    # number and terminal of each step that is not ignored. One tuple, replaced whole,
    # so that a thread never sees a regex with another regex's steps.
    written: tuple[re.Pattern[str], dict[int, list[tuple[int, str]]]] | None = None


class LeanParser:
    """Runs a Lark LALR parser's tables; built once from a Lark object with the contextual lexer.

    `separators` names terminals whose pieces only mark where parts divide (see the module's notes).
    """

    def __init__(self, parser: Lark, separators: frozenset[str] = frozenset()) -> None:
        frontend = parser.parser
        lexer = getattr(frontend, "lexer", None)
        table = getattr(getattr(getattr(frontend, "parser", None), "parser", None), "parse_table", None)
        if not isinstance(lexer, ContextualLexer) or table is None:
            raise UnsupportedParserError("expected lark's LALR parser with the contextual lexer")
        if parser.options.postlex is not None or parser.options.lexer_callbacks:
            raise UnsupportedParserError("expected no postlexer and no lexer callbacks")
        self._starts: dict[str, int] = dict(table.start_states)
        self._ends: dict[str, int] = dict(table.end_states)
        self._actions: dict[int, dict[str, _Action]] = {
            state: {
                str(symbol): (True, arg) if action is Shift else (False, (len(arg.expansion), str(arg.origin.name)))
                for symbol, (action, arg) in row.items()
            }
            for state, row in table.states.items()
        }
        # For each state: its scanner's match, the terminals it ignores, and its row of actions.
        self._states: dict[int, tuple[_Match, frozenset[str], dict[str, _Action]]] = {}
        # For each state: its scanner's terminals, in the scanner's order, as (name, regex).
        self._terminals: dict[int, list[tuple[str, str]]] = {}
        flags = set()
        for state, basic in lexer.lexers.items():
            if not isinstance(basic, BasicLexer):
                raise UnsupportedParserError("expected lark's own BasicLexer in each state")
            scanner = basic.scanner  # built on first use; this also builds basic.callback
            patterns = getattr(scanner, "_mres", None)
            if getattr(basic, "callback", None) or not patterns or len(patterns) != 1:
                raise UnsupportedParserError("expected one scanner regex per state and no terminal callbacks")
            self._states[state] = (patterns[0].match, frozenset(basic.ignore_types), self._actions[state])
            self._terminals[state] = [(t.name, t.pattern.to_regexp()) for t in scanner.terminals]
            flags.add(patterns[0].flags)
        if len(flags) != 1:
            raise UnsupportedParserError("expected the same regex flags in every state")
        self._flags = flags.pop()
        self._routes: dict[str, _Routes] = {start: _Routes() for start in self._starts}
        self._separators: dict[str, Piece] = {name: Piece(name, "", 0, 0) for name in separators}

    def parse(self, text: str, start: str) -> list[Piece] | None:
        """The terminals of `text` read from rule `start`, in order; None when the text does not fit."""
        routes = self._routes[start]
        routes.parsed += 1
        written = routes.written
        if written is not None:
            hit = written[0].match(text)
            if hit is not None and hit.lastindex is not None:
                return _pieces_of_route(text, hit, written[1][hit.lastindex], self._separators)
        learning = routes.read < LEARN_AT[-1]
        route: list[tuple[int, str]] | None = [] if learning else None
        found = self._run(text, start, route)
        if route is not None:
            routes.read += 1
            if found is not None:
                routes.seen[tuple(route)] += 1
            if routes.read in LEARN_AT and _worth_writing(routes):
                self._write_routes(routes)
        return found

    def _run(self, text: str, start: str, route: list[tuple[int, str]] | None) -> list[Piece] | None:
        """The loop: one terminal at a time. Each step is added to `route` when given."""
        states = self._states
        separators = self._separators
        stack = [self._starts[start]]
        found: list[Piece] = []
        one_line = "\n" not in text
        pos = 0
        end = len(text)
        while pos < end:
            match, ignored, row = states[stack[-1]]
            hit = match(text, pos)
            if hit is None:
                return None
            kind = hit.lastgroup
            if route is not None:
                route.append((stack[-1], kind))
            if kind not in ignored:
                action = row.get(kind)
                if action is None:
                    return None
                if action[0]:
                    stack.append(action[1])  # a shift, the common case, done here
                elif not _feed(self._actions, stack, kind):
                    return None
                shared = separators.get(kind)
                found.append(shared if shared is not None else _piece(text, one_line, kind, hit.group(), pos))
            pos = hit.end()
        if not _accept(self._actions, stack, self._ends[start]):
            return None
        return found

    def _write_routes(self, routes: _Routes) -> None:
        """Write the commonest accepted routes into one regex (see the module's notes)."""
        routes.written_at = (routes.read, routes.parsed)
        chosen = [route for route, count in routes.seen.most_common(MAX_ROUTES) if count >= 2 and route]
        if not chosen:
            return
        root = _Node()
        for route in chosen:
            node = root
            for state, kind in route:
                node.state = state
                node = node.next.setdefault(kind, _Node())
            node.ends = True
        steps: dict[str, list[tuple[str, str]]] = {}
        pattern = re.compile(self._node_regex(root, [], steps, itertools.count()), self._flags)
        # Groups by number: a match finds a numbered group without looking up its name.
        # A separator's step has no group (-1): its piece is the shared one.
        number = pattern.groupindex
        separators = self._separators
        routes.written = (
            pattern,
            {
                number[end]: [(-1 if kind in separators else number[group], kind) for group, kind in on]
                for end, on in steps.items()
            },
        )

    def _node_regex(
        self, node: _Node, taken: list[tuple[str, str]], steps: dict[str, list[tuple[str, str]]], count: Iterator[int]
    ) -> str:
        """The regex from `node` on; `taken` holds the groups and terminals of the pieces on the way here."""
        number = next(count)
        branches = []
        if node.ends:
            # The text ends here, and this route was an accepted parse: an empty group
            # names the route (it is the match's last group).
            steps[f"end{number}"] = taken
            branches.append(rf"\Z(?P<end{number}>)")
        if node.next:
            ignored = self._states[node.state][1]
            # The state's scanner, cut after the last terminal that leads on: a text where
            # a later one would be the first to match is off the routes either way.
            terminals = self._terminals[node.state]
            last = max(i for i, (name, _) in enumerate(terminals) if name in node.next)
            scan = "|".join(f"(?P<n{number}_{name}>{regex})" for name, regex in terminals[: last + 1])
            after = ""
            for kind, child in node.next.items():
                group = f"n{number}_{kind}"
                on = taken if kind in ignored else [*taken, (group, kind)]
                after += f"(?({group}){self._node_regex(child, on, steps, count)}|"
            # No other terminal may follow here: (?!) fails the match, and the loop reads the text.
            branches.append(f"(?>{scan}){after}(?!){')' * len(node.next)}")
        return "(?:" + "|".join(branches) + ")"


def _worth_writing(routes: _Routes) -> bool:
    """Whether to write the routes (again): always the first time, then only if they often miss."""
    if routes.written is None:
        return True
    read, parsed = routes.written_at
    return (routes.read - read) * REWRITE_SHARE >= routes.parsed - parsed


@dataclass
class _Node:
    """A point on the routes: the state scanned there, where each terminal leads, whether a route ends here."""

    state: int = -1
    next: dict[str, _Node] = field(default_factory=dict)
    ends: bool = False


def _piece(text: str, one_line: bool, kind: str, value: str, pos: int) -> Piece:
    if one_line:
        return _new_piece(Piece, (kind, value, 1, pos + 1))
    line_start = text.rfind("\n", 0, pos) + 1
    return _new_piece(Piece, (kind, value, text.count("\n", 0, pos) + 1, pos - line_start + 1))


def _pieces_of_route(
    text: str, hit: re.Match[str], steps: list[tuple[int, str]], separators: dict[str, Piece]
) -> list[Piece]:
    if "\n" in text:
        return [
            separators[kind] if group < 0 else _piece(text, False, kind, hit.group(group), hit.start(group))
            for group, kind in steps
        ]
    # One line, the common case: the column is the offset plus one.
    return [
        separators[kind] if group < 0 else _new_piece(Piece, (kind, hit.group(group), 1, hit.start(group) + 1))
        for group, kind in steps
    ]


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
