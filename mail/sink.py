"""A local SMTP server that keeps every message it receives (development and tests).

It speaks real SMTP (aiosmtpd), so the app's mail code runs exactly as against a
production server; messages land as .eml files in a folder and in memory.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from uuid import uuid4

from aiosmtpd.controller import Controller


class KeepingHandler:
    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.messages: list[EmailMessage] = []
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        if self.folder is not None:
            (self.folder / f"{uuid4().hex}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


def start_mail_sink(
    host: str, port: int, folder: Path | None = None
) -> tuple[Controller, KeepingHandler]:
    handler = KeepingHandler(folder)
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    return controller, handler
