"""The unsubscribe link of the notification e-mails.

The link carries a signed token of the integrations the message was sent for (no login: the
recipient may be the tax advisor, who has no account). Opening it only asks; the confirming
POST (CSRF) switches the notification of those integrations off and leads to their settings.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from extensions import db
from forms.auth import EmptyForm
from mail.notifications import integrations_of_token
from models.integration import ClientIntegration

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    integrations = _integrations(token)
    return render_template(
        "notifications/unsubscribe.html",
        integrations=integrations,
        client=integrations[0].client,
        form=EmptyForm(),
        token=token,
    )


@bp.post("/unsubscribe/<token>")
def confirm_unsubscribe(token: str):
    integrations = _integrations(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    for row in integrations:
        row.notify = False
    db.session.commit()
    labels = " und ".join(row.label for row in integrations)
    flash(f"Die E-Mail-Benachrichtigung von {labels} ist ausgeschaltet.", "success")
    first = integrations[0]
    return redirect(
        url_for("integration_settings.edit", client_id=first.client_id, integration=first.kind)
    )


def _integrations(token: str) -> list[ClientIntegration]:
    integrations = integrations_of_token(token)
    if not integrations:
        abort(404)
    return integrations
