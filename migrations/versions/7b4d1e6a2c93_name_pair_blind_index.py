"""a blind index of name-token pairs; the backfill that cases indexed before it need

Search by two common names ("María López") read every entry of the rarer one and probed
each of its cases for the other: 1.2-3.4 s at 734k cases on PostgreSQL. Cases now get a
`child_name_pair` entry for each pair of their name tokens (cases/services.py), and a
search reads its rarest pair. The entries are made with the keyring, which a migration
does not hold, so a database that already has cases gets a `blind_index_backfill` row:
searches keep to the token entries until `flask casework keys backfill-index` has
indexed every case and removed it.

Revision ID: 7b4d1e6a2c93
Revises: 3f7c2a9d8e41
Create Date: 2026-11-28 04:40:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7b4d1e6a2c93'
down_revision = '3f7c2a9d8e41'
branch_labels = None
depends_on = None


def upgrade():
    backfill = op.create_table(
        'blind_index_backfill',
        sa.Column('index_name', sa.String(length=16), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('index_name', name=op.f('pk_blind_index_backfill')),
    )
    indexed = op.get_bind().scalar(sa.text(
        "SELECT count(*) FROM (SELECT 1 FROM case_search_token LIMIT 1) AS any_entry"))
    if indexed:
        op.bulk_insert(backfill, [{'index_name': 'child_name_pair',
                                   'since': datetime.now(UTC).replace(tzinfo=None)}])


def downgrade():
    op.execute("DELETE FROM case_search_token WHERE index_name = 'child_name_pair'")
    op.drop_table('blind_index_backfill')
