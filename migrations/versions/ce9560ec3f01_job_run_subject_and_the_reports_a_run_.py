"""job run subject (the month of a VAT request, the marketplace of a retroactive import) and the reports a run imported

Revision ID: ce9560ec3f01
Revises: 9c2c776d7aa9
Create Date: 2026-12-02 00:51:23.740732

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ce9560ec3f01'
down_revision = '9c2c776d7aa9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run_reports',
    sa.Column('job_run_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['job_run_id'], ['job_runs.id'], name=op.f('fk_job_run_reports_job_run_id_job_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_job_run_reports_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_run_id', 'report_id', name=op.f('pk_job_run_reports'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=40), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('subject')

    op.drop_table('job_run_reports')
