"""Configuration comes from the environment, with safe production rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from config import DEV_TOKEN_ENCRYPTION_KEY, ConfigError, database_url, load_config
from formatting import date_de, datetime_de, money, number


def test_heroku_postgres_urls_are_fixed_for_sqlalchemy():
    assert database_url({"DATABASE_URL": "postgres://u:p@h:5432/d"}, "/x") == (
        "postgresql+psycopg://u:p@h:5432/d"
    )
    assert database_url({"DATABASE_URL": "postgresql://u:p@h/d"}, "/x") == (
        "postgresql+psycopg://u:p@h/d"
    )


def test_development_defaults_to_sqlite_in_the_instance_folder():
    config = load_config({}, "/srv/kontor/instance")
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/kontor/instance/kontor.sqlite3"
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert config["SPAPI_ENDPOINT"] == "http://127.0.0.1:5001"
    assert config["SELF_REGISTRATION"] is False
    assert config["SPAPI_CLIENT_ID"] == "amzn1.application-oa2-client.kontorsandbox0001"


def test_production_has_no_sandbox_credentials():
    config = load_config(
        {"KONTOR_ENV": "production", "SECRET_KEY": "s", "TOKEN_ENCRYPTION_KEY": "k"}, "/x"
    )
    assert config["SPAPI_CLIENT_ID"] == config["SPAPI_CLIENT_SECRET"] == ""


def test_production_refuses_to_start_without_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"KONTOR_ENV": "production"}, "/x")
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY"):
        load_config({"KONTOR_ENV": "production", "SECRET_KEY": "s"}, "/x")
    config = load_config(
        {"KONTOR_ENV": "production", "SECRET_KEY": "s", "TOKEN_ENCRYPTION_KEY": "k"}, "/x"
    )
    assert config["SESSION_COOKIE_SECURE"] is True


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError):
        load_config({"KONTOR_ENV": "staging"}, "/x")


def test_the_development_token_key_is_a_valid_fernet_key():
    token = Fernet(DEV_TOKEN_ENCRYPTION_KEY).encrypt(b"Atzr|x")
    assert Fernet(DEV_TOKEN_ENCRYPTION_KEY).decrypt(token) == b"Atzr|x"


def test_uploads_are_size_limited():
    assert load_config({}, "/x")["MAX_CONTENT_LENGTH"] == 200 * 1024 * 1024
    assert load_config({"MAX_UPLOAD_BYTES": "1000"}, "/x")["MAX_CONTENT_LENGTH"] == 1000


def test_german_number_and_date_formats():
    assert money(Decimal("1234.5")) == "1.234,50\xa0€"
    assert money(Decimal("-0.5"), "GBP") == "-0,50\xa0£"
    assert number(Decimal("1234567.891")) == "1.234.567,89"
    assert number(Decimal("7"), decimals=0) == "7"
    assert date_de(date(2026, 11, 27)) == "27.11.2026"
    # 23:30 UTC on New Year's Eve is already the next day in Berlin.
    assert date_de(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "01.01.2026"
    assert datetime_de(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "01.07.2026, 12:00"
