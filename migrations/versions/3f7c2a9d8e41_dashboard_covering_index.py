"""a covering index of checkpoint rows by case (dashboard), a token index by case (search)

`case_checkpoint (case_id, key, state, due_at, met_at, late, signed_off_at,
completed_by_id)` replaces `(case_id)`: the dashboard reaches an office's open cases
through `child_case (office_id, status)` and reads each case's rows from this index
alone (PostgreSQL chose a sequential scan of every checkpoint row of every case, open
or closed, before it: 221 -> 125 ms for that statement at 100k cases, and the scan
grows with the years of closed cases while the open ones do not).

`case_search_token (case_id, index_name, digest, key_id)` replaces `(case_id)`: a search
reads its rarest token's entries and asks of each candidate whether it has the other
tokens too; with every column it reads in one index SQLite (no planner statistics) answers
from it instead of reading every entry of the commoner tokens per candidate.

Revision ID: 3f7c2a9d8e41
Revises: 9d36e5fa4018
Create Date: 2026-11-28 01:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f7c2a9d8e41'
down_revision = '9d36e5fa4018'
branch_labels = None
depends_on = None

COLUMNS = ['case_id', 'key', 'state', 'due_at', 'met_at', 'late', 'signed_off_at',
           'completed_by_id']


def upgrade():
    with op.batch_alter_table('case_checkpoint', schema=None) as batch_op:
        batch_op.create_index('ix_case_checkpoint_case_cover', COLUMNS, unique=False)
        batch_op.drop_index(batch_op.f('ix_case_checkpoint_case_id'))
    with op.batch_alter_table('case_search_token', schema=None) as batch_op:
        batch_op.create_index('ix_case_search_token_case_digest',
                              ['case_id', 'index_name', 'digest', 'key_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_case_search_token_case_id'))


def downgrade():
    with op.batch_alter_table('case_search_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_search_token_case_id'), ['case_id'],
                              unique=False)
        batch_op.drop_index('ix_case_search_token_case_digest')
    with op.batch_alter_table('case_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_checkpoint_case_id'), ['case_id'],
                              unique=False)
        batch_op.drop_index('ix_case_checkpoint_case_cover')
