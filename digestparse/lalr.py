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

It answers "these are the terminals, in order" or None. It never explains a
failure: on None, syntax.py asks lark itself, which says what was expected
and where. Both paths are tested to agree (tests/test_lalr.py, and the fuzzer
checks it on every input).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

# The parts of lark this module reads: stable since lark 1.1, checked at build time.
from lark import Lark
from lark.lexer import BasicLexer, ContextualLexer
from lark.parsers.lalr_analysis import Shift

_END = "$END"


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


# An action of the table: ("shift", next state) or ("reduce", (symbols to pop, rule name)).
_Action = tuple[bool, Any]
_Match = Callable[[str, int], Any]


class LeanParser:
    """Runs a Lark LALR parser's tables; built once from a Lark object with the contextual lexer."""

    def __init__(self, parser: Lark) -> None:
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
        for state, basic in lexer.lexers.items():
            if not isinstance(basic, BasicLexer):
                raise UnsupportedParserError("expected lark's own BasicLexer in each state")
            scanner = basic.scanner  # built on first use; this also builds basic.callback
            patterns = getattr(scanner, "_mres", None)
            if getattr(basic, "callback", None) or not patterns or len(patterns) != 1:
                raise UnsupportedParserError("expected one scanner regex per state and no terminal callbacks")
            self._states[state] = (patterns[0].match, frozenset(basic.ignore_types), self._actions[state])

    def parse(self, text: str, start: str) -> list[Piece] | None:
        """The terminals of `text` read from rule `start`, in order; None when the text does not fit."""
        states = self._states
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
            if kind not in ignored:
                action = row.get(kind)
                if action is None:
                    return None
                if action[0]:
                    stack.append(action[1])  # a shift, the common case, done here
                elif not _feed(self._actions, stack, kind):
                    return None
                if one_line:
                    found.append(_new_piece(Piece, (kind, hit.group(), 1, pos + 1)))
                else:
                    line_start = text.rfind("\n", 0, pos) + 1
                    line = text.count("\n", 0, pos) + 1
                    found.append(_new_piece(Piece, (kind, hit.group(), line, pos - line_start + 1)))
            pos = hit.end()
        if not _accept(self._actions, stack, self._ends[start]):
            return None
        return found


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
