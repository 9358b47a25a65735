"""The migrations build exactly the schema the models declare, and go down and up again."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from casework import create_app
from casework.extensions import db


@pytest.fixture
def scratch_url():
    """A database of its own, so the session's test database is untouched."""
    base = os.environ["TEST_DATABASE_URL"]
    if base.startswith("sqlite"):
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / 'migrations.sqlite3'}"
        return
    url = sa.engine.make_url(base)
    name = f"casework_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _diff(app) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_then_down_and_up_again(scratch_url):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        assert _diff(app) == [], "the models and the migrations disagree: run flask db migrate"
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"child_case", "audit_event", "user_account"} <= tables
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _diff(app) == []
        db.engine.dispose()


def test_upgrading_a_database_with_cases_leaves_a_name_pair_backfill_due(scratch_url):
    """Pair entries need the keyring, which a migration does not hold: an upgraded
    database that already has cases searches by tokens until `keys backfill-index`."""
    from casework.accounts.roles import Role
    from casework.cases.models import BlindIndexBackfill, CaseSearchToken
    from casework.cases.queries import pairs_indexed
    from casework.cases.services import NAME_PAIR_INDEX
    from casework.crypto.rotation import backfill_index
    from tests import factories

    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        # The case is made by today's code; then the schema goes back to before pairs.
        upgrade()
        cw = factories.user(Role.CASEWORKER, office=factories.office())
        factories.case(cw, given_names="Rosa", family_names="Cux")
        db.session.commit()
        db.session.remove()
        downgrade(revision="3f7c2a9d8e41")  # the pair entries go with it
        upgrade()
        assert db.session.get(BlindIndexBackfill, NAME_PAIR_INDEX) is not None
        assert not pairs_indexed()
        assert backfill_index(app).cases == 1
        assert pairs_indexed()
        assert db.session.scalar(sa.select(sa.func.count()).where(
            CaseSearchToken.index_name == NAME_PAIR_INDEX)) == 1
        db.session.remove()  # its locks would keep the downgrade waiting (PostgreSQL)
        downgrade(revision="3f7c2a9d8e41")
        assert not db.session.scalar(sa.select(sa.func.count()).where(
            CaseSearchToken.index_name == NAME_PAIR_INDEX))
        db.session.remove()
        db.engine.dispose()


def test_a_new_database_needs_no_backfill(scratch_url):
    from casework.cases.queries import pairs_indexed

    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        assert pairs_indexed()
        db.session.remove()
        db.engine.dispose()


def test_upgrading_copies_each_case_office_and_open_flag_into_its_checkpoint_rows(
        scratch_url):
    """Rows written before the copies existed get them from their case, closed or open."""
    from casework.accounts.roles import Role
    from casework.cases.models import Case
    from casework.workflow.models import CaseCheckpoint
    from tests import factories

    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        mx, us = factories.office(), factories.office(country="US")
        kept = factories.case(factories.user(Role.CASEWORKER, office=mx))
        moved = factories.case(factories.user(Role.CASEWORKER, office=mx))
        kept_id, moved_id, mx_id, us_id = kept.id, moved.id, mx.id, us.id
        db.session.commit()
        db.session.remove()
        downgrade(revision="7b4d1e6a2c93")
        with db.engine.begin() as conn:  # changed while the rows had no copies
            conn.execute(sa.update(Case.__table__).where(Case.__table__.c.id == moved_id)
                         .values(status="closed", office_id=us_id))
        upgrade()
        copies = {(case_id, office_id, open_) for case_id, office_id, open_ in
                  db.session.execute(sa.select(CaseCheckpoint.case_id,
                                               CaseCheckpoint.office_id,
                                               CaseCheckpoint.case_open))}
        assert copies == {(kept_id, mx_id, True), (moved_id, us_id, False)}
        db.session.remove()
        db.engine.dispose()
