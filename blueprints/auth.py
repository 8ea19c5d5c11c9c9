"""Login, logout and optional self-registration."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db, login_manager
from forms.auth import EmptyForm, LoginForm, RegistrationForm
from models import Organisation, User

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "E-Mail oder Passwort ist falsch."
LOCKED = (
    "Zu viele fehlgeschlagene Anmeldeversuche. "
    "Bitte versuchen Sie es in einigen Minuten noch einmal."
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == User.normalise_email(email)))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm()
    if form.validate_on_submit():
        now = datetime.now(UTC)
        user = find_user_by_email(form.email.data)
        if user is not None and user.is_locked(now):
            flash(LOCKED, "error")
        elif user is None or not user.is_active or not user.check_password(form.password.data):
            if user is None:
                # Hash anyway, so the answer time does not tell which e-mails have an account.
                check_password_hash(_dummy_hash(), form.password.data)
            else:
                user.record_failed_login(now)
                db.session.commit()
            flash(LOGIN_FAILED, "error")
        else:
            user.record_successful_login()
            db.session.commit()
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")))
    return render_template("auth/login.html", form=form, registration=_registration_open())


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash("Sie haben sich abgemeldet.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if not _registration_open():
        abort(404)
    form = RegistrationForm()
    if form.validate_on_submit():
        if find_user_by_email(form.email.data) is not None:
            form.email.errors.append("Zu dieser E-Mail gibt es bereits ein Konto.")
        else:
            organisation = Organisation(name=form.organisation.data.strip())
            user = User(
                organisation=organisation,
                email=User.normalise_email(form.email.data),
                name=form.name.data.strip(),
            )
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            login_user(user)
            flash("Willkommen bei Kontor! Legen Sie jetzt Ihren ersten Mandanten an.", "success")
            return redirect(url_for("clients.create"))
    return render_template("auth/register.html", form=form)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("no account has this password")


def _registration_open() -> bool:
    return bool(current_app.config["SELF_REGISTRATION"])


def safe_next_url(target: str | None) -> str:
    """Only follow `next` to a path on this site; anything else would be an open redirect."""
    if not target:
        return url_for("index")
    parts = urlsplit(target)
    local = not parts.scheme and not parts.netloc and target.startswith("/")
    # Browsers read "//host" and "/\\host" as another site.
    if local and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("index")
