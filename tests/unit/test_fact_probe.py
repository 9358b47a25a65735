"""One case's read probes which fact sources it has no rows of and skips their queries;
every source must then read exactly as it does unprobed, or an empty source could read
as a met gate."""

from __future__ import annotations

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.cases.models import Case
from casework.extensions import db
from casework.reunification.models import SiblingLink
from casework.synthetic import seed
from casework.workflow.registry import FACT_KEYS, FACT_SOURCES, FactBatch
from tests.querycount import count_queries


def _same_as_unprobed(case_id) -> set[str]:
    """The sources the probe skipped, after checking every source reads the same."""
    probed, plain = FactBatch.probed(case_id), FactBatch([case_id])
    skipped = {s for s in FACT_SOURCES if probed.loaded(s)}
    for source in FACT_SOURCES:
        assert probed.records(source, case_id) == plain.records(source, case_id), source
    return skipped


def test_every_source_reads_the_same_probed_or_not_across_synthetic_cases(ctx):
    seed.seed(40, password="synthetic staff password", batch_size=10)
    skipped_somewhere = set()
    for case_id in db.session.scalars(sa.select(Case.id)):
        skipped_somewhere |= _same_as_unprobed(case_id)
    assert skipped_somewhere  # the probe did skip sources, and they read as empty


def test_a_sibling_linked_on_the_other_side_is_not_skipped(world, make):
    cw = world("MX", Role.CASEWORKER)
    first, second = sorted([make.case(cw), make.case(cw)], key=lambda c: c.id)
    db.session.add(SiblingLink(case_id=first.id, sibling_case_id=second.id,
                               linked_by_id=cw.id))
    db.session.flush()
    for case in (first, second):
        assert "family.sibling_links" not in _same_as_unprobed(case.id)
        assert FactBatch.probed(case.id).records("family.sibling_links", case.id)


def test_a_bare_case_reads_only_the_sources_it_has_rows_of(world, make):
    case_id = make.case(world("MX", Role.CASEWORKER)).id
    with count_queries() as q:
        batch = FactBatch.probed(case_id)
    assert q.count == 1  # every probe in one statement
    to_read = [s for s in FACT_SOURCES if not batch.loaded(s)]
    assert len(to_read) < len(FACT_SOURCES) // 2  # a new case has almost nothing yet
    with count_queries() as q:
        for source in FACT_SOURCES:
            batch.records(source, case_id)
    assert q.count == len(to_read), q.report()


def test_every_source_names_the_columns_that_hold_its_case():
    assert set(FACT_SOURCES) <= set(FACT_KEYS)
    for source in FACT_SOURCES:
        assert all(column.name in ("case_id", "sibling_case_id")
                   for column in FACT_KEYS[source]), source
