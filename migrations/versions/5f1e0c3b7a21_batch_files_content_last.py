"""batch_files: content as the last column (SQLite)

SQLite writes a blob into a row in place (zeroblob, then incremental blob I/O) only when it
is the row's last column; otherwise it builds the whole value in memory, some 80 MB for a batch
of 200,000 bookings. PostgreSQL does not care about the column order and is left alone.

Revision ID: 5f1e0c3b7a21
Revises: ce9560ec3f01
Create Date: 2026-12-02 01:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5f1e0c3b7a21'
down_revision = 'ce9560ec3f01'
branch_labels = None
depends_on = None


def _order(*columns):
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "batch_files", recreate="always", partial_reordering=[columns]
    ) as batch_op:
        batch_op.alter_column("content", existing_nullable=False)


def upgrade():
    _order("sha256", "content")


def downgrade():
    _order("content", "sha256")
