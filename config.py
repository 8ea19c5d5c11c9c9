"""Configuration, read from the environment when the app is built (never at import time).

Names follow Heroku's conventions. Development and tests get embedded defaults
(SQLite in instance/, a local redis-server, the local Amazon sandbox and mail sink);
production refuses to start without a real SECRET_KEY and TOKEN_ENCRYPTION_KEY.
"""

from __future__ import annotations

import os
from pathlib import Path

from currency_converter import ECB_URL

DEV_SECRET_KEY = "kontor-development-only-secret"  # noqa: S105 - refused outside development
# A valid Fernet key for development only; production must set its own.
DEV_TOKEN_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE="  # noqa: S105

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a year of settlements of a large seller fits easily


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def database_url(environ: dict[str, str], instance_path: str) -> str:
    url = environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "kontor.sqlite3")
    # Heroku still hands out postgres://, which SQLAlchemy 2 no longer accepts.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(environ: dict[str, str], instance_path: str) -> dict:
    """Build the Flask config mapping from an environment mapping."""
    env = environ.get("KONTOR_ENV", "development")
    if env not in ("development", "production", "test"):
        raise ConfigError(f"KONTOR_ENV must be development, production or test, not {env!r}")
    production = env == "production"

    secret_key = environ.get("SECRET_KEY")
    token_key = environ.get("TOKEN_ENCRYPTION_KEY")
    if production and not secret_key:
        raise ConfigError("SECRET_KEY must be set in production (KONTOR_ENV=production).")
    if production and not token_key:
        raise ConfigError("TOKEN_ENCRYPTION_KEY must be set in production (KONTOR_ENV=production).")

    sandbox = environ.get("SANDBOX_URL", "http://127.0.0.1:5001")
    # Outside production the SP-API application defaults to the sandbox's registered one.
    app_defaults = {} if production else sandbox_application()
    return {
        "KONTOR_ENV": env,
        "SECRET_KEY": secret_key or DEV_SECRET_KEY,
        "TOKEN_ENCRYPTION_KEY": token_key or DEV_TOKEN_ENCRYPTION_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url(environ, instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "MAIL_URL": environ.get("MAIL_URL", "smtp://127.0.0.1:8025"),
        "MAIL_FROM": environ.get("MAIL_FROM", "Kontor <kontor@localhost>"),
        **{
            name: environ.get(name, app_defaults.get(name, ""))
            for name in ("SPAPI_CLIENT_ID", "SPAPI_CLIENT_SECRET", "SPAPI_APPLICATION_ID")
        },
        "SPAPI_ENDPOINT": environ.get("SPAPI_ENDPOINT", sandbox),
        "SPAPI_TOKEN_ENDPOINT": environ.get("SPAPI_TOKEN_ENDPOINT", sandbox + "/auth/o2/token"),
        "SPAPI_CONSENT_URL": environ.get("SPAPI_CONSENT_URL", sandbox + "/apps/authorize/consent"),
        "ECB_RATES_URL": environ.get("ECB_RATES_URL", ECB_URL),
        # Refreshed daily by the clock (jobs.rates); the shipped ECB history ages otherwise.
        "ECB_RATES_FILE": environ.get(
            "ECB_RATES_FILE", str(Path(instance_path) / "ecb" / "eurofxref-hist.zip")
        ),
        "SELF_REGISTRATION": environ.get("SELF_REGISTRATION", "0") == "1",
        "MAX_CONTENT_LENGTH": int(environ.get("MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    }


def sandbox_application() -> dict[str, str]:
    """The SP-API application that the local Amazon sandbox registers (sandbox/README.md)."""
    from sandbox.app import DEFAULTS

    return {
        "SPAPI_CLIENT_ID": DEFAULTS["SANDBOX_CLIENT_ID"],
        "SPAPI_CLIENT_SECRET": DEFAULTS["SANDBOX_CLIENT_SECRET"],
        "SPAPI_APPLICATION_ID": DEFAULTS["SANDBOX_APPLICATION_ID"],
    }


def load_config_from_os(instance_path: str) -> dict:
    return load_config(dict(os.environ), instance_path)
