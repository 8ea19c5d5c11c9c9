"""Helpers of the importing tests: a client as the web app creates one, files stored like an
upload, and a snapshot of every table for "nothing changed"."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa

from extensions import db
from importing.archive import store_file
from models import Client
from models.booking_rules import seed_client_rules
from models.integration import ensure_integrations
from tests.factories import make_client, make_user

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amazon"
SETTLEMENT_CA = FIXTURES / "settlement-v1-amazon-ca-24288684721.txt"
VAT_FEB = FIXTURES / "vat-transactions-2020-02-de-seller.txt"
VAT_JAN = FIXTURES / "vat-transactions-testcompany-de.txt"
MAX_BYTES = 50 * 1024 * 1024


def make_shop(email: str = "import@example.org", **fields) -> tuple[Client, int]:
    """A client with its rules and integrations, as the clients page creates it; and a user."""
    user = make_user(email)
    client = make_client(user.organisation_id, **fields)
    seed_client_rules(client)
    ensure_integrations(client)
    db.session.commit()
    return client, user.id


def stored(client: Client, data: bytes | Path, name: str | None = None, *, user_id=None):
    if isinstance(data, Path):
        name = name or data.name
        data = data.read_bytes()
    return store_file(
        client.id, name or "bericht.txt", io.BytesIO(data), user_id=user_id, max_bytes=MAX_BYTES
    )


def table_snapshot(*, without: tuple[str, ...] = ()) -> dict[str, tuple[int, int | None]]:
    """(row count, highest id) of every table: equal snapshots mean nothing was stored."""
    snapshot = {}
    for table in db.metadata.sorted_tables:
        if table.name in without:
            continue
        count = db.session.scalar(sa.select(sa.func.count()).select_from(table))
        last = db.session.scalar(sa.select(sa.func.max(table.c.id))) if "id" in table.c else None
        snapshot[table.name] = (count, last)
    return snapshot
