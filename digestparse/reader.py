"""Inputs in, numbered lines out: opening, decoding, telling text from other data, line ends, normalisation.

Positions stay true to the user's file: a byte-order mark is not a column, CRLF
and bare CR end lines like LF, and a line whose normalised text is shorter than
what the user sees (an invisible character dropped, `&nbsp;` read as a space)
keeps a map back to the columns of the original.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, NamedTuple, NoReturn, Protocol

from .errors import DigestParseError, UndecodableBytesError
from .inputs import shown_name
from .text import normalise, starts

# Only CR, LF and CRLF end a line. str.splitlines would also break at U+2028,
# U+0085 and form feed, which scraped text carries inside paragraphs.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Read binary input in blocks of this size: small enough to keep memory flat,
# large enough that the per-block work is negligible.
CHUNK_BYTES = 1 << 16


class Line(NamedTuple):
    """One input line: its 1-based number, the text as read, and the normalised text.

    A named tuple: there is one per input line, and a tuple is the cheapest
    immutable record to make.
    """

    number: int
    raw: str
    text: str
    # Where each character of `text` starts in `raw`, then len(raw): for a line
    # whose normalised text is shorter (None when the two match one for one).
    colmap: tuple[int, ...] | None = None

    def _offset(self, index: int) -> int:
        colmap = self.colmap
        if colmap is None:
            return index
        if index >= len(colmap):
            return colmap[-1] + index - (len(colmap) - 1)
        return colmap[index]

    def column(self, index: int) -> int:
        """The 1-based column in the user's line of index `index` of the normalised text."""
        return self._offset(index) + 1

    def raw_text(self, start: int, end: int) -> str:
        """The user's own text of the normalised text's characters `start` to `end` (exclusive)."""
        if start >= end:
            return ""
        return self.raw[self._offset(start) : self._offset(end)]

    @property
    def blank(self) -> bool:
        """True for an empty or white-space-only line."""
        return not self.text or self.text.isspace()

    @property
    def first_column(self) -> int:
        """The 1-based column of the line's first visible character."""
        return self.column(len(self.text) - len(self.text.lstrip()))


# A Line made from its fields by tuple.__new__: Line(...) runs a __new__ written in Python, a third of
# what a clean line costs.
_line = tuple.__new__


def make_line(number: int, raw: str) -> Line:
    """Normalise one line of input, keeping a column map when lengths differ."""
    # Most lines need nothing: no reference, every character printable (normalise's own test, asked here first).
    if "&" not in raw and raw.isprintable():
        return _line(Line, (number, raw, raw, None))
    text = normalise(raw)
    if len(text) == len(raw):  # nothing dropped, no reference decoded: the columns match
        return Line(number, raw, text)
    return Line(number, raw, text, starts(raw))


def lines_of_text(text: str) -> Iterator[Line]:
    """Split a whole text into numbered lines."""
    return lines_of_chunks([text])


def lines_of_chunks(
    chunks: Iterable[str], source: str | None = None, *, first_number: int = 1, at_start: bool = True
) -> Iterator[Line]:
    """Split text arriving in pieces into numbered lines, holding only one line at a time.

    A `UndecodableBytesError` raised by `chunks` becomes a DigestParseError at the line and
    column where the undecodable bytes begin. A part of an input that does not
    start it (`at_start` false) starts at line `first_number`, and a byte-order
    mark there is no byte-order mark but a character of the text.
    """
    partial: list[str] = []  # pieces of the line still open
    number = first_number
    started = not at_start
    after_cr = False  # the previous piece ended with CR: a LF now completes a CRLF
    try:
        for piece in chunks:
            chunk = piece
            if not started:
                chunk = chunk.removeprefix("\ufeff")
                started = bool(chunk)
            if after_cr and chunk.startswith("\n"):
                chunk = chunk[1:]
            if not chunk:
                continue
            after_cr = chunk.endswith("\r")
            parts = _LINE_BREAK.split(chunk) if "\r" in chunk else chunk.split("\n")
            partial.append(parts[0])
            if len(parts) == 1:
                continue
            yield make_line(number, "".join(partial))
            number += 1
            for raw in parts[1:-1]:
                yield make_line(number, raw)
                number += 1
            partial = [parts[-1]]
    except UndecodableBytesError as bad:
        column = sum(len(piece) for piece in partial) + 1
        raise DigestParseError(bad.message, number, column, source=source, code="decode-error") from None
    last = "".join(partial)
    if last:  # the text after the last line end, when it has no line end of its own
        yield make_line(number, last)


class Readable(Protocol):
    """What digestparse needs of an open file: read(size) giving bytes (or str, for a text file)."""

    def read(self, size: int = -1, /) -> bytes | str: ...


# What the library reads: a path, or an open binary (or text) file.
BinaryInput = str | os.PathLike[str] | IO[bytes] | Readable


