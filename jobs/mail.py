"""Mail jobs."""

from __future__ import annotations

from extensions import db
from mailer import send_mail
from models import User


def send_test_mail(user_id: int) -> str:
    """Send a short test message to a user; proves the worker, database and SMTP wiring.

    Returns the recipient's address (kept by RQ for a while, useful in the worker log).
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    send_mail(
        to=[user.email],
        subject="Kontor: Testnachricht",
        body=(
            f"Hallo {user.name or user.email},\n\n"
            "diese Nachricht bestätigt, dass Kontor E-Mails versenden kann.\n\n"
            "Ihr Kontor\n"
        ),
    )
    return user.email
