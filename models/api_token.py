"""Personal access tokens for the JSON API: shown once, stored as a SHA-256 hash.

A token is 32 random bytes (URL-safe base64 with the prefix "kontor_"), so a plain hash is
enough: there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from models.user import User

PREFIX = "kontor_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hint: Mapped[str] = mapped_column(sa.String(20))  # the first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for `user`; returns the row (caller adds and commits) and the token,
        which is never stored and cannot be shown again."""
        token = PREFIX + secrets.token_urlsafe(32)
        return cls(user=user, name=name, hash=token_hash(token), hint=token[:12]), token

    @classmethod
    def find(cls, token: str) -> ApiToken | None:
        """The active token row for a presented token, or None."""
        row = db.session.scalar(sa.select(cls).filter_by(hash=token_hash(token)))
        if row is None or row.revoked_at is not None:
            return None
        return row
