"""The settings of the consent flow: draft applications and the redirect URI."""

from __future__ import annotations

import pytest

from config import ConfigError, load_config
from tests.test_config import PRODUCTION


def test_a_draft_application_is_announced_by_spapi_app_draft():
    assert load_config({"SPAPI_APP_DRAFT": "1"}, "/tmp")["SPAPI_APP_DRAFT"] is True
    assert load_config({}, "/tmp")["SPAPI_APP_DRAFT"] is False


def test_in_development_the_sandboxs_draft_switch_counts_too():
    assert load_config({"SANDBOX_APP_DRAFT": "true"}, "/tmp")["SPAPI_APP_DRAFT"] is True


def test_the_redirect_uri_defaults_to_the_callback_url():
    assert load_config({}, "/tmp")["SPAPI_REDIRECT_URI"] == ""
    registered = "https://kontor.example/amazon/callback"
    assert (
        load_config({"SPAPI_REDIRECT_URI": registered}, "/tmp")["SPAPI_REDIRECT_URI"] == registered
    )


@pytest.mark.parametrize(
    "name", ["SPAPI_REDIRECT_URI", "SPAPI_ENDPOINT_EU", "SPAPI_ENDPOINT_NA", "SPAPI_ENDPOINT_FE"]
)
def test_production_refuses_optional_amazon_urls_without_https(name):
    with pytest.raises(ConfigError, match=name):
        load_config({**PRODUCTION, name: "http://kontor.example/amazon/callback"}, "/x")


def test_production_takes_https_optional_amazon_urls():
    config = load_config(
        {
            **PRODUCTION,
            "SPAPI_REDIRECT_URI": "https://kontor.example/amazon/callback",
            "SPAPI_ENDPOINT_NA": "https://sellingpartnerapi-na.amazon.com",
        },
        "/x",
    )

    assert config["SPAPI_REDIRECT_URI"] == "https://kontor.example/amazon/callback"
    assert config["SPAPI_ENDPOINT_NA"] == "https://sellingpartnerapi-na.amazon.com"
    assert config["SPAPI_APP_DRAFT"] is False
