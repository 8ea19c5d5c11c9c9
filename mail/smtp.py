"""Sending e-mail through the SMTP server named by MAIL_URL.

MAIL_URL forms: smtp://host:port (plain, local sink), smtp://user:pass@host:587?starttls=1,
smtps://user:pass@host:465.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

SMTP_TIMEOUT_SECONDS = 30


def send_mail(
    to: list[str],
    subject: str,
    body: str,
    *,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send a plain text message, with an HTML alternative and extra headers where given."""
    url = urlsplit(current_app.config["MAIL_URL"])
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError(f"MAIL_URL must start with smtp:// or smtps://, not {url.scheme}://")

    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")

    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    default_port = 465 if url.scheme == "smtps" else 25
    with smtp_class(url.hostname, url.port or default_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if parse_qs(url.query).get("starttls") == ["1"]:
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
