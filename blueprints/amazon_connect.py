"""Connecting a client to its Amazon seller account: "Verbindung hinzufügen" →
"Amazon – Seller API" → "Verbindung einrichten" → Seller Central's consent → back here.

Every failure leaves a German flash message and changes nothing: a cancelled consent, a
missing, forged, expired or reused state, a failed code exchange, a seller connected to
another client. Renewing ("Erneuerung nötig") goes through the same flow.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from amazon import connections
from amazon.consent_states import ConsentStates, new_nonce
from amazon.errors import AmazonError
from amazon.oauth import Consent, consent_url, exchange_code
from amazon.spapi import application_from_config
from blueprints.clients import get_client
from jobs.queues import get_redis
from models import Client

bp = Blueprint("amazon_connect", __name__)

NONCE_KEY = "amazon_consent_nonce"
STATE_REFUSED = (
    "Die Rückmeldung von Amazon passt zu keiner offenen Verbindungsanfrage (abgelaufen, "
    "schon verwendet oder nicht von Ihnen gestartet). Es wurde nichts geändert; bitte richten "
    "Sie die Verbindung erneut ein."
)
CANCELLED = "Sie haben die Verbindung in Seller Central abgebrochen. Es wurde nichts geändert."
INCOMPLETE = "Amazon hat keine vollständige Bestätigung geschickt. Es wurde nichts geändert."
CONNECTED = "Die Verbindung zu Amazon ist hergestellt – wir aktualisieren dein Setup."
RENEWED = "Die Verbindung zu Amazon ist erneuert."
DISCONNECTED = (
    "Die Verbindung zu Amazon ist getrennt und der Zugangsschlüssel gelöscht. "
    "Importierte Berichte und Buchungsstapel bleiben erhalten."
)


def consent_states() -> ConsentStates:
    return ConsentStates(get_redis())


def local_url(value: str | None) -> str:
    """`value` if it is a path on this site, else "" (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else ""


def back_to(client: Client | None, next_url: str) -> str:
    if next_url:
        return next_url
    if client is not None:
        return url_for("clients.show", client_id=client.id)
    return url_for("clients.list_clients")


@bp.app_template_global()
def amazon_connection(client: Client):
    """The client's Amazon connection (or None), for the client page."""
    return connections.connection_of(client)


@bp.get("/clients/<int:client_id>/connections/new")
@login_required
def choose(client_id: int):
    client = get_client(client_id)
    return render_template(
        "amazon_connect/choose.html",
        client=client,
        connection=connections.connection_of(client),
        next_url=local_url(request.args.get("next")),
    )


@bp.post("/clients/<int:client_id>/amazon/connect")
@login_required
def start(client_id: int):
    client = get_client(client_id)
    nonce = session.get(NONCE_KEY)
    if not nonce:
        nonce = session[NONCE_KEY] = new_nonce()
    state = consent_states().issue(
        nonce=nonce,
        user_id=current_user.id,
        client_id=client.id,
        next_url=local_url(request.form.get("next")),
    )
    return redirect(consent_url(consent_settings(), state))


@bp.get("/amazon/callback")
@login_required
def callback():
    pending = consent_states().redeem(
        request.args.get("state", ""), nonce=session.get(NONCE_KEY), user_id=current_user.id
    )
    if pending is None:
        flash(STATE_REFUSED, "error")
        return redirect(url_for("clients.list_clients"))
    client = get_client(pending.client_id)
    target = back_to(client, pending.next_url)
    if request.args.get("error"):
        flash(CANCELLED if request.args["error"] == "access_denied" else INCOMPLETE, "error")
        return redirect(target)
    code = request.args.get("spapi_oauth_code", "")
    selling_partner_id = request.args.get("selling_partner_id", "")
    if not code or not selling_partner_id:
        flash(INCOMPLETE, "error")
        return redirect(target)
    renewal = connections.connection_of(client) is not None
    try:
        refresh_token = exchange_code(
            application_from_config(current_app.config), code, consent_settings().redirect_uri
        )
        connections.connect(
            client,
            selling_partner_id=selling_partner_id,
            refresh_token=refresh_token,
            region="EU",
            user=current_user,
        )
    except AmazonError as error:
        current_app.logger.warning("Amazon connection of client %s failed: %s", client.id, error)
        flash(error.message, "error")
        return redirect(target)
    flash(RENEWED if renewal else CONNECTED, "success")
    return redirect(target)


@bp.post("/clients/<int:client_id>/amazon/disconnect")
@login_required
def disconnect(client_id: int):
    client = get_client(client_id)
    connection = connections.connection_of(client)
    if connection is not None:
        connections.disconnect(connection)
        flash(DISCONNECTED, "success")
    return redirect(url_for("clients.show", client_id=client.id))


def consent_settings() -> Consent:
    config = current_app.config
    return Consent(
        application_id=config["SPAPI_APPLICATION_ID"],
        client_id=config["SPAPI_CLIENT_ID"],
        consent_url=config["SPAPI_CONSENT_URL"],
        redirect_uri=config.get("SPAPI_REDIRECT_URI")
        or url_for("amazon_connect.callback", _external=True),
        draft=bool(config.get("SPAPI_APP_DRAFT")),
    )
