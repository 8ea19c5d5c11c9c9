"""The access token of a connection is shared by its job runs for its lifetime (in Redis), and
a revoked connection is still recognised as revoked."""

from __future__ import annotations

import pytest
from redis import Redis

import amazon.lwa
from amazon.errors import TokenRevoked
from amazon.lwa import STORE_KEY
from amazon.spapi import SellingPartner


@pytest.fixture
def store(redis_url):
    client = Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.flushall()


@pytest.fixture
def token_requests(monkeypatch):
    """The grants sent to LWA."""
    sent = []
    real = amazon.lwa.token_request

    def counting(application, grant):
        sent.append(grant["grant_type"])
        return real(application, grant)

    monkeypatch.setattr(amazon.lwa, "token_request", counting)
    return sent


def partner(sandbox, store, number: int = 1) -> SellingPartner:
    return SellingPartner(
        application=sandbox.application(),
        refresh_token=sandbox.seller(number)["refresh_token"],
        endpoint=sandbox.url,
        token_store=store,
    )


def test_job_runs_of_one_connection_ask_lwa_once(sandbox, store, token_requests):
    first = partner(sandbox, store)
    first.marketplace_participations()
    second = partner(sandbox, store)

    assert {p.country_code for p in second.marketplace_participations()} == {
        "DE", "FR", "IT", "ES", "NL",
    }  # fmt: skip
    assert token_requests == ["refresh_token"]


def test_the_stored_token_expires_with_the_access_token(sandbox, store):
    partner(sandbox, store)

    [key] = store.keys(STORE_KEY.format("*"))
    # 3600 s of the sandbox's token, less the renewal margin.
    assert 3600 - amazon.lwa.EXPIRY_MARGIN - 5 <= store.ttl(key) <= 3600 - amazon.lwa.EXPIRY_MARGIN
    assert sandbox.seller()["refresh_token"].encode() not in key
    assert store.get(key) != sandbox.seller()["refresh_token"].encode()


def test_each_seller_has_a_token_of_its_own(sandbox, store, token_requests):
    partner(sandbox, store, 1)
    second = partner(sandbox, store, 2)

    assert {p.country_code for p in second.marketplace_participations()} == {"DE"}
    assert token_requests == ["refresh_token", "refresh_token"]


def test_a_stored_token_of_a_seller_who_removed_the_app_is_token_revoked(
    sandbox, store, token_requests
):
    partner(sandbox, store).marketplace_participations()
    sandbox.revoke(sandbox.seller()["selling_partner_id"])

    later = partner(sandbox, store)  # the stored token: no LWA round trip yet
    with pytest.raises(TokenRevoked):
        later.marketplace_participations()
    assert token_requests == ["refresh_token", "refresh_token"]


def test_a_stored_token_amazon_no_longer_accepts_is_renewed(sandbox, store, token_requests):
    partner(sandbox, store)
    [key] = store.keys(STORE_KEY.format("*"))
    store.set(key, "Atza|no-longer-valid", ex=600)

    participations = partner(sandbox, store).marketplace_participations()

    assert len(participations) == 5
    assert token_requests == ["refresh_token", "refresh_token"]
    assert store.get(key) != b"Atza|no-longer-valid"
