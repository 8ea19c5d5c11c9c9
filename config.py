"""Configuration, read from the environment when the app is built (never at import time).

Names follow Heroku's conventions. Development and tests get embedded defaults
(SQLite in instance/, a local redis-server, the local Amazon sandbox and mail sink);
production has none of them: it refuses to start, naming the variable, unless the secrets,
the SP-API application and endpoints and the mail server are set and point elsewhere than
this machine. The Fernet key(s) are checked at start in every environment.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from currency_converter import ECB_URL

DEV_SECRET_KEY = "kontor-development-only-secret"  # noqa: S105 - refused outside development
# A valid Fernet key for development only; production must set its own.
DEV_TOKEN_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE="  # noqa: S105

# The SP-API application that the local Amazon sandbox registers: development talks to the
# sandbox with it, and the sandbox takes its registered application from here (sandbox/README).
DEV_SPAPI_APPLICATION = {
    "SPAPI_CLIENT_ID": "amzn1.application-oa2-client.kontorsandbox0001",
    "SPAPI_CLIENT_SECRET": "amzn1.oa2-cs.v1.kontor-sandbox-secret-0001",
    "SPAPI_APPLICATION_ID": "amzn1.sp.solution.kontor-sandbox-0001",
}
DEV_SANDBOX_URL = "http://127.0.0.1:5001"
DEV_MAIL_URL = "smtp://127.0.0.1:8025"  # the development mail sink (flask mailsink run)
# Where users reach Kontor: the base of the absolute links in e-mails (no request to take it from).
DEV_PUBLIC_URL = "http://127.0.0.1:5000"
# The UTC hour of the daily automatic fetch (the clock enqueues it, the pages announce it).
DEFAULT_SYNC_HOUR_UTC = 4

# The services Kontor talks to, and its own public address: defaults to this machine outside
# production, none in it.
SERVICE_SETTINGS = (
    *DEV_SPAPI_APPLICATION,
    "SPAPI_ENDPOINT",
    "SPAPI_TOKEN_ENDPOINT",
    "SPAPI_CONSENT_URL",
    "MAIL_URL",
    "PUBLIC_URL",
)
# Production starts only with each of these set, in the environment, to a real value.
PRODUCTION_REQUIRED = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", *SERVICE_SETTINGS)
# Where production may send its tokens and mail: the scheme each URL must have.
PRODUCTION_URL_SCHEMES = {
    "SPAPI_ENDPOINT": ("https",),
    "SPAPI_TOKEN_ENDPOINT": ("https",),
    "SPAPI_CONSENT_URL": ("https",),
    "MAIL_URL": ("smtp", "smtps"),
    "PUBLIC_URL": ("https",),
}

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
    if production:
        check_production_environment(environ)

    token_key = environ.get("TOKEN_ENCRYPTION_KEY") or DEV_TOKEN_ENCRYPTION_KEY
    fernet_keys(token_key)  # a bad key refuses to start, not the first token to decrypt

    # Outside production everything defaults to this machine: the sandbox and the mail sink.
    defaults = {} if production else development_defaults(environ)
    return {
        "KONTOR_ENV": env,
        "SECRET_KEY": environ.get("SECRET_KEY") or DEV_SECRET_KEY,
        "TOKEN_ENCRYPTION_KEY": token_key,
        "SQLALCHEMY_DATABASE_URI": database_url(environ, instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "MAIL_FROM": environ.get("MAIL_FROM", "Kontor <kontor@localhost>"),
        **{name: environ.get(name, "").strip() or defaults[name] for name in SERVICE_SETTINGS},
        # Outside production the sandbox's history (sandbox/ecb_rates.py): its settlements run
        # to its today, and this machine may have no way to the ECB.
        "ECB_RATES_URL": environ.get("ECB_RATES_URL", "").strip()
        or defaults.get("ECB_RATES_URL", ECB_URL),
        # Refreshed daily by the clock (jobs.rates); the shipped ECB history ages otherwise.
        "ECB_RATES_FILE": environ.get(
            "ECB_RATES_FILE", str(Path(instance_path) / "ecb" / "eurofxref-hist.zip")
        ),
        # The daily API sync of every connection starts in this UTC hour (jobs.schedule).
        "SYNC_HOUR_UTC": sync_hour(environ),
        # How many times faster than Amazon's the API's rate limits refill: the sandbox's
        # SANDBOX_TIME_SCALE in tests and benchmarks; Amazon itself is 1.
        "SPAPI_TIME_SCALE": 1.0 if production else float(environ.get("SPAPI_TIME_SCALE", "1")),
        # A draft SP-API application (not yet published) needs version=beta on the consent
        # page; in development the sandbox's own draft switch says so too.
        "SPAPI_APP_DRAFT": is_true(environ.get("SPAPI_APP_DRAFT"))
        or (not production and is_true(environ.get("SANDBOX_APP_DRAFT"))),
        # The redirect URI registered for the application; empty: this app's callback URL.
        "SPAPI_REDIRECT_URI": environ.get("SPAPI_REDIRECT_URI", "").strip(),
        # Per-region SP-API endpoints for sellers outside SPAPI_ENDPOINT's region (optional).
        **{
            f"SPAPI_ENDPOINT_{region}": environ.get(f"SPAPI_ENDPOINT_{region}", "").strip()
            for region in ("EU", "NA", "FE")
        },
        "SELF_REGISTRATION": environ.get("SELF_REGISTRATION", "0") == "1",
        "MAX_CONTENT_LENGTH": int(environ.get("MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    }


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def sandbox_endpoints(base_url: str) -> dict[str, str]:
    """The SP-API, token and consent endpoints of a sandbox at `base_url` (development, tests
    and benchmarks: the sandbox serves all three on Amazon's own paths)."""
    return {
        "SPAPI_ENDPOINT": base_url,
        "SPAPI_TOKEN_ENDPOINT": base_url + "/auth/o2/token",
        "SPAPI_CONSENT_URL": base_url + "/apps/authorize/consent",
    }


def development_defaults(environ: dict[str, str]) -> dict[str, str]:
    """The SP-API application and endpoints of the local sandbox (its ECB history too), the
    local mail sink and the development server's address."""
    sandbox = environ.get("SANDBOX_URL", DEV_SANDBOX_URL)
    return {
        **DEV_SPAPI_APPLICATION,
        **sandbox_endpoints(sandbox),
        "ECB_RATES_URL": sandbox + "/_sandbox/ecb/eurofxref-hist.zip",
        "MAIL_URL": DEV_MAIL_URL,
        "PUBLIC_URL": DEV_PUBLIC_URL,
    }


def sync_hour(environ: dict[str, str]) -> int:
    value = environ.get("SYNC_HOUR_UTC", "").strip() or str(DEFAULT_SYNC_HOUR_UTC)
    if not value.isdigit() or not 0 <= int(value) <= 23:
        raise ConfigError(f"SYNC_HOUR_UTC must be an hour from 0 to 23, not {value!r}")
    return int(value)


def check_production_environment(environ: dict[str, str]) -> None:
    """Refuse every missing, development or loopback value at once, each by its variable."""
    problems = [
        f"{name} is not set" for name in PRODUCTION_REQUIRED if not environ.get(name, "").strip()
    ]
    if environ.get("SECRET_KEY") == DEV_SECRET_KEY:
        problems.append("SECRET_KEY is the development value; production needs its own")
    if DEV_TOKEN_ENCRYPTION_KEY in environ.get("TOKEN_ENCRYPTION_KEY", "").split(","):
        problems.append("TOKEN_ENCRYPTION_KEY holds the development key; production needs its own")
    for name, schemes in PRODUCTION_URL_SCHEMES.items():
        if environ.get(name, "").strip():
            problem = production_url_problem(environ[name].strip(), schemes)
            if problem:
                problems.append(f"{name} {problem}")
    # Optional, but where set they carry tokens and OAuth codes too.
    for name in (
        "SPAPI_REDIRECT_URI",
        "SPAPI_ENDPOINT_EU",
        "SPAPI_ENDPOINT_NA",
        "SPAPI_ENDPOINT_FE",
    ):
        if environ.get(name, "").strip():
            problem = production_url_problem(environ[name].strip(), ("https",))
            if problem:
                problems.append(f"{name} {problem}")
    if problems:
        raise ConfigError(
            "Kontor does not start in production (KONTOR_ENV=production): "
            + "; ".join(problems)
            + "."
        )


def production_url_problem(url: str, schemes: tuple[str, ...]) -> str | None:
    """Why `url` cannot be a production endpoint, or None. The value itself is not repeated:
    a MAIL_URL carries the SMTP password."""
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        return "must start with " + " or ".join(f"{scheme}://" for scheme in schemes)
    if not parts.hostname:
        return "names no host"
    if is_loopback(parts.hostname):
        return "points at this machine (a development default?); production needs the real one"
    return None


def is_loopback(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    # 0.0.0.0 as a destination reaches this machine too.
    return address.is_loopback or address.is_unspecified


def fernet_keys(value: str) -> list[str]:
    """TOKEN_ENCRYPTION_KEY: one Fernet key, or several separated by commas for a rotation
    (the first encrypts, all decrypt: cryptography's MultiFernet). Each must be a valid key."""
    keys = [key.strip() for key in value.split(",")]
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            # The key is a secret: say which one, never what it is.
            raise ConfigError(
                f"TOKEN_ENCRYPTION_KEY: key {number} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes, e.g. from Fernet.generate_key())"
            ) from None
    return keys


def load_config_from_os(instance_path: str) -> dict:
    return load_config(dict(os.environ), instance_path)
