"""Every Flask extension, instantiated once and bound to the app in create_app()."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from models.base import db

migrate = Migrate(render_as_batch=True)  # batch mode: ALTER TABLE works on SQLite too
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@event.listens_for(Engine, "connect")
def enforce_sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores every FOREIGN KEY (and ON DELETE CASCADE) unless each connection asks for
    them; PostgreSQL always enforces them. Development and tests run on SQLite, so without this
    an orphan row that production refuses would pass every test."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class ForeignKeyViolation(RuntimeError):
    """Rows refer to rows that do not exist (found after foreign keys were off on SQLite)."""


@contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Switch foreign keys off on a SQLite connection for Alembic's batch mode, then on again.

    Batch mode alters a SQLite table by copying it and dropping the original; with foreign
    keys on, that DROP deletes (ON DELETE CASCADE) or refuses every row that refers to the
    table: altering `clients` would delete every client's booking rules. The pragma only
    takes effect outside a transaction. Afterwards PRAGMA foreign_key_check proves that the
    migration left no orphan behind. Does nothing on other databases.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    connection.commit()
    if orphans:
        tables = sorted({f"{row[0]} -> {row[2]}" for row in orphans})
        raise ForeignKeyViolation(
            f"{len(orphans)} rows refer to rows that do not exist: {', '.join(tables)}"
        )


__all__ = [
    "ForeignKeyViolation",
    "csrf",
    "db",
    "login_manager",
    "migrate",
    "sqlite_foreign_keys_off",
]
