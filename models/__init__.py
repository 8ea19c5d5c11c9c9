"""SQLAlchemy models, one module per aggregate.

Importing this package registers every model with the metadata, which Alembic
and `db.create_all()` need.
"""

from models.base import db
from models.client import Client
from models.user import Organisation, User

__all__ = ["Client", "Organisation", "User", "db"]
