"""Mail jobs, on the "mail" queue."""

from __future__ import annotations

from rq import Retry

from extensions import db
from jobs.queues import get_queue
from mail.messages import trial_message
from mail.notifications import OutgoingMail
from mail.smtp import send_mail
from models import User

QUEUE = "mail"
# An SMTP server that is down for a while (maintenance, greylisting) gets the message later.
RETRY = Retry(max=4, interval=[60, 300, 1800, 7200])


def send_test_mail(user_id: int) -> str:
    """Send a short test message to a user; proves the worker, database and SMTP wiring.

    Returns the recipient's address (kept by RQ for a while, useful in the worker log).
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    message = trial_message(user.name or user.email)
    send_mail(to=[user.email], subject=message.subject, body=message.body)
    return user.email


def enqueue_mail(mail: OutgoingMail) -> None:
    """The app's outbox (mail.notifications): a composed message becomes a mail job."""
    get_queue(QUEUE).enqueue(
        send_composed_mail,
        list(mail.to),
        mail.subject,
        mail.text,
        mail.html,
        dict(mail.headers),
        retry=RETRY,
        failure_ttl=7 * 86400,
    )


def send_composed_mail(
    to: list[str], subject: str, text: str, html: str, headers: dict[str, str]
) -> str:
    """Send a message composed when its occasion happened; returns the recipients."""
    send_mail(to=to, subject=subject, body=text, html=html, headers=headers)
    return ", ".join(to)
