"""Turn an uploaded file into rows: sniff encoding and delimiter, stream, hash.

Only the first bytes are looked at to decide how to read the file; the rows are
then streamed through csv.reader over a decoded text stream, so memory stays flat
whatever the file size. The SHA-256 of the raw bytes is computed on the way.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ReportError
from .table import CsvReader, Header, read_header

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

SNIFF_BYTES = 64 * 1024
CHUNK = 256 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# A real line is a few KiB. Capping lines (and so fields) keeps memory flat even
# for a file that is one endless line of tabs.
MAX_LINE = 1024 * 1024
csv.field_size_limit(MAX_LINE)

CHANGED = "Die Datei wurde nach dem Einlesen verändert. Bitte erneut hochladen."
_NOT_TEXT = (
    (b"\x89PNG", "ist ein Bild (PNG), kein Amazon-Bericht."),
    (b"\xff\xd8\xff", "ist ein Bild (JPEG), kein Amazon-Bericht."),
    (b"GIF8", "ist ein Bild (GIF), kein Amazon-Bericht."),
    (
        b"%PDF",
        "ist ein PDF-Dokument, kein Amazon-Bericht. Bitte den Bericht als TXT oder CSV "
        "aus Seller Central herunterladen.",
    ),
    (
        (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"),
        "ist ein ZIP-Archiv oder eine Excel-Datei, kein Amazon-Bericht. Bitte den "
        "Bericht als TXT oder CSV hochladen (ein ZIP-Archiv vorher entpacken).",
    ),
    (b"\x1f\x8b", "ist gzip-komprimiert. Bitte die Datei vorher entpacken."),
    (b"BZh", "ist bzip2-komprimiert. Bitte die Datei vorher entpacken."),
    (b"\xfd7zXZ\x00", "ist xz-komprimiert. Bitte die Datei vorher entpacken."),
    (b"7z\xbc\xaf\x27\x1c", "ist ein 7-Zip-Archiv. Bitte die Datei vorher entpacken."),
    (b"Rar!\x1a\x07", "ist ein RAR-Archiv. Bitte die Datei vorher entpacken."),
    (
        b"\xd0\xcf\x11\xe0",
        "ist eine alte Excel-Datei (XLS), kein Amazon-Bericht. Bitte den "
        "Bericht als TXT oder CSV hochladen.",
    ),
)


class _HashingReader(io.RawIOBase):
    """A raw stream that feeds every byte it hands out into a SHA-256.

    It also refuses NUL characters, per chunk at C speed: csv reads them as text, so a
    damaged file (a download padded with zero bytes, a NUL inside a transaction type)
    would otherwise import silently with odd values. `on_nul` raises the ReportError.
    """

    def __init__(self, raw: io.FileIO, utf16: bool, on_nul: Callable[[], None]) -> None:
        self._raw = raw
        self._utf16 = utf16
        self._on_nul = on_nul
        self._pos = 0
        self._last = b""
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    @property
    def bytes_read(self) -> int:
        return self._pos

    def readinto(self, buffer: WriteableBuffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            view = memoryview(buffer)[:n]
            self.sha256.update(view)
            data = view.tobytes()
            if self._utf16:
                # A zero code unit may straddle two reads: look at the previous byte too.
                if self._pos % 2 and self._last == b"\x00":
                    data = self._last + data
                    self._pos -= 1
                has_nul = _has_utf16_nul(data, self._pos)
                self._last = data[-1:]
            else:
                has_nul = b"\x00" in data
            if has_nul:
                self._on_nul()
            self._pos += len(data)
        return n


def _has_utf16_nul(data: bytes, pos: int) -> bool:
    """A zero code unit: two zero bytes at an even offset of the file."""
    i = data.find(b"\x00\x00")
    while i != -1:
        if (pos + i) % 2 == 0:
            return True
        i = data.find(b"\x00\x00", i + 1)
    return False


@dataclass(frozen=True, slots=True)
class Source:
    """How to read one file, as sniffed from its first bytes."""

    path: Path
    filename: str
    encoding: str
    delimiter: str
    quoted: bool
    header_text: str  # the first line, decoded, for detection and messages

    def with_encoding(self, encoding: str) -> Source:
        return replace(self, encoding=encoding)

    @contextmanager
    def reread(self, sha256: str) -> Iterator[tuple[CsvReader, Header]]:
        """Another pass over a validated file: the rows after its header, and the header.

        What fails now was changed since it was validated, and so is a file whose bytes
        no longer hash to `sha256` once the caller has read its rows.
        """
        try:
            with self.rows() as (reader, hashing):
                header = read_header(reader, self.filename)
                try:
                    yield reader, header
                except csv.Error:  # the file was valid CSV when it was validated
                    raise ReportError(self.filename, CHANGED) from None
                # Drain what csv has not read, so the hash covers the whole file.
                while hashing.read(1 << 20):
                    pass
                if hashing.sha256.hexdigest() != sha256:
                    raise ReportError(self.filename, CHANGED)
        except UnicodeDecodeError:
            raise ReportError(self.filename, CHANGED) from None
        except OSError as exc:
            raise ReportError(
                self.filename,
                f"Die Datei kann nicht mehr gelesen werden ({os_reason(exc)}). Bitte erneut "
                "hochladen.",
            ) from None

    def dialect(self) -> dict[str, Any]:
        """The csv.reader arguments for this file."""
        if self.delimiter == "\t" and not self.quoted:
            return {"delimiter": "\t", "quoting": csv.QUOTE_NONE, "strict": False}
        return {"delimiter": self.delimiter, "strict": True}

    def refuse_nul(self) -> None:
        problem = locate_problem(self)
        raise ReportError(
            self.filename,
            "Die Datei enthält ein Nullzeichen (NUL): sie ist beschädigt, zum Beispiel beim "
            "Herunterladen oder Kopieren, oder keine Textdatei. Bitte den Bericht erneut "
            "herunterladen.",
            line=problem.line if problem else None,
            column=problem.column if problem else None,
        )

    @contextmanager
    def rows(self) -> Iterator[tuple[CsvReader, _HashingReader]]:
        """Yield a csv.reader over the whole file and the hasher fed by it.

        Tab-separated files as Amazon writes them are not quoted and may hold a
        literal `"` at the start of a cell (`15" Notebook`), so quotes only have a
        meaning when the header or the first data line is quoted, or the file is
        comma/semicolon separated (Seller Central's CSV, spreadsheet exports).
        """
        with open(self.path, "rb", buffering=0) as raw:
            hashing = _HashingReader(raw, self.encoding.startswith("utf-16"), self.refuse_nul)
            buffered = io.BufferedReader(hashing, CHUNK)
            text = io.TextIOWrapper(buffered, encoding=self.encoding, newline="")
            # readline with a limit cuts an endless line into pieces that csv reads as
            # rows of their own (refused or blank): memory stays bounded, at C speed.
            lines = iter(partial(text.readline, MAX_LINE), "")
            reader = csv.reader(lines, **self.dialect())
            try:
                yield reader, hashing
            finally:
                text.close()


_CONTROL_BYTES = frozenset(b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f")


_OS_REASONS: dict[int | None, str] = {
    errno.ENOENT: "sie existiert nicht",
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "keine Berechtigung",
    errno.EISDIR: "das ist ein Ordner",
}


def os_reason(exc: OSError) -> str:
    """Why a file cannot be read, in German (strerror is English)."""
    return _OS_REASONS.get(exc.errno, exc.strerror or "Ein-/Ausgabefehler")


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zero > half * 0.6 and even_zero < half * 0.1:
        return "utf-16-le"
    if even_zero > half * 0.6 and odd_zero < half * 0.1:
        return "utf-16-be"
    return None


# Undecodable bytes become this lone surrogate while a problem is located: no strict
# decode of UTF-8, Windows-1252 or UTF-16 can produce it.
_MARK = "\udfff"


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc  # an error handler's way to decline (only decoders use this one)
    return _MARK, exc.end


codecs.register_error("kontor-parsers-mark", _mark_undecodable)


@dataclass(frozen=True, slots=True)
class Problem:
    """Where the first undecodable byte or NUL character of a file is."""

    line: int  # 1-based physical line
    column: str | None  # the header name of the cell, None in the header or if unknown
    nul: bool  # a NUL character (else an undecodable byte)
    after_text: bool  # non-ASCII characters decoded fine before it


def locate_problem(source: Source) -> Problem | None:
    """Find the first undecodable byte or NUL of the file (the cold path of a refusal).

    Streams the file once more, in chunks: memory stays flat. Lines are counted as
    csv counts them (CRLF, CR and LF each end one line).
    """
    decoder = codecs.getincrementaldecoder(source.encoding)(errors="kontor-parsers-mark")
    line, current, cr_pending, after_text = 1, "", False, False
    with open(source.path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            cuts = [i for i in (text.find(_MARK), text.find("\x00")) if i != -1]
            cut = min(cuts) if cuts else len(text)
            part = text[:cut]
            breaks = part.count("\n") + part.count("\r") - part.count("\r\n")
            if cr_pending and part.startswith("\n"):
                breaks -= 1
            line += breaks
            last = max(part.rfind("\n"), part.rfind("\r"))
            current = part[last + 1 :] if last != -1 else current + part
            current = current[: MAX_LINE + 1]
            if part:
                cr_pending = part.endswith("\r")
            after_text = after_text or not part.isascii()
            if cuts:
                return Problem(
                    line,
                    None if line == 1 else _column_of(source, current),
                    text[cut] == "\x00",
                    after_text,
                )
            if not chunk:
                return None


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))


def mostly_utf8(source: Source) -> bool:
    """Whether more of the file's letters are valid UTF-8 than not (the cold path).

    A UTF-8 file with a damaged byte has many UTF-8 letters and one bad byte; a
    Windows-1252 file may hold a UTF-8-looking pair (a product title with „Ã¤“ in
    it) among many Windows-1252 letters.
    """
    sequences = invalid = 0
    with open(source.path, "rb") as f:
        while chunk := f.read(CHUNK):
            found = _UTF8_SEQUENCE.findall(chunk)
            sequences += len(found)
            high = len(chunk) - len(chunk.translate(None, _HIGH_BYTES))
            invalid += high - sum(map(len, found))
    return sequences > invalid


def unknown_encoding(source: Source) -> ReportError:
    """The refusal of a file that is neither UTF-8, Windows-1252 nor UTF-16."""
    problem = locate_problem(source)
    return ReportError(
        source.filename,
        "Die Zeichenkodierung der Datei ist unbekannt (erwartet: UTF-8, Windows-1252 oder UTF-16).",
        line=problem.line if problem else None,
        column=problem.column if problem else None,
    )


def _column_of(source: Source, prefix: str) -> str | None:
    """The header name of the cell that `prefix` (a line up to a position) ends in."""
    if len(prefix) > MAX_LINE:
        return None
    dialect = {**source.dialect(), "strict": False}
    header = next(csv.reader([source.header_text.lstrip("\ufeff")], **dialect), [])
    index = max(len(next(csv.reader([prefix], **dialect), [])) - 1, 0)
    return (header[index].strip() or None) if index < len(header) else None


def sniff(path: Path, filename: str) -> Source:
    """Decide encoding and delimiter from the first bytes, or refuse a non-report."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise ReportError(
            filename, f"Die Datei kann nicht gelesen werden ({os_reason(exc)})."
        ) from None
    if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
        raise ReportError(filename, "Die Datei ist leer.")
    for magic, message in _NOT_TEXT:
        if head.startswith(magic):
            raise ReportError(filename, f"Die Datei {message}")

    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head and (encoding := _utf16_without_bom(head) or ""):
        pass
    else:
        # A NUL further down a text file is refused with its line when the rows are
        # read; a NUL or other control byte in the first line: not a text file.
        if any(b in _CONTROL_BYTES for b in head.split(b"\n", 1)[0]):
            raise ReportError(
                filename, "Die Datei ist keine Textdatei und damit kein Amazon-Bericht.", line=1
            )
        # A UTF-8 check of the first bytes only; a Windows-1252 byte further down
        # makes the caller read the file again as Windows-1252.
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # Windows-1252, unless UTF-8 umlauts came before: then it is damaged UTF-8,
            # refused with its line when read, not turned into „Ã¤“.
            encoding = "cp1252" if head[: exc.start].isascii() else "utf-8"

    # Bytes invalid in the encoding are refused with their line when the rows are read.
    decoded = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    # The header is the first line with content: a file may start with blank lines or
    # a spreadsheet's row of empty cells (`;;;`), which read_header skips as well.
    lines = _LINE_BREAK.split(decoded.lstrip("\ufeff"))
    filled = (i for i, text in enumerate(lines) if text.strip(' \t;,"'))
    at = next(filled, 0)
    header = lines[at]
    if any(ch in header for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"):
        raise ReportError(
            filename, "Die Datei ist keine Textdatei und damit kein Amazon-Bericht.", line=at + 1
        )
    counts = {d: header.count(d) for d in ("\t", ";", ",")}
    delimiter = max(counts, key=counts.__getitem__)
    if counts[delimiter] == 0:
        delimiter = "\t"  # a one-column file; detection refuses it with a clear message
    # Some tools quote the data but not the header: look at the first data line too
    # (its first cell, a settlement-id or an account id, never starts with a quote).
    following = next(filled, None)
    second = lines[following] if following is not None else ""
    quoted = header.lstrip().startswith('"') or second.lstrip().startswith('"')
    return Source(path, filename, encoding, delimiter, quoted, header)


class OnePassRead:
    """The common part of `PayoutStream` and `OrderStream`: a report read once, validated by
    its module's `_Checking` while the records are yielded."""

    kind: str
    checking_type: Callable[[Source, Header, Callable[[], str]], Any]

    def __init__(
        self, source: Source, reader: CsvReader, header: Header, sha256: Callable[[], str]
    ) -> None:
        self._checking = self.checking_type(source, header, sha256)
        self._reader = reader
        # How much of the file is read, 0 to 1 (set by `reading_report`): for progress.
        self.share_read: Callable[[], float] = lambda: 0.0
