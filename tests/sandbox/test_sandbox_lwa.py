"""Login with Amazon: POST /auth/o2/token as DESIGN §2.2 describes it."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox.sandbox_helpers import REPORTS, SETTLEMENT, grant, refresh_grant

APPLICATION = "amzn1.sp.solution.kontor-sandbox-0001"


def consent_code(client, seller, redirect_uri="http://127.0.0.1:5000/amazon/callback"):
    response = client.post(
        "/apps/authorize/consent",
        data={
            "application_id": APPLICATION,
            "state": "s-1",
            "redirect_uri": redirect_uri,
            "seller": seller.selling_partner_id,
            "decision": "confirm",
        },
    )
    return parse_qs(urlsplit(response.location).query)["spapi_oauth_code"][0]


def test_refresh_token_grant_gives_an_access_token_for_an_hour(client, state, seller):
    response = grant(
        client, state, grant_type="refresh_token", refresh_token=state.seeded_refresh_token(seller)
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("Atza|")
    assert response.headers["Cache-Control"] == "no-store"


def test_access_token_expires_after_an_hour(client, state, seller, clock):
    token = grant(
        client, state, grant_type="refresh_token", refresh_token=state.seeded_refresh_token(seller)
    ).get_json()["access_token"]
    headers = {"x-amz-access-token": token}
    clock.advance(3599)
    assert client.get("/sellers/v1/marketplaceParticipations", headers=headers).status_code == 200
    clock.advance(1)
    response = client.get("/sellers/v1/marketplaceParticipations", headers=headers)
    assert response.status_code == 403
    error = response.get_json()["errors"][0]
    assert error["code"] == "Unauthorized"
    assert error["details"] == "The access token you provided has expired."


def test_authorization_code_is_exchanged_once_for_a_refresh_token(client, state, seller):
    code = consent_code(client, seller)
    first = grant(client, state, grant_type="authorization_code", code=code)
    assert first.status_code == 200
    refresh_token = first.get_json()["refresh_token"]
    assert refresh_token.startswith("Atzr|")
    again = grant(client, state, grant_type="authorization_code", code=code)
    assert again.status_code == 400
    assert again.get_json() == {
        "error": "invalid_grant",
        "error_description": "The request has an invalid grant parameter : code",
    }
    refreshed = grant(client, state, grant_type="refresh_token", refresh_token=refresh_token)
    assert refreshed.status_code == 200


def test_authorization_code_expires_after_five_minutes(client, state, seller, clock):
    code = consent_code(client, seller)
    clock.advance(300)
    response = grant(client, state, grant_type="authorization_code", code=code)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_redirect_uri_is_optional_but_must_match_when_given(client, state, seller):
    code = consent_code(client, seller)
    assert (
        grant(
            client,
            state,
            grant_type="authorization_code",
            code=code,
            redirect_uri="https://evil.example/cb",
        ).status_code
        == 400
    )
    code = consent_code(client, seller)
    response = grant(
        client,
        state,
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://127.0.0.1:5000/amazon/callback",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_id": "amzn1.application-oa2-client.other"},
        {"client_secret": "wrong"},
    ],
)
def test_wrong_client_credentials_answer_401_invalid_client(client, state, seller, credentials):
    data = {
        "grant_type": "refresh_token",
        "refresh_token": state.seeded_refresh_token(seller),
        "client_id": state.client_id,
        "client_secret": state.client_secret,
        **credentials,
    }
    response = client.post("/auth/o2/token", data=data)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }


def test_unknown_refresh_token_is_an_invalid_grant(client, state):
    response = grant(client, state, grant_type="refresh_token", refresh_token="Atzr|IwEBforged.x")
    assert response.status_code == 400
    assert response.get_json()["error_description"] == (
        "The request has an invalid grant parameter : refresh_token"
    )


def test_missing_parameters_and_unknown_grant_types_are_rejected(client, state):
    assert grant(client, state).get_json()["error"] == "invalid_request"
    assert grant(client, state, grant_type="refresh_token").get_json()["error"] == (
        "invalid_request"
    )
    response = grant(client, state, grant_type="password")
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_client_credentials_grant_gives_a_grantless_token_that_the_reports_api_refuses(
    client, state
):
    response = grant(
        client, state, grant_type="client_credentials", scope="sellingpartnerapi::notifications"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["scope"] == "sellingpartnerapi::notifications" and body["expires_in"] == 3600
    assert "refresh_token" not in body
    # A grantless token belongs to no seller: seller operations answer 403 Unauthorized.
    refused = client.get(
        REPORTS,
        query_string={"reportTypes": SETTLEMENT},
        headers={"x-amz-access-token": body["access_token"]},
    )
    assert refused.status_code == 403
    assert refused.get_json()["errors"][0]["code"] == "Unauthorized"


@pytest.mark.parametrize("scope", [None, "sellingpartnerapi::reports"])
def test_client_credentials_grant_needs_a_grantless_scope(client, state, scope):
    params = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    response = grant(client, state, **params)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_client_credentials_grant_needs_the_client_secret(client, state):
    response = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "client_credentials",
            "scope": "sellingpartnerapi::notifications",
            "client_id": state.client_id,
            "client_secret": "wrong",
        },
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_json_bodies_and_unknown_keys_are_accepted(client, state, seller):
    response = client.post(
        "/auth/o2/token",
        json={
            "grant_type": "refresh_token",
            "refresh_token": state.seeded_refresh_token(seller),
            "client_id": state.client_id,
            "client_secret": state.client_secret,
            "scope": "ignored",
            "something_new": "1",
        },
    )
    assert response.status_code == 200


def test_revoked_app_invalidates_refresh_and_access_tokens(client, state, seller):
    refresh_token = state.seeded_refresh_token(seller)
    access = grant(client, state, grant_type="refresh_token", refresh_token=refresh_token)
    headers = {"x-amz-access-token": access.get_json()["access_token"]}
    response = client.post(
        "/_sandbox/revoke", json={"selling_partner_id": seller.selling_partner_id}
    )
    assert response.status_code == 200
    refused = grant(client, state, grant_type="refresh_token", refresh_token=refresh_token)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_grant"
    listing = client.get(REPORTS, query_string={"reportTypes": SETTLEMENT}, headers=headers)
    assert listing.status_code == 403
    # Authorising the app again works and yields a new, valid refresh token.
    code = consent_code(client, seller)
    renewed = grant(client, state, grant_type="authorization_code", code=code)
    assert renewed.status_code == 200


def test_tokens_survive_a_restart_with_the_same_seed(client, state, seller):
    from sandbox import create_sandbox_app

    again = create_sandbox_app({"SANDBOX_CLOCK": state.clock.now()})
    response = refresh_grant(again.test_client(), state, seller)
    assert response.status_code == 200


def test_access_token_is_required_for_the_api(client):
    response = client.get(REPORTS, query_string={"reportTypes": SETTLEMENT})
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["code"] == "Unauthorized"
    forged = client.get(
        REPORTS, query_string={"reportTypes": SETTLEMENT}, headers={"x-amz-access-token": "Atza|x"}
    )
    assert forged.status_code == 403


def test_client_credentials_may_come_as_http_basic(client, state, seller):
    response = client.post(
        "/auth/o2/token",
        data={"grant_type": "refresh_token", "refresh_token": state.seeded_refresh_token(seller)},
        auth=(state.client_id, state.client_secret),
    )
    assert response.status_code == 200
