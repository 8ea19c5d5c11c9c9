"""The sandbox application factory."""

import os

from flask import Flask
from werkzeug.exceptions import HTTPException

from config import DEV_SPAPI_APPLICATION
from sandbox import admin, auth, reports, sellers_api
from sandbox.api import error_response
from sandbox.clock import parse_clock_config
from sandbox.limits import Faults, RateLimiter
from sandbox.state import SandboxState

DEFAULTS = {
    "SANDBOX_SEED": "kontor",
    # The one registered application is the one Kontor's development config talks to.
    "SANDBOX_CLIENT_ID": DEV_SPAPI_APPLICATION["SPAPI_CLIENT_ID"],
    "SANDBOX_CLIENT_SECRET": DEV_SPAPI_APPLICATION["SPAPI_CLIENT_SECRET"],
    "SANDBOX_APPLICATION_ID": DEV_SPAPI_APPLICATION["SPAPI_APPLICATION_ID"],
    "SANDBOX_REDIRECT_URIS": "",  # comma-separated; empty accepts any http(s) redirect_uri
    "SANDBOX_APP_DRAFT": False,  # True: the consent requires &version=beta
    "SANDBOX_TIME_SCALE": 1.0,
    "SANDBOX_RATE_LIMITS": True,
    "SANDBOX_CLOCK": None,  # ISO date-time to start from (default: real time)
    "SANDBOX_CLOCK_FROZEN": None,  # True: time stands still until /_sandbox/clock moves it
    "SANDBOX_FAULTS": (),
    # The base URL of the pre-signed document links; empty: the address the server is bound
    # to (right for `flask sandbox run`; behind a proxy or in a container set it).
    "SANDBOX_PUBLIC_URL": "",
    "SANDBOX_SELLERS": None,  # how many sellers; unset: the four hand-made ones
}


def _from_environment(key: str, default):
    value = os.environ.get(key)
    if value is None:
        return default
    if isinstance(default, bool) or key == "SANDBOX_CLOCK_FROZEN":
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, float):
        return float(value)
    if key == "SANDBOX_SELLERS":
        return int(value) if value.strip() else None
    return value


def load_config(config: dict | None = None) -> dict:
    """Defaults, overridden by the environment, overridden by `config`."""
    settings = {key: _from_environment(key, default) for key, default in DEFAULTS.items()}
    settings.update(config or {})
    return settings


def create_sandbox_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(load_config(config))
    app.extensions["sandbox"] = build_state(app.config)
    app.json.sort_keys = False
    for blueprint in (auth.bp, reports.bp, sellers_api.bp, admin.bp):
        app.register_blueprint(blueprint)
    register_errorhandlers(app)
    return app


def build_state(config) -> SandboxState:
    clock = parse_clock_config(config["SANDBOX_CLOCK"], config["SANDBOX_CLOCK_FROZEN"])
    time_scale = float(config["SANDBOX_TIME_SCALE"])
    uris = config["SANDBOX_REDIRECT_URIS"]
    if isinstance(uris, str):
        uris = [u.strip() for u in uris.split(",") if u.strip()]
    return SandboxState(
        seed=str(config["SANDBOX_SEED"]),
        clock=clock,
        client_id=config["SANDBOX_CLIENT_ID"],
        client_secret=config["SANDBOX_CLIENT_SECRET"],
        application_id=config["SANDBOX_APPLICATION_ID"],
        redirect_uris=list(uris),
        draft=bool(config["SANDBOX_APP_DRAFT"]),
        time_scale=time_scale,
        limiter=RateLimiter(clock, time_scale, enabled=bool(config["SANDBOX_RATE_LIMITS"])),
        faults=Faults(config["SANDBOX_FAULTS"]),
        seller_count=seller_count(config["SANDBOX_SELLERS"]),
    )


def seller_count(value) -> int | None:
    if value is None:
        return None
    count = int(value)
    if count < 1:
        raise ValueError(f"SANDBOX_SELLERS must be at least 1, not {count}")
    return count


def register_errorhandlers(app: Flask) -> None:
    """Amazon's error format for everything that is not a page or a download."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        codes = {404: "NotFound", 405: "MethodNotAllowed", 415: "UnsupportedMediaType"}
        return error_response(
            error.code or 500,
            codes.get(error.code, "InvalidInput"),
            error.description or error.name,
        )

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        app.logger.exception("sandbox failure", exc_info=error)
        return error_response(
            500, "InternalFailure", "We encountered an internal error. Please try again."
        )
