"""Configuration comes from the environment, with safe production rules."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config import (
    DEV_SECRET_KEY,
    DEV_TOKEN_ENCRYPTION_KEY,
    ConfigError,
    database_url,
    fernet_keys,
    load_config,
)
from formatting import date_de, datetime_de, money, number
from sandbox.app import load_config as load_sandbox_config

PROJECT = Path(__file__).resolve().parent.parent


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
    assert config["SELF_REGISTRATION"] is False


def test_development_talks_to_the_local_sandbox_and_mail_sink():
    config = load_config({}, "/x")
    assert config["SPAPI_ENDPOINT"] == "http://127.0.0.1:5001"
    assert config["SPAPI_TOKEN_ENDPOINT"] == "http://127.0.0.1:5001/auth/o2/token"
    assert config["SPAPI_CONSENT_URL"] == "http://127.0.0.1:5001/apps/authorize/consent"
    assert config["MAIL_URL"] == "smtp://127.0.0.1:8025"
    assert config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert config["SPAPI_CLIENT_ID"] == "amzn1.application-oa2-client.kontorsandbox0001"


def test_development_takes_its_ecb_rates_from_the_sandbox_and_production_from_the_ecb():
    from currency_converter import ECB_URL

    assert load_config({}, "/x")["ECB_RATES_URL"] == (
        "http://127.0.0.1:5001/_sandbox/ecb/eurofxref-hist.zip"
    )
    moved = load_config({"SANDBOX_URL": "http://127.0.0.1:6001"}, "/x")
    assert moved["ECB_RATES_URL"] == "http://127.0.0.1:6001/_sandbox/ecb/eurofxref-hist.zip"
    assert load_config(production_without(), "/x")["ECB_RATES_URL"] == ECB_URL
    chosen = load_config(production_without(ECB_RATES_URL="https://mirror.example/h.zip"), "/x")
    assert chosen["ECB_RATES_URL"] == "https://mirror.example/h.zip"


def test_the_sandbox_registers_the_application_that_development_uses():
    sandbox = load_sandbox_config({})
    development = load_config({}, "/x")
    assert sandbox["SANDBOX_CLIENT_ID"] == development["SPAPI_CLIENT_ID"]
    assert sandbox["SANDBOX_CLIENT_SECRET"] == development["SPAPI_CLIENT_SECRET"]
    assert sandbox["SANDBOX_APPLICATION_ID"] == development["SPAPI_APPLICATION_ID"]


def test_the_configuration_does_not_import_the_sandbox():
    # A fresh interpreter: this test session has imported the sandbox long ago.
    # (The CLI's `flask sandbox` commands may import it; the configuration may not.)
    code = "import sys, config; config.load_config({}, '/x'); print('sandbox' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


PRODUCTION = {
    "KONTOR_ENV": "production",
    "SECRET_KEY": "a-real-production-secret",
    "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "SPAPI_CLIENT_ID": "amzn1.application-oa2-client.real",
    "SPAPI_CLIENT_SECRET": "amzn1.oa2-cs.v1.real",
    "SPAPI_APPLICATION_ID": "amzn1.sp.solution.real",
    "SPAPI_ENDPOINT": "https://sellingpartnerapi-eu.amazon.com",
    "SPAPI_TOKEN_ENDPOINT": "https://api.amazon.com/auth/o2/token",
    "SPAPI_CONSENT_URL": "https://sellercentral-europe.amazon.com/apps/authorize/consent",
    "MAIL_URL": "smtp://kontor:secret@mail.example.org:587?starttls=1",
    "PUBLIC_URL": "https://kontor.example.org",
}


def production_without(*names: str, **values: str) -> dict[str, str]:
    environ = {name: value for name, value in PRODUCTION.items() if name not in names}
    environ.update(values)
    return environ


def test_production_starts_with_real_secrets_endpoints_and_mail_server():
    config = load_config(PRODUCTION, "/x")
    for name in (
        "SPAPI_CLIENT_ID",
        "SPAPI_CLIENT_SECRET",
        "SPAPI_APPLICATION_ID",
        "SPAPI_ENDPOINT",
        "SPAPI_TOKEN_ENDPOINT",
        "SPAPI_CONSENT_URL",
        "MAIL_URL",
        "PUBLIC_URL",
    ):
        assert config[name] == PRODUCTION[name]
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_KEY",
        "TOKEN_ENCRYPTION_KEY",
        "SPAPI_CLIENT_ID",
        "SPAPI_CLIENT_SECRET",
        "SPAPI_APPLICATION_ID",
        "SPAPI_ENDPOINT",
        "SPAPI_TOKEN_ENDPOINT",
        "SPAPI_CONSENT_URL",
        "MAIL_URL",
        "PUBLIC_URL",
    ],
)
def test_production_refuses_to_start_without_each_required_variable(name):
    with pytest.raises(ConfigError, match=f"{name} is not set"):
        load_config(production_without(name), "/x")
    with pytest.raises(ConfigError, match=f"{name} is not set"):
        load_config(production_without(**{name: "  "}), "/x")


def test_production_names_every_missing_variable_at_once():
    with pytest.raises(ConfigError) as refused:
        load_config({"KONTOR_ENV": "production"}, "/x")
    for name in ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "SPAPI_CLIENT_ID", "MAIL_URL"):
        assert f"{name} is not set" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("SPAPI_ENDPOINT", "https://127.0.0.1:5001"),
        ("SPAPI_TOKEN_ENDPOINT", "https://localhost/auth/o2/token"),
        ("SPAPI_CONSENT_URL", "https://[::1]:5001/apps/authorize/consent"),
        ("MAIL_URL", "smtp://127.0.0.1:8025"),
        ("MAIL_URL", "smtp://0.0.0.0:25"),
        ("MAIL_URL", "smtps://user:pw@mail.localhost:465"),
        ("PUBLIC_URL", "https://127.0.0.1:5000"),
    ],
)
def test_production_refuses_a_loopback_url(name, url):
    with pytest.raises(ConfigError, match=f"{name} points at this machine"):
        load_config(production_without(**{name: url}), "/x")


@pytest.mark.parametrize(
    ("name", "url", "reason"),
    [
        ("SPAPI_ENDPOINT", "http://sellingpartnerapi-eu.amazon.com", "must start with https://"),
        ("SPAPI_TOKEN_ENDPOINT", "api.amazon.com/auth/o2/token", "must start with https://"),
        ("MAIL_URL", "mail.example.org:587", "must start with smtp:// or smtps://"),
        ("MAIL_URL", "smtp://", "names no host"),
        ("PUBLIC_URL", "http://kontor.example.org", "must start with https://"),
    ],
)
def test_production_refuses_a_url_that_is_no_endpoint(name, url, reason):
    with pytest.raises(ConfigError, match=f"{name} {reason}"):
        load_config(production_without(**{name: url}), "/x")


def test_a_refused_url_is_not_repeated_in_the_message():
    with pytest.raises(ConfigError) as refused:
        load_config(production_without(MAIL_URL="smtp://kontor:hunter2@127.0.0.1:25"), "/x")
    assert "hunter2" not in str(refused.value)


def test_production_refuses_the_development_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY is the development value"):
        load_config(production_without(SECRET_KEY=DEV_SECRET_KEY), "/x")
    rotation = PRODUCTION["TOKEN_ENCRYPTION_KEY"] + "," + DEV_TOKEN_ENCRYPTION_KEY
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY holds the development key"):
        load_config(production_without(TOKEN_ENCRYPTION_KEY=rotation), "/x")


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError):
        load_config({"KONTOR_ENV": "staging"}, "/x")


def test_the_development_token_key_is_a_valid_fernet_key():
    token = Fernet(DEV_TOKEN_ENCRYPTION_KEY).encrypt(b"Atzr|x")
    assert Fernet(DEV_TOKEN_ENCRYPTION_KEY).decrypt(token) == b"Atzr|x"


def test_the_token_keys_may_be_a_rotation_of_several_fernet_keys():
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert fernet_keys(f"{new}, {old}") == [new, old]
    config = load_config(production_without(TOKEN_ENCRYPTION_KEY=f"{new},{old}"), "/x")
    assert config["TOKEN_ENCRYPTION_KEY"] == f"{new},{old}"


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_a_bad_token_key_refuses_to_start_in_every_environment(environment):
    good = Fernet.generate_key().decode()
    secret = "not-a-fernet-key-but-a-secret"
    environ = production_without(KONTOR_ENV=environment, TOKEN_ENCRYPTION_KEY=f"{good},{secret}")
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY: key 2 of 2 is not a Fernet key"):
        load_config(environ, "/x")
    with pytest.raises(ConfigError) as refused:
        load_config(environ, "/x")
    assert secret not in str(refused.value)


def test_an_empty_key_in_the_rotation_list_is_refused():
    good = Fernet.generate_key().decode()
    with pytest.raises(ConfigError, match="key 2 of 3"):
        fernet_keys(f"{good},,{good}")


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


def test_the_daily_fetch_runs_at_a_configurable_utc_hour():
    assert load_config({}, "/x")["SYNC_HOUR_UTC"] == 4
    assert load_config({"SYNC_HOUR_UTC": "23"}, "/x")["SYNC_HOUR_UTC"] == 23
    for wrong in ("24", "-1", "vier"):
        with pytest.raises(ConfigError, match="SYNC_HOUR_UTC must be an hour from 0 to 23"):
            load_config({"SYNC_HOUR_UTC": wrong}, "/x")
