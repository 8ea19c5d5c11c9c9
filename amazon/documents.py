"""Report documents from their pre-signed URLs (DESIGN §2.1): streamed to a temporary file,
gunzipped on the way, and checked before anyone imports them.

The URL needs no token and lives 5 minutes; the bytes are gzip without Content-Encoding (or
with it, when the URL was signed so); a truncated download shows as a gzip stream that never
reaches its trailer, a damaged one as a CRC or length mismatch, which zlib checks for us.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path

import requests
import urllib3

from amazon.entries import DocumentRef
from amazon.errors import AmazonUnavailable, CorruptDocument, DocumentExpired

TIMEOUT = (10, 120)  # connect, read between two chunks (seconds)
CHUNK = 64 * 1024
GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


class TooLarge(CorruptDocument):
    default_message = "Die Datei von Amazon ist größer als erlaubt und wurde nicht übernommen."


def download(ref: DocumentRef, target: Path, *, max_bytes: int) -> Path:
    """Download `ref` into `target` (uncompressed); `target` appears only when complete."""
    target = Path(target)
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            write_document(ref, out, max_bytes=max_bytes)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target


def write_document(ref: DocumentRef, out, *, max_bytes: int) -> None:
    try:
        # No x-amz-* and no Authorization header: S3 refuses unsigned ones (403/400).
        response = requests.get(ref.url, stream=True, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise AmazonUnavailable(detail=f"download: {type(error).__name__}") from error
    with response:
        refuse_failed_response(response)
        decoder = GzipStream(max_bytes) if ref.compression == "GZIP" else PlainStream(max_bytes)
        try:
            # The bytes as sent: with Content-Encoding: gzip, requests would unpack them itself.
            for chunk in response.raw.stream(CHUNK, decode_content=False):
                out.write(decoder.feed(chunk))
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            # The connection broke off or stalled mid-body: what arrived is not the document.
            raise CorruptDocument(detail=f"download broke off: {type(error).__name__}") from error
        out.write(decoder.finish())


def refuse_failed_response(response: requests.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    detail = f"download answered {status}: {s3_error_code(response)}"
    if status >= 500 or status == 429:
        raise AmazonUnavailable(detail=detail)  # S3's 500 InternalError and 503 SlowDown
    # 403 "Request has expired" above all; a fresh getReportDocument is the remedy for any
    # refusal of a pre-signed URL.
    raise DocumentExpired(detail=detail)


def s3_error_code(response: requests.Response) -> str:
    text = response.text[:2000]
    start, end = text.find("<Message>"), text.find("</Message>")
    return text[start + len("<Message>") : end] if 0 <= start < end else ""


class GzipStream:
    """Gunzip chunk by chunk; every member must end with its trailer (CRC-32 and length)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.written = 0
        self._member = zlib.decompressobj(GZIP_WBITS)
        self._seen_input = False

    def feed(self, chunk: bytes) -> bytes:
        output = []
        while chunk:
            self._seen_input = True
            try:
                # One byte more than allowed may come out: that is how too much shows.
                part = self._member.decompress(chunk, self.max_bytes - self.written + 1)
            except zlib.error as error:
                raise CorruptDocument(detail=f"gzip: {error}") from None
            self.written += len(part)
            if self.written > self.max_bytes:
                raise TooLarge(detail=f"more than {self.max_bytes} bytes uncompressed")
            output.append(part)
            chunk = self._member.unconsumed_tail
            if self._member.eof:
                # Concatenated gzip members are one file (gzip.decompress reads them too).
                chunk = self._member.unused_data
                if chunk:
                    self._member = zlib.decompressobj(GZIP_WBITS)
        return b"".join(output)

    def finish(self) -> bytes:
        if not self._seen_input:
            raise CorruptDocument(detail="gzip: no bytes at all")
        if not self._member.eof:
            raise CorruptDocument(detail="gzip: the stream ends before its trailer (truncated)")
        return b""


class PlainStream:
    """An uncompressed document: only its size is checked."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.written = 0

    def feed(self, chunk: bytes) -> bytes:
        self.written += len(chunk)
        if self.written > self.max_bytes:
            raise TooLarge(detail=f"more than {self.max_bytes} bytes")
        return chunk

    def finish(self) -> bytes:
        return b""
