"""seed-synthetic: real encryption, searchable, coherent records, checkpoint rows, one audit
event, and a registry where modules add their own records."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.models import Office, User
from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.audit.services import verify_chain
from casework.cases.models import Case, CaseSearchToken, CaseTeamMember
from casework.cases.queries import CaseFilters, case_list_query, confirm_name_match
from casework.extensions import db
from casework.models import utcnow
from casework.screening.choices import ORIGIN_RECIPIENTS, custody_variant
from casework.screening.models import Consent, CustodyEvent, Screening
from casework.screening.services import ScreeningDetails, screening_problems
from casework.synthetic import RECORD_MAKERS, RecordMaker, seed
from casework.workflow import engine
from casework.workflow.models import CaseCheckpoint, CheckpointSignOff
from tests import factories

PASSWORD = "synthetic staff password"


def _seed(n: int, **kw):
    return seed.seed(n, password=PASSWORD, batch_size=kw.pop("batch_size", 7), **kw)


def test_cases_are_encrypted_readable_and_found_by_name(ctx):
    result = _seed(30)
    assert result.cases == 30 and factories.count(Case) == 30
    cases = db.session.scalars(sa.select(Case)).all()
    for case in cases:
        assert case.given_names and case.family_names  # decrypts with its own wrapped key
        assert case.given_names.encode() not in case.given_names_ct
        assert case.languages and case.nationality
        assert (case.birth_date is None) == (case.age_estimate is not None)
        assert case.opened_at >= case.encountered_at
        assert (case.closed_at is None) == (case.status == "open")
    stored = factories.raw_values("child_case", "family_names")
    assert all(cases[0].family_names.encode() not in blob for blob in stored)

    target = cases[7]
    supervisor = db.session.scalars(sa.select(User).where(
        User.office_id == target.office_id, User.role == Role.SUPERVISOR)).first()
    query = f"{target.given_names.split()[0]} {target.family_names.split()[0]}"
    found = [c for c in db.session.scalars(case_list_query(supervisor, CaseFilters(q=query)))
             if confirm_name_match(c, query)]
    assert target in found
    if target.a_number:
        by_a_number = db.session.scalars(
            case_list_query(supervisor, CaseFilters(q=target.a_number))).all()
        assert by_a_number == [target]
    assert factories.count(CaseSearchToken) >= 2 * 30
    assert factories.count(CaseTeamMember) >= 30


def test_records_are_coherent_and_never_in_the_future(ctx):
    _seed(40)
    now = utcnow()
    for event in db.session.scalars(sa.select(CustodyEvent)):
        assert event.kind in custody_variant(event.case.office.country)
        assert event.case.encountered_at <= event.occurred_at <= now
    for consent in db.session.scalars(sa.select(Consent)):
        assert consent.language == consent.case.languages[0]
        if consent.never_share_with_origin:
            assert not consent.may_contact_origin_country
            assert not ORIGIN_RECIPIENTS & set(consent.sharing_scope)
    screenings = db.session.scalars(sa.select(Screening)).all()
    assert screenings
    for s in screenings:
        assert s.completed_at <= now
        details = ScreeningDetails(
            kind=s.kind, completed_at=s.completed_at, outcome=s.outcome,
            trafficking_risk=s.trafficking_risk, credible_fear=s.credible_fear,
            can_decide=s.can_decide, referral_made=s.referral_made,
            referral_to=s.referral_to, findings=s.findings)
        assert screening_problems(details) == {}, (s.kind, s.outcome)
    for sign_off in db.session.scalars(sa.select(CheckpointSignOff)):
        assert sign_off.signed_at <= now + timedelta(seconds=1)


def test_checkpoint_rows_are_what_the_engine_computes(ctx):
    _seed(25)
    rows = factories.checkpoint_rows()
    assert len(rows) == 25 * len(engine.catalogue())
    assert {r.state for r in db.session.scalars(sa.select(CaseCheckpoint))} >= {
        "met", "pending"}
    db.session.execute(sa.delete(CaseCheckpoint))
    cases = db.session.scalars(sa.select(Case)).all()
    engine.refresh_many(cases)
    db.session.commit()
    # Same facts, same rows (due dates and met dates do not depend on when it ran).
    assert factories.checkpoint_rows() == rows


def test_one_audit_event_per_run_and_the_chain_holds(ctx):
    before = factories.count(AuditEvent)
    _seed(12)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.seq > 0)).all()
    assert len(events) == before + 1
    assert events[-1].action == "synthetic.seed"
    assert events[-1].details["cases"] == 12
    assert verify_chain()[1] == []


def test_a_seed_gives_the_same_children_and_a_second_run_adds_more(ctx):
    def names_in_order():
        cases = db.session.scalars(sa.select(Case).order_by(Case.number)).all()
        return [(c.given_names, c.family_names, c.nationality) for c in cases]

    _seed(6, seed=11)
    first = names_in_order()
    staff = factories.count(User)
    _seed(6, seed=11)  # staff exist now; numbers carry on; the same children again
    assert factories.count(User) == staff
    assert factories.count(Case) == 12
    numbers = db.session.scalars(sa.select(Case.number)).all()
    assert len(set(numbers)) == 12
    again = [n for n in names_in_order() if n in first]
    assert sorted(again) == sorted(first * 2)


def test_the_synthetic_staff_can_sign_in(app, ctx, browser):
    _seed(3)
    email = seed.staff_email(seed.OFFICES[0].code, Role.CASEWORKER, 1)
    response = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_module_adds_its_records_through_the_registry(ctx, monkeypatch):
    calls = []

    def notes_on_review(batch, rng):
        from casework.supervision.models import CaseReview

        calls.append((len(batch.cases), rng.random()))
        for case in batch.cases:
            batch.add(CaseReview, case, reviewed_at=batch.now - timedelta(hours=1),
                      recorded_by_id=case.staff(Role.SUPERVISOR, rng),
                      recorded_at=batch.now, note="Registered by a test module.",
                      decisions=None)

    monkeypatch.setattr(seed, "RECORD_MAKERS", [*RECORD_MAKERS,
                                                RecordMaker("test.notes", 99, notes_on_review)])
    _seed(10, batch_size=4)
    assert [n for n, _ in calls] == [4, 4, 2]
    from casework.supervision.models import CaseReview

    notes = [r.note for r in db.session.scalars(sa.select(CaseReview))]
    assert notes.count("Registered by a test module.") == 10


@pytest.mark.parametrize("bad", [0, -1])
def test_the_command_refuses_nonsense_and_reports_what_it_made(app, ctx, bad):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["casework", "seed-synthetic", "--cases", str(bad)]).exit_code == 2
    result = runner.invoke(args=["casework", "seed-synthetic", "--cases", "4",
                                 "--staff-password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "made 4 cases" in result.output
    assert PASSWORD not in result.output


def test_worker_processes_make_the_same_children_with_numbers_of_their_own(app, ctx,
                                                                         monkeypatch):
    """Batches shared among two processes: the same children as one process makes,
    every number taken once, and the sequences carry on after the last."""
    moment = utcnow().replace(microsecond=0)
    monkeypatch.setattr(seed, "utcnow", lambda: moment)  # both runs at one moment (workers
    # get the run's moment from the parent)

    def children():
        return sorted((c.given_names, c.family_names, c.opened_at, c.office_id)
                      for c in db.session.scalars(sa.select(Case)))

    _seed(9, seed=5, batch_size=3)
    alone = children()
    rows_alone = len(factories.checkpoint_rows())
    db.session.execute(sa.delete(Case))
    db.session.commit()

    _seed(9, seed=5, batch_size=3, workers=2)
    assert children() == alone
    assert len(factories.checkpoint_rows()) == rows_alone
    numbers = db.session.scalars(sa.select(Case.number)).all()
    assert len(set(numbers)) == 9
    from casework.cases.services import next_case_number

    case = db.session.scalars(sa.select(Case).order_by(Case.number.desc())).first()
    country, year, last = case.number.split("-")
    assert next_case_number(country, int(year)) == f"{country}-{year}-{int(last) + 1:05d}"


def test_no_record_of_any_module_was_typed_in_the_future(ctx, monkeypatch):
    """Every `recorded_at` of every table is at or before the moment of the run, even for
    what happened in its last hour (records are typed in minutes to hours later)."""
    from casework.models import Base

    moment = utcnow().replace(microsecond=0)
    monkeypatch.setattr(seed, "utcnow", lambda: moment)
    monkeypatch.setattr(seed, "CASES_PER_YEAR", 400)  # recent and old cases alike
    _seed(200, batch_size=50)
    checked = 0
    for table in Base.metadata.sorted_tables:
        if "recorded_at" in table.c:
            latest = db.session.scalar(sa.select(sa.func.max(table.c.recorded_at)))
            if latest is not None:
                checked += 1
                assert latest.replace(tzinfo=None) <= moment.replace(tzinfo=None), table.name
    assert checked >= 10


def test_postgresql_gets_planner_statistics_each_time_the_run_doubles(ctx, monkeypatch):
    """Batches read their facts back by id: without statistics PostgreSQL scanned every
    checkpoint row per batch. ANALYZE after 7, 14 and 28 cases of 30 (batches of 7)."""
    analyzed = []
    real = seed.PlannerStatistics.grew

    def grew(self, cases):
        before = self.next_at
        real(self, cases)
        if self.next_at != before:
            analyzed.append(self.made)

    monkeypatch.setattr(seed.PlannerStatistics, "grew", grew)
    _seed(30)
    if db.engine.dialect.name == "postgresql":
        assert analyzed == [7, 14, 28]
    else:
        assert analyzed == []  # SQLite uses its indexes without statistics


def test_transfers_choose_receiving_offices_by_code_not_by_random_id(ctx):
    """A seed picks the same receiving office and caseworker in every database: the
    choice is made from offices in code order, whatever their (random) ids."""
    from casework.transfers.synthetic import _us_staff

    for code in ("US-ZZZ", "US-MMM", "US-AAA"):  # made in reverse code order
        office = factories.office("US", code=code)
        for name in ("b", "a"):
            factories.user(Role.CASEWORKER, office=office, email=f"{name}.{code}@example.test")
    db.session.commit()
    staff = _us_staff()
    codes = {o.id: o.code for o in db.session.scalars(sa.select(Office))}
    assert [codes[o] for o in staff] == ["US-AAA", "US-MMM", "US-ZZZ"]
    emails = {u.id: u.email for u in db.session.scalars(sa.select(User))}
    assert [emails[u] for u in staff[next(iter(staff))]] == ["a.us-aaa@example.test",
                                                            "b.us-aaa@example.test"]
