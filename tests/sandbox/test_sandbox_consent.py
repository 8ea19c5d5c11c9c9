"""Seller Central consent: /apps/authorize/consent (DESIGN §2.2)."""

from urllib.parse import parse_qs, urlsplit

import pytest

APPLICATION = "amzn1.sp.solution.kontor-sandbox-0001"
CALLBACK = "http://127.0.0.1:5000/amazon/callback"


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_consent_page_shows_the_seller_and_both_buttons(client, seller):
    response = client.get(
        "/apps/authorize/consent",
        query_string={"application_id": APPLICATION, "state": "abc", "redirect_uri": CALLBACK},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert seller.profile.store_name in page and seller.selling_partner_id in page
    assert "Bestätigen" in page and "Abbrechen" in page


def test_confirming_redirects_with_state_seller_and_code(client, state):
    chosen = state.sellers[2]
    response = client.post(
        "/apps/authorize/consent",
        data={
            "application_id": APPLICATION,
            "state": "abc",
            "redirect_uri": CALLBACK + "?tenant=7",
            "seller": chosen.selling_partner_id,
            "decision": "confirm",
        },
    )
    assert response.status_code == 302
    assert response.location.startswith(CALLBACK + "?tenant=7&")
    params = query(response.location)
    assert params["state"] == "abc"
    assert params["selling_partner_id"] == chosen.selling_partner_id
    assert params["spapi_oauth_code"]


def test_cancelling_redirects_with_an_error_and_no_code(client):
    response = client.post(
        "/apps/authorize/consent",
        data={
            "application_id": APPLICATION,
            "state": "abc",
            "redirect_uri": CALLBACK,
            "decision": "cancel",
        },
    )
    params = query(response.location)
    assert params["state"] == "abc"
    assert params["error"] == "access_denied"
    assert "spapi_oauth_code" not in params


@pytest.mark.parametrize(
    "params",
    [
        {"application_id": "amzn1.sp.solution.unknown", "state": "abc"},
        {"application_id": APPLICATION},
        {"application_id": APPLICATION, "state": "abc", "redirect_uri": "javascript:alert(1)"},
    ],
)
def test_invalid_consent_requests_show_an_error_page(client, params):
    response = client.get("/apps/authorize/consent", query_string=params)
    assert response.status_code == 400
    assert "Autorisierung nicht möglich" in response.get_data(as_text=True)


@pytest.mark.parametrize("config", [{"SANDBOX_APP_DRAFT": True, "SANDBOX_REDIRECT_URIS": CALLBACK}])
def test_a_draft_app_needs_version_beta_and_a_registered_redirect_uri(client, config):
    base = {"application_id": APPLICATION, "state": "abc"}
    assert client.get("/apps/authorize/consent", query_string=base).status_code == 400
    assert (
        client.get(
            "/apps/authorize/consent",
            query_string={**base, "version": "beta", "redirect_uri": "http://127.0.0.1:9/x"},
        ).status_code
        == 400
    )
    response = client.post(
        "/apps/authorize/consent", data={**base, "version": "beta", "decision": "confirm"}
    )
    assert response.location.startswith(CALLBACK + "?")
