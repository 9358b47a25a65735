"""checkpoint rows carry their case's office and open flag; the dashboard's index by office

`case_checkpoint.office_id` and `case_open` are copies of the case's, written by the
engine with the rest of the row (closing or transferring a case rewrites its rows); no
foreign key on the copy (the case's column has one; a check per row slowed seeding).
`(case_open, office_id, case_id, key, state, due_at, met_at, late, signed_off_at,
completed_by_id)` replaces `(case_id, key, state, ...)`: one office's open cases are one
range of it, read without the table and without a join to `child_case` (the dashboard's
three statements, 100k cases, one office: bench/RESULTS.md). Lookups by case use the
unique `(case_id, key)`.

The copies are filled here from `child_case`, in one statement (on PostgreSQL an
UPDATE ... FROM, a hash join), during which the table takes no writes: 2.8 million rows
(100k cases) took 5 m 48 s beside a running seed; plan a window at a million cases.

Revision ID: c4e8a1f3b5d6
Revises: 7b4d1e6a2c93
Create Date: 2026-11-28 12:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e8a1f3b5d6'
down_revision = '7b4d1e6a2c93'
branch_labels = None
depends_on = None

OFFICE_COVER = ['case_open', 'office_id', 'case_id', 'key', 'state', 'due_at', 'met_at',
                'late', 'signed_off_at', 'completed_by_id']
CASE_COVER = ['case_id', 'key', 'state', 'due_at', 'met_at', 'late', 'signed_off_at',
              'completed_by_id']


def upgrade():
    with op.batch_alter_table('case_checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('case_open', sa.Boolean(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE case_checkpoint SET office_id = c.office_id, "
                   "case_open = (c.status = 'open') FROM child_case c "
                   "WHERE c.id = case_checkpoint.case_id")
    else:
        op.execute("UPDATE case_checkpoint SET "
                   "office_id = (SELECT c.office_id FROM child_case c "
                   "WHERE c.id = case_checkpoint.case_id), "
                   "case_open = (SELECT c.status = 'open' FROM child_case c "
                   "WHERE c.id = case_checkpoint.case_id)")
    with op.batch_alter_table('case_checkpoint', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column('case_open', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_index('ix_case_checkpoint_case_cover')
        batch_op.create_index('ix_case_checkpoint_office_cover', OFFICE_COVER, unique=False)


def downgrade():
    with op.batch_alter_table('case_checkpoint', schema=None) as batch_op:
        batch_op.create_index('ix_case_checkpoint_case_cover', CASE_COVER, unique=False)
        batch_op.drop_index('ix_case_checkpoint_office_cover')
        batch_op.drop_column('case_open')
        batch_op.drop_column('office_id')