@contextmanager
def open_input(file: BinaryInput) -> Iterator[IO[bytes] | Readable]:
    """The input as an open file: a path is opened (and closed at the end), an open file is used as it is.

    A path that cannot be opened raises the OSError that `open` raises.
    """
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as handle:
            yield handle
    else:
        yield file


def source_name(file: BinaryInput, source: str | None = None) -> str | None:
    """The name an input's entries carry: `source` when given, else the path, else the open file's name."""
    if source is not None:
        return source
    if isinstance(file, str | os.PathLike):
        return shown_name(os.fsdecode(file))
    name = getattr(file, "name", None)
    return name if isinstance(name, str) else None


class ReadCounter:
    """An open input that reports the size of each read."""

    def __init__(self, handle: IO[bytes] | Readable, on_read: Callable[[int], object]) -> None:
        self._handle = handle
        self._on_read = on_read

    def read(self, size: int = -1, /) -> bytes | str:
        block = self._handle.read(size)
        self._on_read(len(block))
        return block


# Codecs that Python counts as text encodings but that name no encoding of a file:
# they encode domain names ("bücher.de" as "xn--bcher-kva.de").
_NOT_FILE_ENCODINGS = ("idna", "punycode")


def codec_name(encoding: str) -> str:
    """The codec of a text encoding, by Python's name for it; a LookupError that says why for any other name.

    "rot13", "base64" or "zlib" are codecs of Python, but not of text in bytes;
    "idna" encodes domain names, not files.
    """
    codec = codecs.lookup(encoding).name  # a LookupError for a name Python does not know
    try:
        "x".encode(codec)  # a LookupError for a codec that is no text encoding
    except UnicodeError:
        raise LookupError(f"{encoding!r} is no text encoding") from None
    if codec in _NOT_FILE_ENCODINGS:
        raise LookupError(f"{encoding!r} encodes domain names, not text files")
    # Plain "utf-8", not "utf-8-sig": the latter's incremental decoder drops a
    # file that is only the first byte or two of a byte-order mark ("\xef")
    # without a word. lines_of_chunks strips a decoded byte-order mark instead.
    return codec


def decoded_chunks(
    stream: IO[bytes] | Readable, encoding: str, source: str | None, *, sniff: bool = True
) -> Iterator[str]:
    """Decode a binary stream block by block.

    Before a byte that cannot be decoded, yields the good text, then raises
    UndecodableBytesError for `lines_of_chunks` to locate. A text stream passes
    through. With `sniff` (the start of an input), binary data is refused first,
    and UTF-16 or UTF-32 without a byte-order mark is read in the byte order its
    NUL bytes show.
    """
    codec = codec_name(encoding)
    decoder: codecs.IncrementalDecoder | None = None
    first = sniff
    while True:
        block = stream.read(CHUNK_BYTES)
        if isinstance(block, str):
            if not block:
                return
            yield block
            continue
        if decoder is None:
            if first and block:
                refuse_binary(block, codec, source)
                codec = _byte_order(block, codec, source)
            decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeError as error:  # a UnicodeDecodeError, mostly: where, and which bytes
            if not isinstance(error, UnicodeDecodeError):  # pragma: no cover - the text codecs say where
                found = f"Expected {encoding} text, found bytes it cannot decode ({error})"
                raise UndecodableBytesError(found) from None
            yield error.object[: error.start].decode(codec, errors="replace")
            bad = bytes(error.object[error.start : error.end])
            plural = "s" if len(bad) > 1 else ""
            raise UndecodableBytesError(
                f"Expected {encoding} text, found the byte{plural} {hex_bytes(bad)} "
                "that cannot be decoded (try --encoding)"
            ) from None
        if text:
            yield text
        if not block:
            return


def _byte_order(head: bytes, codec: str, source: str | None) -> str:
    """The codec to read UTF-16 or UTF-32 with: as named after a byte-order mark; else the order the NUL bytes show.

    Python's "utf-16" refuses text without a byte-order mark; Latin text shows
    its order by the side its NUL bytes are on ("H\\0" is little-endian).
    """
    if codec not in ("utf-16", "utf-32"):
        return codec
    marks = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) if codec == "utf-16" else (codecs.BOM_UTF32_LE,
                                                                                     codecs.BOM_UTF32_BE)  # fmt: skip
    if head.startswith(marks):
        return codec
    order = utf16_byte_order(head) if codec == "utf-16" else _utf32_byte_order(head)
    if order is None:
        raise DigestParseError(f"Expected {codec.upper()} text with a byte-order mark, found none, and no NUL "
                               f"bytes that show the byte order (try --encoding {codec}-le or {codec}-be)", 1, 1,
                               source=source, code="decode-error")  # fmt: skip
    return f"{codec}-{order}"


def utf16_byte_order(head: bytes) -> str | None:
    """The byte order ("le" or "be") of text that looks like UTF-16 without a byte-order mark, else None."""
    even, odd = head[0::2], head[1::2]
    most, least = sorted((even.count(0), odd.count(0)), reverse=True)
    if len(head) < 4 or most * 2 < min(len(even), len(odd)) or least * 10 > most:
        return None
    return "le" if odd.count(0) > even.count(0) else "be"


