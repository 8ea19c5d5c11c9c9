"""The original report files, gzip-compressed in the database (GoBD: never changed).

Web and worker share no disk on Heroku-style hosts, so the upload request stores the file in
the database and the job reads it back from there into a temporary file of its own.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

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
    """A temporary file with the original bytes, removed afterwards (the parsers read paths)."""
    with tempfile.TemporaryDirectory(prefix="kontor-import-") as folder:
        path = Path(folder) / "report"
        with gzip.GzipFile(fileobj=io.BytesIO(stored.content)) as source, open(path, "wb") as out:
            try:
                shutil.copyfileobj(source, out, CHUNK)
            except (OSError, EOFError, zlib.error) as exc:
                raise RuntimeError(f"stored file {stored.id} is damaged: {exc}") from exc
        yield path
