"""digestparse: plain-text news digests in, clean typed records out."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.2.0"

__all__ = [
    "Diagnostic",
    "Digest",
    "DigestError",
    "DigestParseError",
    "Entry",
    "OutputError",
    "UsageError",
    "WorkerLostError",
    "__version__",
    "convert",
    "export",
    "iter_entries",
    "parse",
    "parse_file",
]

if TYPE_CHECKING:
    from . import export
    from .conversion import convert
    from .errors import DigestError, DigestParseError, OutputError, UsageError, WorkerLostError
    from .models import Diagnostic, Digest, Entry
    from .parser import iter_entries, parse, parse_file

# The public names are loaded on first use, so that `digestparse --help` does not
# pay for pydantic and lark (about 0.15 s). None means the name is a module.
_HOME = {
    "Diagnostic": ".models",
    "Digest": ".models",
    "Entry": ".models",
    "DigestError": ".errors",
    "DigestParseError": ".errors",
    "OutputError": ".errors",
    "UsageError": ".errors",
    "WorkerLostError": ".errors",
    "convert": ".conversion",
    "export": None,
    "iter_entries": ".parser",
    "parse": ".parser",
    "parse_file": ".parser",
}


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module 'digestparse' has no attribute {name!r}")
    home = _HOME[name]
    value = import_module(f".{name}", __name__) if home is None else getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public API only: what __all__ names."""
    return sorted(__all__)
