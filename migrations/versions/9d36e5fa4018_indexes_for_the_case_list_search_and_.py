"""indexes for the case list, search and dashboard

Three indexes replace three narrower ones (bench/RESULTS.md has the plans and numbers):

- child_case (office_id, status): the dashboard's scope, an office's open cases, in one
  index range instead of every open case of every office (SQLite) or a BitmapAnd of
  two indexes (PostgreSQL). Its prefix serves the office foreign key.
- case_team_member (user_id, case_id): "the cases this user is on", which every case
  look-up's scope check reads, from the index alone.
- case_search_token (index_name, digest, key_id, case_id): a name search finds its
  candidate cases from the index alone, without a heap read per token.

Each new index is made before the one it replaces is dropped.

Revision ID: 9d36e5fa4018
Revises: 5d1e0f3a9b27
Create Date: 2026-11-27 22:26:40.032104

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d36e5fa4018'
down_revision = '5d1e0f3a9b27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_search_token', schema=None) as batch_op:
        batch_op.create_index('ix_case_search_token_digest_case', ['index_name', 'digest', 'key_id', 'case_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_case_search_token_lookup'))

    with op.batch_alter_table('case_team_member', schema=None) as batch_op:
        batch_op.create_index('ix_case_team_member_user_case', ['user_id', 'case_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_case_team_member_user_id'))

    with op.batch_alter_table('child_case', schema=None) as batch_op:
        batch_op.create_index('ix_child_case_office_status', ['office_id', 'status'], unique=False)
        batch_op.drop_index(batch_op.f('ix_child_case_office_id'))


def downgrade():
    with op.batch_alter_table('child_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_case_office_id'), ['office_id'], unique=False)
        batch_op.drop_index('ix_child_case_office_status')

    with op.batch_alter_table('case_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_team_member_user_id'), ['user_id'], unique=False)
        batch_op.drop_index('ix_case_team_member_user_case')

    with op.batch_alter_table('case_search_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_search_token_lookup'), ['index_name', 'digest'], unique=False)
        batch_op.drop_index('ix_case_search_token_digest_case')
