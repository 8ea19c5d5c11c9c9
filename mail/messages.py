"""The messages Kontor sends, as plain values: the jobs address and send them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def trial_message(name: str) -> Message:
    """Proves to a user that Kontor can reach them by e-mail."""
    return Message(
        subject="Kontor: Testnachricht",
        body=(
            f"Hallo {name},\n\n"
            "diese Nachricht bestätigt, dass Kontor E-Mails versenden kann.\n\n"
            "Ihr Kontor\n"
        ),
    )
