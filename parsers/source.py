"""Turn an uploaded file into rows: sniff encoding and delimiter, stream, hash.

Only the first bytes are looked at to decide how to read the file; the rows are
then streamed through csv.reader over a decoded text stream, so memory stays flat
whatever the file size. The SHA-256 of the raw bytes is computed on the way.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .errors import ReportError

SNIFF_BYTES = 64 * 1024
CHUNK = 256 * 1024

# A real line is a few KiB. Capping lines (and so fields) keeps memory flat even
# for a file that is one endless line of tabs.
MAX_LINE = 1024 * 1024
csv.field_size_limit(MAX_LINE)

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
        b"PK\x03\x04",
        "ist ein ZIP-Archiv oder eine Excel-Datei, kein Amazon-Bericht. Bitte den "
        "Bericht als TXT oder CSV hochladen (ein ZIP-Archiv vorher entpacken).",
    ),
    (b"\x1f\x8b", "ist gzip-komprimiert. Bitte die Datei vorher entpacken."),
    (
        b"\xd0\xcf\x11\xe0",
        "ist eine alte Excel-Datei (XLS), kein Amazon-Bericht. Bitte den "
        "Bericht als TXT oder CSV hochladen.",
    ),
)


class _HashingReader(io.RawIOBase):
    """A raw stream that feeds every byte it hands out into a SHA-256."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - any writable buffer
        n = self._raw.readinto(buffer)
        if n:
            self.sha256.update(memoryview(buffer)[:n])
        return n


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
    def rows(self) -> Iterator[tuple[Iterator[list[str]], _HashingReader]]:
        """Yield a csv.reader over the whole file and the hasher fed by it.

        Tab-separated files as Amazon writes them are not quoted and may hold a
        literal `"` at the start of a cell (`15" Notebook`), so quotes only have a
        meaning when the header or the first data line is quoted, or the file is
        comma/semicolon separated (Seller Central's CSV, spreadsheet exports).
        """
        with open(self.path, "rb", buffering=0) as raw:
            hashing = _HashingReader(raw)
            buffered = io.BufferedReader(hashing, CHUNK)
            text = io.TextIOWrapper(buffered, encoding=self.encoding, newline="")
            # readline with a limit cuts an endless line into pieces that csv reads as
            # rows of their own (refused or blank): memory stays bounded, at C speed.
            lines = iter(partial(text.readline, MAX_LINE), "")
            if self.delimiter == "\t" and not self.quoted:
                reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE, strict=False)
            else:
                reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
            try:
                yield reader, hashing
            finally:
                text.close()


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


def _first_line(text: str) -> str:
    for i, ch in enumerate(text):
        if ch in "\r\n":
            return text[:i]
    return text


def sniff(path: Path, filename: str) -> Source:
    """Decide encoding and delimiter from the first bytes, or refuse a non-report."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise ReportError(
            filename, f"Die Datei kann nicht gelesen werden ({exc.strerror})."
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
    elif b"\x00" in head:
        encoding = _utf16_without_bom(head) or ""
        if not encoding:
            raise ReportError(
                filename, "Die Datei ist keine Textdatei und damit kein Amazon-Bericht."
            )
    else:
        # A UTF-8 check of the first bytes only; a Windows-1252 byte further down
        # makes the caller read the file again as Windows-1252.
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"

    try:
        decoded = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        raise ReportError(
            filename,
            "Die Zeichenkodierung der Datei ist unbekannt (erwartet: UTF-8, Windows-1252 "
            "oder UTF-16).",
        ) from None
    header = _first_line(decoded.lstrip("\ufeff"))
    if any(ch in header for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"):
        raise ReportError(filename, "Die Datei ist keine Textdatei und damit kein Amazon-Bericht.")
    counts = {d: header.count(d) for d in ("\t", ";", ",")}
    delimiter = max(counts, key=counts.__getitem__)
    if counts[delimiter] == 0:
        delimiter = "\t"  # a one-column file; detection refuses it with a clear message
    # Some tools quote the data but not the header: look at the first data line too
    # (its first cell, a settlement-id or an account id, never starts with a quote).
    second = _first_line(decoded.lstrip("\ufeff")[len(header) :].lstrip("\r\n"))
    quoted = header.lstrip().startswith('"') or second.lstrip().startswith('"')
    return Source(path, filename, encoding, delimiter, quoted, header)
