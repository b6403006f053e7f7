"""digestparse: plain-text news digests in, clean typed records out."""

from .errors import DigestError, DigestParseError
from .models import Diagnostic, Digest, Entry
from .parser import iter_entries, parse, parse_file

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "Digest",
    "DigestError",
    "DigestParseError",
    "Entry",
    "__version__",
    "iter_entries",
    "parse",
    "parse_file",
]
