"""The middle of the money path: stored files, imported reports, their batches (no views, no RQ).

stored = archive.store_file(client.id, name, stream, user_id=..., max_bytes=...)
intake.check_upload(client, integration, stored)     # quick: refused, duplicate, conflict
intake.import_file(client, integration, stored, source=..., user_id=...)   # in the job
batches.build_batch(report)                          # a new version from stored rows
"""

from importing.errors import FileTooLarge, ImportingError

__all__ = ["FileTooLarge", "ImportingError"]
