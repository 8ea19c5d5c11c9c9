"""The original report files, gzip-compressed in the database (GoBD: never changed).

Web and worker share no disk on Heroku-style hosts, so the upload request stores the file in
the database and the job reads it back from there into a temporary file of its own.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from importing.errors import FileTooLarge
from models import db
from models.report import StoredFile

CHUNK = 1 << 20
# Level 6 compresses a settlement to about a tenth at a fraction of the parse's cost; 9 takes
# twice as long for a few percent.
COMPRESSION_LEVEL = 6


def store_file(
    client_id: int,
    file_name: str,
    stream: BinaryIO,
    *,
    user_id: int | None,
    max_bytes: int,
) -> StoredFile:
    """Read `stream` in chunks, compressing and hashing as it goes; adds the row, no commit.

    Raises FileTooLarge past `max_bytes` (of the raw bytes), before anything is added.
    """
    digest = hashlib.sha256()
    size = 0
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=COMPRESSION_LEVEL, mtime=0) as gz:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FileTooLarge(file_name, max_bytes)
            digest.update(chunk)
            gz.write(chunk)
    stored = StoredFile(
        client_id=client_id,
        file_name=file_name[:255],
        sha256=digest.hexdigest(),
        size=size,
        content=buffer.getvalue(),
        uploaded_by_id=user_id,
    )
    db.session.add(stored)
    return stored


@contextmanager
def opened(stored: StoredFile) -> Iterator[Path]:
    """A temporary file with the original bytes, removed afterwards (the parsers read paths).

    The compressed bytes come from the database a chunk at a time (the column is deferred):
    a 200,000-row VAT report is 20 MB compressed, and PostgreSQL sends a bytea read whole as
    hex text, twice that again.
    """
    with tempfile.TemporaryDirectory(prefix="kontor-import-") as folder:
        path = Path(folder) / "report"
        gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip's header and trailer (CRC)
        with open(path, "wb") as out:
            try:
                for chunk in _compressed_chunks(stored):
                    out.write(gunzip.decompress(chunk))
                out.write(gunzip.flush())
                if not gunzip.eof:
                    raise EOFError("the compressed stream ends early")
            except (EOFError, zlib.error) as exc:
                raise RuntimeError(f"stored file {stored.id} is damaged: {exc}") from exc
        yield path


def _compressed_chunks(stored: StoredFile) -> Iterator[bytes]:
    state: sa.orm.InstanceState = sa.inspect(stored)
    if "content" not in state.unloaded or not state.persistent:
        yield stored.content  # in memory already (the upload request's own file)
        return
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with raw.blobopen("stored_files", "content", stored.id, readonly=True) as blob:
            while chunk := blob.read(CHUNK):
                yield chunk
        return
    # PostgreSQL: the value is incompressible (gzip), so TOAST keeps it uncompressed and
    # reads only the slices asked for.
    content = StoredFile.__table__.c.content
    offset = 1
    while chunk := db.session.scalar(
        sa.select(sa.func.substr(content, offset, CHUNK)).where(
            StoredFile.__table__.c.id == stored.id
        )
    ):
        yield chunk
        offset += len(chunk)
