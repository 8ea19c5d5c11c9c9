"""Mail jobs."""

from __future__ import annotations

from extensions import db
from mail.messages import trial_message
from mail.smtp import send_mail
from models import User


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
