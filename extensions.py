"""Every Flask extension, instantiated once and bound to the app in create_app()."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from models.base import db

migrate = Migrate(render_as_batch=True)  # batch mode: ALTER TABLE works on SQLite too
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

__all__ = ["csrf", "db", "login_manager", "migrate"]
