"""A client's connection to a seller account: connect (new or renewed), renewal, disconnect.

Connecting reads the seller's marketplace participations and then "wir aktualisieren dein
Setup" (help article): the Amazon Seller-ID is filled in where it was missing, Amazon Order
imports every marketplace again, Amazon Payout keeps the marketplaces it had. A renewal only
replaces the token and refreshes the participations: the settings the user made since stay.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from amazon.credentials import encrypt_refresh_token
from amazon.entries import Participation
from amazon.errors import OtherSeller, SellerTaken
from amazon.spapi import SellingPartner, application_from_config, endpoint_for_region
from extensions import db
from models import AmazonConnection, Client, ConnectionMarketplace, User
from models.amazon_connection import ConnectionState, Region
from models.booking_rules import Integration
from models.integration import ClientIntegration, ensure_integrations


def connection_of(client: Client) -> AmazonConnection | None:
    return db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=client.id))


def connect(
    client: Client,
    *,
    selling_partner_id: str,
    refresh_token: str,
    region: str = Region.EU.value,
    user: User | None = None,
) -> AmazonConnection:
    """Store the seller's consent for `client`, new or renewed, and commit.

    Raises SellerTaken when the seller is connected to another client, OtherSeller when a
    renewal confirms a different seller, and the amazon.errors of reading the participations
    (nothing is stored then)."""
    region = Region(region).value
    existing = connection_of(client)
    if existing is not None and existing.selling_partner_id != selling_partner_id:
        raise OtherSeller()
    check_seller_free(client, selling_partner_id, region)
    # Amazon first: if reading the participations fails, nothing has changed here.
    participations = SellingPartner(
        application=application_from_config(current_app.config),
        refresh_token=refresh_token,
        endpoint=endpoint_for_region(current_app.config, region),
    ).marketplace_participations()

    now = datetime.now(UTC)
    connection = existing or AmazonConnection(
        client_id=client.id,
        selling_partner_id=selling_partner_id,
        region=region,
        connected_on=now.date(),
        connected_at=now,
        connected_by_id=user.id if user else None,
    )
    connection.refresh_token_encrypted = encrypt_refresh_token(refresh_token)
    connection.state = ConnectionState.ACTIVE.value
    connection.consecutive_failures = 0
    connection.last_error = ""
    if existing is not None:
        connection.renewed_at = now
    else:
        db.session.add(connection)
        update_setup(client, selling_partner_id)
    record_participations(connection, participations)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request connected the same seller (or this client) a moment ago.
        db.session.rollback()
        raise SellerTaken() from None
    return connection


def check_seller_free(client: Client, selling_partner_id: str, region: str) -> None:
    other = db.session.scalar(
        sa.select(AmazonConnection).where(
            AmazonConnection.selling_partner_id == selling_partner_id,
            AmazonConnection.region == region,
            AmazonConnection.client_id != client.id,
        )
    )
    if other is not None:
        raise SellerTaken()


def update_setup(client: Client, selling_partner_id: str) -> None:
    """ "wir aktualisieren dein Setup": Seller-ID where missing, Order on every marketplace."""
    if not client.amazon_seller_id:
        client.amazon_seller_id = selling_partner_id
    for integration in ensure_integrations(client):
        if integration.kind == Integration.ORDER.value:
            unexclude_all(integration)


def unexclude_all(order: ClientIntegration) -> None:
    for marketplace in order.marketplaces:
        marketplace.excluded = False


def record_participations(
    connection: AmazonConnection, participations: list[Participation]
) -> None:
    """The connection's marketplaces become what the Sellers API says now."""
    rows = {row.marketplace_id: row for row in connection.marketplaces}
    current = {p.marketplace_id for p in participations}
    for row in list(connection.marketplaces):
        if row.marketplace_id not in current:
            connection.marketplaces.remove(row)
    for participation in participations:
        row = rows.get(participation.marketplace_id) or ConnectionMarketplace(
            marketplace_id=participation.marketplace_id
        )
        if row not in connection.marketplaces:
            connection.marketplaces.append(row)
        row.country_code = participation.country_code[:2]
        row.name = participation.name[:40]
        row.domain_name = participation.domain_name[:60]
        row.currency = participation.currency[:3]
        row.store_name = participation.store_name[:200]
        row.participating = participation.participating


def mark_renewal_needed(connection: AmazonConnection, reason: str) -> None:
    """Amazon refused the token: every job of the connection waits for the user's renewal."""
    connection.state = ConnectionState.RENEWAL_NEEDED.value
    connection.last_error = reason
    db.session.commit()


def disconnect(connection: AmazonConnection) -> None:
    """Forget the connection and its token; the reports and batches it imported stay."""
    db.session.delete(connection)
    db.session.commit()
