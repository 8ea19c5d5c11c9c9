"""The database refuses orphan rows and cascades deletes, on SQLite exactly as on PostgreSQL.

SQLite enforces foreign keys only on connections that ask for it (extensions.py does, on
every connection); without that the suite would accept rows that production refuses.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import create_app
from conftest import _test_config, make_client, make_user
from extensions import ForeignKeyViolation, sqlite_foreign_keys_off
from extensions import db as _db
from models import BookingRule, BookingRuleSet, Client

PROJECT = Path(__file__).resolve().parent.parent
FIXED_ACCOUNTS = {
    "clearing_account": "1360",
    "debtor_account": "10000",
    "transit_account": "1360",
    "suspense_account": "1590",
    "fx_gain_account": "2660",
    "fx_loss_account": "2150",
}


def count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_every_connection_enforces_foreign_keys(app, db_session):
    connection = db_session.connection()
    if connection.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_client_of_an_organisation_that_does_not_exist_is_refused(app, db_session):
    db_session.add(Client(organisation_id=999_999, name="Waise GmbH", berater_nr=1, mandant_nr=1))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()
    assert count(db_session, Client) == 0


def test_a_rule_of_a_rule_set_that_does_not_exist_is_refused(app, db_session):
    db_session.add(BookingRule(rule_set_id=999_999, account="8400"))
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_deleting_a_client_deletes_its_rule_sets_and_their_rules(app, db_session):
    user = make_user("kaskade@example.org")
    doomed = make_client(user.organisation_id)
    kept = make_client(user.organisation_id, mandant_nr=2)
    for client in (doomed, kept):
        rule_set = BookingRuleSet(client_id=client.id, integration="payout", **FIXED_ACCOUNTS)
        rule_set.rules = [BookingRule(account="8400"), BookingRule(account="4970", position=1)]
        db_session.add(rule_set)
    db_session.commit()
    assert count(db_session, BookingRule) == 4

    # Plain SQL, not the ORM: the database itself must cascade (ON DELETE CASCADE).
    db_session.execute(sa.delete(Client).where(Client.id == doomed.id))
    db_session.commit()

    rule_sets = db_session.scalars(sa.select(BookingRuleSet)).all()
    assert [rule_set.client_id for rule_set in rule_sets] == [kept.id]
    assert count(db_session, BookingRule) == 2


# A later migration that alters `clients` the SQLite way: batch mode copies the table.
COPY_CLIENTS_MIGRATION = """
from alembic import op

revision = "f0000000copy"
down_revision = "{head}"


def upgrade():
    with op.batch_alter_table("clients", recreate="always"):
        pass


def downgrade():
    pass
"""


@pytest.fixture
def sqlite_app_at_head(tmp_path, redis_url):
    """An app on its own SQLite database, migrated to head by the real migrations."""
    from flask_migrate import upgrade

    app = create_app(_test_config("sqlite:///" + str(tmp_path / "copy.sqlite3"), redis_url))
    with app.app_context():
        upgrade()
        yield app


def test_a_migration_that_copies_a_table_keeps_the_rows_that_refer_to_it(
    sqlite_app_at_head, tmp_path
):
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    user = make_user("migration@example.org")
    shop = make_client(user.organisation_id)
    rule_set = BookingRuleSet(client_id=shop.id, integration="payout", **FIXED_ACCOUNTS)
    rule_set.rules = [BookingRule(account="8400")]
    _db.session.add(rule_set)
    _db.session.commit()
    _db.session.remove()

    migrations = tmp_path / "migrations"
    shutil.copytree(PROJECT / "migrations", migrations)  # the real env.py, one revision more
    head = ScriptDirectory(str(migrations)).get_current_head()
    (migrations / "versions" / "f0000000copy_copy_clients.py").write_text(
        COPY_CLIENTS_MIGRATION.format(head=head)
    )
    upgrade(directory=str(migrations))

    assert count(_db.session, Client) == 1
    assert count(_db.session, BookingRuleSet) == 1
    assert count(_db.session, BookingRule) == 1
    # ... and the connections that follow enforce foreign keys again.
    with _db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_an_orphan_left_while_foreign_keys_were_off_is_reported(sqlite_app_at_head):
    orphan = sa.text(
        "INSERT INTO users (organisation_id, email, name, password_hash, is_active_user,"
        " failed_logins, created_at) VALUES (999, 'waise@example.org', '', 'x', 1, 0, '2026-01-01')"
    )
    with _db.engine.connect() as connection:
        refused = pytest.raises(ForeignKeyViolation, match="1 rows .*: users -> organisations")
        with refused, sqlite_foreign_keys_off(connection):
            connection.execute(orphan)
            connection.commit()
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
