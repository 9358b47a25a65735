"""case_checkpoint.due_clock: which of a checkpoint's deadlines its due date is

Revision ID: 5e1c0a7d2b94
Revises: 74db92ac4669
Create Date: 2026-11-27 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c0a7d2b94'
down_revision = '74db92ac4669'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: existing rows get their clock at the next refresh
    # (`flask casework checkpoints rebuild`).
    with op.batch_alter_table('case_checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_clock', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('case_checkpoint', schema=None) as batch_op:
        batch_op.drop_column('due_clock')
