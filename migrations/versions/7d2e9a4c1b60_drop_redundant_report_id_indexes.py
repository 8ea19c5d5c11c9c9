"""settlement_lines, vat_transactions: drop the report_id indexes

The unique constraint on (report_id, position) is an index that leads with report_id, so it
serves every lookup by report (the rows in their order, the foreign key's cascade) already.
The extra index only cost each of the hundreds of thousands of inserts of an import.

Revision ID: 7d2e9a4c1b60
Revises: 5f1e0c3b7a21
Create Date: 2026-12-02 07:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d2e9a4c1b60'
down_revision = '5f1e0c3b7a21'
branch_labels = None
depends_on = None

TABLES = ("settlement_lines", "vat_transactions")


def upgrade():
    for table in TABLES:
        op.drop_index(f"ix_{table}_report_id", table_name=table)


def downgrade():
    for table in TABLES:
        op.create_index(f"ix_{table}_report_id", table, ["report_id"])
