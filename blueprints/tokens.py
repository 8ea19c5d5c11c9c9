"""API-Tokens: the logged-in user's personal access tokens for the JSON API.

A new token is shown once, in the answer to the POST that created it (never flashed: the
session cookie is signed, not encrypted); only its hash is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from extensions import db
from forms.tokens import TokenForm
from models import ApiToken
from models.base import utcnow

bp = Blueprint("tokens", __name__, url_prefix="/settings/tokens")


def own_tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def render_page(form: TokenForm, new_token: str | None = None, status: int = 200):
    return (
        render_template(
            "tokens/list.html",
            form=form,
            tokens=own_tokens(),
            new_token=new_token,
        ),
        status,
    )


@bp.get("")
@login_required
def list_tokens():
    return render_page(TokenForm(formdata=None))


@bp.post("")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return render_page(form, status=422)
    row, token = ApiToken.issue(current_user, form.name.data.strip())
    db.session.add(row)
    db.session.commit()
    return render_page(TokenForm(formdata=None), new_token=token, status=201)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    # CSRFProtect has checked the form's token before this runs.
    row = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    )
    if row is None:
        abort(404)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
    flash(f"Der Token „{row.name}“ wurde widerrufen.", "success")
    return redirect(url_for("tokens.list_tokens"))
