"""The one error base of importing/; str() is a German message for the user."""

from __future__ import annotations


class ImportingError(Exception):
    """An import that cannot go on, with a German message a seller understands."""


class FileTooLarge(ImportingError):
    def __init__(self, file_name: str, max_bytes: int) -> None:
        megabytes = max_bytes // (1024 * 1024)
        super().__init__(
            f"Die Datei „{file_name}“ ist größer als {megabytes} MB und wurde nicht gespeichert."
        )
