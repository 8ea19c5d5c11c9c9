"""SQLAlchemy models, one module per aggregate.

Importing this package registers every model with the metadata, which Alembic
and `db.create_all()` need.
"""

from models.amazon_connection import AmazonConnection, ConnectionMarketplace
from models.api_token import ApiToken
from models.base import db
from models.batch import Batch, BatchFile
from models.booking_rules import BookingRule, BookingRuleSet
from models.client import Client
from models.client_master_data import ClientVatId, SkuCost
from models.integration import ClientIntegration, IntegrationMarketplace
from models.job_run import JobRun
from models.report import ImportLogEntry, Report, StoredFile
from models.transaction import SettlementLineRow, VatTransactionRow
from models.user import Organisation, User

__all__ = [
    "AmazonConnection",
    "ApiToken",
    "Batch",
    "BatchFile",
    "BookingRule",
    "BookingRuleSet",
    "Client",
    "ClientIntegration",
    "ClientVatId",
    "ConnectionMarketplace",
    "ImportLogEntry",
    "IntegrationMarketplace",
    "JobRun",
    "Organisation",
    "Report",
    "SettlementLineRow",
    "SkuCost",
    "StoredFile",
    "User",
    "VatTransactionRow",
    "db",
]
