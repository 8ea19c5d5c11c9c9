"""Connecting a client to a seller account: the token stored encrypted, the participations
read, the setup updated; renewals keep the settings; refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from amazon.connections import connect, connection_of, disconnect, mark_renewal_needed
from amazon.errors import OtherSeller, SellerTaken, TokenRevoked
from extensions import db
from models import AmazonConnection, ClientIntegration, ConnectionMarketplace, Report, StoredFile
from models.integration import IntegrationMarketplace, ensure_integrations
from tests.factories import make_client, make_user


@pytest.fixture
def user(app):
    return make_user("anna@example.org", name="Anna Beispiel")


@pytest.fixture
def client_(user):
    return make_client(user.organisation_id)


def integrations(client) -> dict[str, ClientIntegration]:
    return {row.kind: row for row in ensure_integrations(client)}


def connect_seller(sandbox, client, user, number=1):
    seller = sandbox.seller(number)
    return connect(
        client,
        selling_partner_id=seller["selling_partner_id"],
        refresh_token=seller["refresh_token"],
        region="EU",
        user=user,
    )


def raw_token_column(connection_id: int) -> str:
    with db.engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT refresh_token_encrypted FROM amazon_connections WHERE id = :id"),
            {"id": connection_id},
        ).scalar_one()


def test_connecting_stores_the_token_encrypted_and_reads_the_marketplaces(sandbox, client_, user):
    seller = sandbox.seller()

    connection = connect_seller(sandbox, client_, user)

    assert connection.selling_partner_id == seller["selling_partner_id"]
    assert connection.region == "EU"
    assert connection.active and connection.state_label == "Verbunden"
    assert connection.connected_on == datetime.now(UTC).date()
    assert connection.connected_by_id == user.id
    raw = raw_token_column(connection.id)
    assert seller["refresh_token"] not in raw
    assert "Atzr|" not in raw
    assert {m.country_code for m in connection.marketplaces} == {"DE", "FR", "IT", "ES", "NL"}
    assert {m.marketplace_id for m in connection.marketplaces} == set(seller["marketplace_ids"])


def test_connecting_updates_the_setup(sandbox, client_, user):
    rows = integrations(client_)
    rows["payout"].marketplaces.append(IntegrationMarketplace(marketplace="Amazon.de"))
    rows["order"].marketplaces.append(
        IntegrationMarketplace(marketplace="Amazon.fr", excluded=True)
    )
    db.session.commit()
    assert client_.amazon_seller_id is None

    connection = connect_seller(sandbox, client_, user)

    db.session.expire_all()
    assert client_.amazon_seller_id == connection.selling_partner_id
    rows = integrations(client_)
    assert [m.marketplace for m in rows["payout"].marketplaces] == ["Amazon.de"]
    assert rows["order"].imports("Amazon.fr")  # Amazon Order imports every marketplace


def test_a_seller_id_already_filled_in_is_kept(sandbox, client_, user):
    client_.amazon_seller_id = "A3OWNVALUE"
    db.session.commit()

    connect_seller(sandbox, client_, user)

    db.session.expire_all()
    assert client_.amazon_seller_id == "A3OWNVALUE"


def test_a_seller_connected_to_another_client_is_refused_and_nothing_changes(
    sandbox, client_, user
):
    connect_seller(sandbox, client_, user)
    other = make_client(user.organisation_id, name="Zweiter Shop", mandant_nr=2)

    with pytest.raises(SellerTaken) as raised:
        connect_seller(sandbox, other, user)

    assert "bereits mit einem anderen Shop verbunden" in raised.value.message
    db.session.expire_all()
    assert connection_of(other) is None
    assert other.amazon_seller_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AmazonConnection)) == 1


def test_renewal_replaces_the_token_and_keeps_the_settings(sandbox, client_, user):
    connection = connect_seller(sandbox, client_, user)
    first_token = raw_token_column(connection.id)
    rows = integrations(client_)
    rows["order"].marketplaces.append(
        IntegrationMarketplace(marketplace="Amazon.it", excluded=True)
    )
    db.session.commit()
    mark_renewal_needed(connection, "Amazon hat die Verbindung nicht mehr akzeptiert.")
    assert connection.state_label == "Erneuerung nötig"
    connected_on = connection.connected_on

    renewed = connect_seller(sandbox, client_, user)

    assert renewed.id == connection.id
    assert renewed.active
    assert renewed.renewed_at is not None
    assert renewed.last_error == ""
    assert renewed.connected_on == connected_on  # the connection day stays the first one
    assert raw_token_column(connection.id) != first_token
    assert not integrations(client_)["order"].imports("Amazon.it")
    assert len(renewed.marketplaces) == 5


def test_renewing_with_another_seller_account_is_refused(sandbox, client_, user):
    connection = connect_seller(sandbox, client_, user)
    before = raw_token_column(connection.id)

    with pytest.raises(OtherSeller):
        connect_seller(sandbox, client_, user, number=2)

    assert raw_token_column(connection.id) == before


def test_when_amazon_refuses_the_token_nothing_is_stored(sandbox, client_, user):
    sandbox.fault(kind="revoked_token")

    with pytest.raises(TokenRevoked):
        connect_seller(sandbox, client_, user)

    assert connection_of(client_) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConnectionMarketplace)) == 0


def test_disconnecting_deletes_the_token_and_keeps_the_reports(sandbox, client_, user):
    connection = connect_seller(sandbox, client_, user)
    stored = StoredFile(
        client_id=client_.id, file_name="s.txt", sha256="0" * 64, size=1, content=b"x"
    )
    db.session.add(stored)
    db.session.flush()
    db.session.add(
        Report(
            client_id=client_.id,
            integration="payout",
            source="api",
            settlement_id="123",
            file_id=stored.id,
            sha256="0" * 64,
            format="v2",
            period_start=datetime(2026, 11, 1, tzinfo=UTC),
            period_end=datetime(2026, 11, 15, tzinfo=UTC),
        )
    )
    db.session.commit()

    disconnect(connection)

    assert connection_of(client_) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConnectionMarketplace)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
