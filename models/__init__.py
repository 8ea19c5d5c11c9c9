"""SQLAlchemy models, one module per aggregate.

Importing this package registers every model with the metadata, which Alembic
and `db.create_all()` need.
"""

from models.base import db
from models.booking_rules import BookingRule, BookingRuleSet
from models.client import Client
from models.client_master_data import ClientVatId, SkuCost
from models.user import Organisation, User

__all__ = [
    "BookingRule",
    "BookingRuleSet",
    "Client",
    "ClientVatId",
    "Organisation",
    "SkuCost",
    "User",
    "db",
]