def _utf32_byte_order(head: bytes) -> str | None:
    # Latin text in UTF-32 little-endian is one byte then three NULs: "H\0\0\0".
    if len(head) >= 4 and head[1:4] == b"\0\0\0":
        return "le"
    if len(head) >= 4 and head[0:3] == b"\0\0\0":
        return "be"
    return None


# The first bytes of the binary files most often given by mistake.
_MAGIC = {
    b"\x1f\x8b": "gzip-compressed data",
    b"PK\x03\x04": "a zip archive",
    b"%PDF-": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"SQLite format 3\x00": "an SQLite database",
}
# How much of the input's start is looked at to tell text from binary data.
SNIFF_BYTES = 8192
# Binary data holds NUL bytes by the hundred (an executable, a database: in runs);
# a page that a scrape left a stray NUL in holds one or two, read as text (the NUL
# becomes U+FFFD). Random bytes hold about 0.4%: they fail to decode at their first
# bad byte instead, which the message locates.
BINARY_NUL_SHARE = 0.01


def hex_bytes(data: bytes) -> str:
    """Bytes as a user reads them in a message: "0x90 0x1f"."""
    return " ".join(f"0x{byte:02x}" for byte in data)


def refuse_binary(block: bytes, codec: str, source: str | None) -> None:
    """Raise for input that is not text: known binary formats, many NUL bytes, UTF-16 or UTF-32 read as UTF-8,
    UTF-8 (its byte-order mark) read as another encoding."""
    if block.startswith(codecs.BOM_UTF8) and codec not in ("utf-8", "utf-8-sig"):
        _raise_other_encoding("the byte-order mark of UTF-8", "utf-8", source, expected=codec)
    if codec.startswith(("utf-16", "utf-32")):
        return
    head = block[:SNIFF_BYTES]
    what = next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)
    if what is None:
        if b"\x00" not in head:
            return
        # UTF-16 and UTF-32 text decode as "valid" UTF-8 full of NUL bytes: say what
        # the input is, rather than calling it binary data.
        if codec == "utf-8" and head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            _raise_other_encoding("the byte-order mark of UTF-32", "utf-32", source)
        if codec == "utf-8" and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            _raise_other_encoding("the byte-order mark of UTF-16", "utf-16", source)
        order = utf16_byte_order(head) if codec == "utf-8" else None
        if order is not None:
            found = "NUL bytes in every other place: the input looks like UTF-16 without a byte-order mark"
            _raise_other_encoding(found, f"utf-16-{order}", source)
        if head.count(0) <= BINARY_NUL_SHARE * len(head):
            return  # text with a stray NUL or two
    raise DigestParseError(
        f"Expected digest text, found {what or 'binary data (it holds NUL bytes)'}: the input is not text "
        f"(it starts with the bytes {hex_bytes(head[:4])})",
        1,
        1,
        source=source,
        code="not-a-digest",
    )


def _raise_other_encoding(found: str, codec: str, source: str | None, *, expected: str = "utf-8") -> NoReturn:
    shown = "UTF-8" if expected == "utf-8" else expected
    raise DigestParseError(f"Expected {shown} text, found {found} (try --encoding {codec})", 1, 1, source=source,
                           code="decode-error")  # fmt: skip


# Markup is told from a digest by its first line, or by the share of its lines that are tags.
_MARKUP_STARTS = {"<!doctype": "an HTML page", "<html": "an HTML page", "<body": "an HTML page",
                  "<head": "an HTML page", "<?xml": "an XML document"}  # fmt: skip
_TAG_LINE = re.compile(r"<[A-Za-z!/?].*>")
# An input whose first non-blank lines (this many at most) look like markup is not a digest.
SNIFF_LINES = 20


def looks_like_markup(texts: list[str]) -> str | None:
    """What the first non-blank lines of an input look like when they are markup, not digest text; else None."""
    if not texts:
        return None
    first = texts[0].lstrip().lower()
    for start, what in _MARKUP_STARTS.items():
        if first.startswith(start):
            return what
    tags = sum(1 for text in texts if _TAG_LINE.fullmatch(text.strip()))
    return "HTML: most of its first lines are tags" if tags * 2 > len(texts) else None


def is_digest_text(head: bytes, encoding: str) -> bool:
    """Whether an input that starts with `head` reads as digest text in UTF-8: not binary, not undecodable, no markup.

    Only such an input may be cut into parts (a line end's bytes are known),
    and only such a stream is read ahead of its parse.
    """
    try:
        if codec_name(encoding) != "utf-8":
            return False
        refuse_binary(head, "utf-8", None)
    except (DigestParseError, LookupError):
        return False
    try:
        text = codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head)  # a cut sequence at the end waits
    except UnicodeDecodeError:
        return False
    solid = [normalise(raw) for raw in _LINE_BREAK.split(text)[:200]]
    return looks_like_markup([line for line in solid if line.strip()][:SNIFF_LINES]) is None
