"""The Kontor application factory.

Nothing happens at import time: `create_app()` reads the environment, binds the
extensions, registers blueprints, error handlers and CLI commands, and returns
the app. gunicorn runs it as `gunicorn "app:create_app()"`.
"""

from __future__ import annotations

import logging
import os

from flask import Flask, render_template, request
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config_from_os
from extensions import csrf, db, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config_from_os(app.instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    trust_the_proxy(app)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def trust_the_proxy(app: Flask) -> None:
    """In production one router (Heroku's, or the self-hoster's nginx) stands before gunicorn:
    take the client's address, scheme and host from its X-Forwarded-* headers, so that
    external URLs (OAuth redirect URIs, mail links) are https and remote_addr is the visitor,
    not the router. Only one hop: anything further left is what the client itself claimed."""
    if app.config["KONTOR_ENV"] == "production":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


def configure_logging(app: Flask) -> None:
    # amzn-sp-api calls logging.basicConfig() on import; an explicit root level keeps
    # our own log output predictable whatever is imported later.
    level = logging.DEBUG if app.debug else logging.INFO
    logging.getLogger().setLevel(level)
    app.logger.setLevel(level)


def register_extensions(app: Flask) -> None:
    import jobs
    import models  # noqa: F401 - registers every model with the metadata

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    jobs.init_app(app)


def register_blueprints(app: Flask) -> None:
    from blueprints import (
        amazon_connect,
        api,
        auth,
        client_master_data,
        clients,
        health,
        integration_settings,
        integrations,
        migration,
        notifications,
        reports,
        rules,
        tokens,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(client_master_data.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(integrations.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(rules.bp)
    app.register_blueprint(integration_settings.bp)
    app.register_blueprint(migration.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(amazon_connect.bp)
    csrf.exempt(api.bp)  # token auth only, never cookies: see blueprints/api.py
    app.add_url_rule("/", endpoint="index", view_func=clients.index)


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from blueprints.api import error as api_error

    def render_error(error):
        code = getattr(error, "code", 500)
        if request.path.startswith("/api/"):  # also URLs that match no API route
            return api_error(code)
        return render_template(f"errors/{code}.html", error=error), code

    def render_csrf_error(error):
        return render_template("errors/400_csrf.html", error=error), 400

    def render_server_error(error):
        # Whatever the failed request wrote must not leak into the next one.
        db.session.rollback()
        if request.path.startswith("/api/"):
            return api_error(500)
        return render_template("errors/500.html", error=error), 500

    for code in (403, 404, 405, 413):
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(500, render_server_error)


# Pages load nothing from elsewhere and are never framed; no inline script or style exists.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def register_template_helpers(app: Flask) -> None:
    from formatting import date_de, datetime_de, money, number

    app.jinja_env.filters.update(
        money=money, number=number, date_de=date_de, datetime_de=datetime_de
    )


def register_commands(app: Flask) -> None:
    from commands import register_all

    register_all(app)
