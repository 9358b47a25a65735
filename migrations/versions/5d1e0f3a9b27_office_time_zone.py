"""office time zone

Revision ID: 5d1e0f3a9b27
Revises: 5e1c0a7d2b94
Create Date: 2026-11-27 22:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5d1e0f3a9b27'
down_revision = '5e1c0a7d2b94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC',
                                      nullable=False))
    # Existing offices get their country's usual zone; an admin can correct it.
    op.execute("UPDATE office SET timezone = 'America/Mexico_City' WHERE country = 'MX'")
    op.execute("UPDATE office SET timezone = 'America/Chicago' WHERE country = 'US'")


def downgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('timezone')
