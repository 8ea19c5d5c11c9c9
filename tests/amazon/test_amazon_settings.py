"""The settings of the consent flow: draft applications and the redirect URI."""

from __future__ import annotations

from config import load_config


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
