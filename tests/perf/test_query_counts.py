"""No page sends a query per row: statements per request, with 3 rows and with 30.

Not timed (timing is bench/'s job): it counts the SQL statements one request sends
(tests/querycount.py) and fails when the count grows with the number of cases or
records on the page: the case list, a name search, the case page and its record
pages, the sign-off queue, and the supervision dashboard with its drill-down lists
and exports. A page added later checks itself with one more `assert_flat(measure)`.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.best_interests.models import BidVote
from casework.extensions import db
from casework.workflow import engine
from casework.workflow.policy import Action
from tests import factories
from tests.querycount import assert_flat, count_queries

NAME, FAMILY = "Ana Lucía", "Ixcoy Tzoc"


@pytest.fixture
def office_of(make):
    """`office_of(n)`: an office with n cases, each with its own caseworker and attorney
    on the team (so a lazy load per member would show), and its supervisor."""

    def build(n: int):
        office = make.office("US")
        supervisor = make.user(Role.SUPERVISOR, office)
        cases = []
        for _ in range(n):
            caseworker = make.user(Role.CASEWORKER, office)
            case = make.case(caseworker, nationality="MX")
            from casework.cases import services as cases_services

            cases_services.add_team_member(case, make.user(Role.ATTORNEY, office),
                                           actor=caseworker)
            cases.append(case)
        db.session.commit()
        return supervisor, cases

    return build


def _request(signin, user, method: str, url: str, data: dict | None = None,
             expect: str | None = None):
    browser = signin(user)
    browser.open(url, method=method, data=data)  # warm: first-request set-up is not counted
    with count_queries() as queries:
        response = browser.open(url, method=method, data=data)
    assert response.status_code == 200, (url, response.status_code)
    if expect:
        assert expect in response.get_data(as_text=True)
    return queries


# Both sizes fill more than the first page (25 cases): a first page that holds every
# match is not counted again (cases/queries.py CappedPagination), a full one is.
MORE_THAN_A_PAGE = {"small": 26, "large": 40}


def test_case_list(app, signin, office_of):
    def measure(n):
        supervisor, _cases = office_of(n)
        return _request(signin, supervisor, "GET", "/cases", expect=f"{n} cases")

    assert_flat(measure, **MORE_THAN_A_PAGE)


def test_name_search(app, signin, office_of):
    def measure(n):
        supervisor, _cases = office_of(n)  # every child has the same name: n matches
        return _request(signin, supervisor, "POST", "/cases", {"q": f"{NAME} {FAMILY}"},
                        expect=f"{n} cases")

    assert_flat(measure, **MORE_THAN_A_PAGE)


def test_a_first_page_that_holds_every_match_is_not_counted_again(app, signin, office_of):
    supervisor, _cases = office_of(3)
    few = _request(signin, supervisor, "POST", "/cases", {"q": f"{NAME} {FAMILY}"},
                   expect="3 cases")
    assert not any("count(*) AS count_1 FROM (SELECT child_case" in s
                   for s in few.statements)


def test_filtered_list_by_assignee_and_status(app, signin, office_of):
    def measure(n):
        supervisor, cases = office_of(n)
        member = cases[0].team[0].user_id
        return _request(signin, supervisor, "GET", f"/cases?status=open&assignee={member}")

    assert_flat(measure)


def _case_with_records(make, n: int):
    """A case with n of every record the case page and its forms list, each by another
    member of staff, with sign-offs and overrides."""
    office = make.office("US")
    supervisor = make.user(Role.SUPERVISOR, office)
    caseworker = make.user(Role.CASEWORKER, office)
    case = make.case(caseworker, nationality="MX")
    from casework.cases import services as cases_services

    for i in range(n):
        cw = make.user(Role.CASEWORKER, office)
        pl = make.user(Role.PARALEGAL, office)
        sup = make.user(Role.SUPERVISOR, office)
        cases_services.add_team_member(case, cw, actor=caseworker)
        when = factories.recent(hours=n - i + 1)
        make.consent(case, cw, given_at=when)
        make.custody_event(case, cw, "uac_determination", occurred_at=when)
        make.screening(case, cw, "safety", completed_at=when)
        make.screening(case, pl, "protection", completed_at=when)
        make.screening(case, pl, "contiguous", completed_at=when)
        make.orientation(case, pl, delivered_at=when)
        make.review(case, sup, reviewed_at=when)
        engine.override(case, Action.CLOSE_CASE, "legal.kyr",
                        f"Override number {i} with a long enough reason.", actor=sup)
    db.session.commit()
    for key in ("intake.consent", "screen.safety"):
        if engine.rows_for(case)[key].state == "awaiting_sign_off":
            engine.sign_off(case, key, actor=supervisor)
    db.session.commit()
    return supervisor, case


CASE_PAGES = ["", "/consent", "/custody", "/screenings/safety", "/screenings/protection",
              "/screenings/contiguous", "/know-your-rights", "/reviews",
              f"/actions/{Action.CLOSE_CASE.value}"]


@pytest.mark.parametrize("page", CASE_PAGES, ids=lambda p: p or "/")
def test_case_page_and_its_record_pages(app, make, signin, page):
    def measure(n):
        supervisor, case = _case_with_records(make, n)
        return _request(signin, supervisor, "GET", f"/cases/{case.id}{page}")

    assert_flat(measure)


# The case page's statements, pinned (50 for the supervisor, 44 for the attorney before
# the page shared one read of the case; 33 and 30 before the read probed its fact
# sources): the signed-in session with its user (and a supervisor's offices), the case
# (with the access check), one statement of probes saying which fact sources have rows
# of this case, the checkpoint rows, the overrides and who made them, one query per fact
# source with rows that the gates read, each panel's own records (the family panel is
# not shown to an attorney; the notes are; this case has no plans, BIDs, transfers,
# returns, representation, proceedings or claims, so those panels ask for none), the team
# and its candidates, and the audit event's three (lock, chain head, insert). Lower it
# when a change saves one; a change that needs more must say why.
CASE_PAGE_STATEMENTS = {Role.SUPERVISOR: 19, Role.ATTORNEY: 18}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ATTORNEY])
def test_case_page_statements_are_pinned_and_none_is_sent_twice(app, make, signin, role):
    """The checklist, the action gates and the panels share one read of the case: no
    statement goes out twice with the same parameters (the same rows loaded again), and
    the total does not creep back up. An attorney on the team also sees the privileged
    notes and the legal pages: the count is the same ceiling."""
    supervisor, case = _case_with_records(make, 3)
    user = supervisor
    if role != Role.SUPERVISOR:
        from casework.cases import services as cases_services

        user = make.user(role, case.office)
        cases_services.add_team_member(case, user, actor=supervisor)
        db.session.commit()
    browser = signin(user)
    browser.get(f"/cases/{case.id}")
    with count_queries(with_parameters=True) as queries:
        response = browser.get(f"/cases/{case.id}")
    assert response.status_code == 200
    sent = [" ".join(s.split()) + f" {p!r}" for s, p in queries.with_parameters]
    twice = sorted({s[:160] for s in sent if sent.count(s) > 1})
    assert twice == [], twice
    assert queries.count <= CASE_PAGE_STATEMENTS[role], queries.report()


def _loads_of(queries, *tables: str) -> dict[str, int]:
    """How many SELECTs read each table's own rows (not a subquery of another's)."""
    return {t: sum(1 for s in queries.statements if s.lstrip().startswith(f"SELECT {t}."))
            for t in tables}


def test_case_page_panels_query_only_the_records_the_gates_found(app, make, signin):
    """The gates' read of the case says whether it has case plans, BIDs, transfer and
    return plans; a panel asks for the full records only when there are some, and then
    shows them."""
    tables = ("bi_case_plan", "bi_determination", "transfer_plan", "return_plan")
    office = make.office("MX")
    caseworker, supervisor = make.user(Role.CASEWORKER, office), make.user(Role.SUPERVISOR,
                                                                          office)
    case = make.case(caseworker)
    db.session.commit()
    browser = signin(supervisor)
    url = f"/cases/{case.id}"
    browser.get(url)
    with count_queries() as queries:
        page = browser.get(url).get_data(as_text=True)
    # the read's probe found no rows: neither the gates nor the panels query these tables
    assert _loads_of(queries, *tables) == dict.fromkeys(tables, 0)
    assert 'data-bid-status="none"' in page and "data-return=" not in page

    make.consent(case, caseworker, given_at=factories.recent(hours=3))
    make.screening(case, caseworker, "trafficking")
    make.legal_screening(case, make.user(Role.ATTORNEY, office))
    make.assessment(case, caseworker)
    make.case_plan(case, caseworker)
    make.approved_bid(case, caseworker, supervisor)
    make.return_plan(case, caseworker)
    db.session.commit()
    with count_queries() as queries:
        page = browser.get(url).get_data(as_text=True)
    loads = _loads_of(queries, *tables)
    assert loads["bi_case_plan"] == 2 and loads["return_plan"] == 2, loads
    assert loads["bi_determination"] >= 2 and loads["transfer_plan"] == 0, loads
    assert 'data-bid-status="approved"' in page and 'data-return="planned"' in page
    assert "Review by" in page


def test_case_page_legal_panel_queries_only_the_records_the_gates_found(app, make, signin):
    """The same for the legal panel: representation, removal proceedings, relief filings."""
    tables = ("legal_representation", "removal_proceeding", "relief_filing", "comar_claim")
    office = make.office("US")
    caseworker, attorney = make.user(Role.CASEWORKER, office), make.user(Role.ATTORNEY, office)
    case = make.case(caseworker)
    factories.on_team(case, attorney)
    db.session.commit()
    browser = signin(attorney)
    url = f"/cases/{case.id}"
    browser.get(url)
    with count_queries() as queries:
        page = browser.get(url).get_data(as_text=True)
    assert _loads_of(queries, *tables) == dict.fromkeys(tables, 0)  # the probe found none
    assert 'data-flag="no-attorney"' in page and "No pending proceedings." in page

    make.representation(case, attorney)
    make.proceeding(case, attorney)
    make.relief_filing(case, attorney)
    db.session.commit()
    with count_queries() as queries:
        page = browser.get(url).get_data(as_text=True)
    assert _loads_of(queries, *tables) == {"legal_representation": 2, "removal_proceeding": 2,
                                           "relief_filing": 2, "comar_claim": 0}
    assert 'data-flag="no-attorney"' not in page and attorney.name in page
    assert "notice to appear" in page and "filed" in page and "pending" in page


def test_sign_off_queue(app, make, signin):
    """Checkpoint sign-offs and BIDs awaiting approval, n of each."""

    def measure(n):
        office = make.office("US")
        supervisor = make.user(Role.SUPERVISOR, office)
        members = make.panel(office)
        for _ in range(n):
            caseworker = make.user(Role.CASEWORKER, office)
            case = make.case(caseworker)
            make.consent(case, caseworker, given_at=factories.recent(hours=2))
            make.assessment(case, caseworker)
            bid = make.bid(case, caseworker)
            for member in members:
                make.vote(bid, member)
        # The panels decided first, so their BIDs lead the (paged) queue.
        db.session.execute(sa.update(BidVote).values(voted_at=factories.recent(days=10)))
        db.session.commit()
        return _request(signin, supervisor, "GET", "/supervision/sign-offs",
                        expect="BID approval")

    assert_flat(measure)


SUPERVISION_PAGES = ["/supervision", "/supervision?recommendation=R6",
                     "/supervision/cases?status=applies", "/supervision/cases?status=due_soon",
                     "/supervision/cases?key=legal.kyr&status=applies&page=2",
                     "/supervision/overrides"]


@pytest.mark.parametrize("url", SUPERVISION_PAGES)
def test_supervision_dashboard_and_drill_down(app, signin, office_of, url):
    """The dashboard's numbers (per checkpoint, recommendation, office, member of staff and
    week) and the lists behind them: one office, n cases of n caseworkers and attorneys."""

    def measure(n):
        supervisor, _cases = office_of(n)
        return _request(signin, supervisor, "GET", url)

    assert_flat(measure)


@pytest.mark.parametrize("url", ["/supervision/export/dashboard.csv?with_staff=1",
                                 "/supervision/export/cases.csv?with_staff=1"])
def test_supervision_exports(app, signin, office_of, url):
    """The exports, read to their last line (the cases export streams in batches)."""

    def measure(n):
        supervisor, _cases = office_of(n)
        browser = signin(supervisor)
        browser.get(url, buffered=True)
        with count_queries() as queries:
            response = browser.get(url, buffered=True)
            lines = response.get_data(as_text=True).count("\n")
        assert response.status_code == 200 and lines > n
        return queries

    assert_flat(measure)


def test_case_page_and_search_take_the_audit_lock_after_every_read(app, signin, office_of):
    """Appending the view's audit event takes the chain's lock (SQLite's write lock, a
    PostgreSQL advisory lock) until the commit: the page's reads all come before it, so
    one worker's rendering never holds up another's case page."""
    supervisor, cases = office_of(3)
    for method, url, data in [("GET", f"/cases/{cases[0].id}", None),
                              ("POST", "/cases", {"q": f"{NAME} {FAMILY}"})]:
        statements = [" ".join(s.split()).upper()
                      for s in _request(signin, supervisor, method, url, data).statements]
        lock = next(i for i, s in enumerate(statements)
                    if "PG_ADVISORY_XACT_LOCK" in s or s.startswith("UPDATE AUDIT_EVENT"))
        late_reads = [s[:120] for s in statements[lock + 1:]
                      if s.startswith("SELECT") and "FROM AUDIT_EVENT" not in s]
        assert late_reads == [], (url, late_reads)


def test_the_counter_catches_a_query_per_row(app, ctx, make):
    """The check can fail: a loop that loads each case's team one by one is caught."""
    from casework.cases.models import Case

    def measure(n):
        office = make.office("MX")
        ids = [make.case(make.user(Role.CASEWORKER, office)).id for _ in range(n)]
        db.session.expunge_all()
        with count_queries() as queries:
            for case_id in ids:
                _ = db.session.get(Case, case_id).team  # a query per case, and one more
        return queries

    with pytest.raises(AssertionError, match="N\\+1"):
        assert_flat(measure)


@pytest.mark.parametrize("url", SUPERVISION_PAGES)
def test_supervision_pages_send_no_statement_twice(app, signin, office_of, url):
    """Each page records its view after rendering: a commit before it expired the user,
    their offices and session, and the page loaded them again."""
    supervisor, _cases = office_of(3)
    browser = signin(supervisor)
    browser.get(url)
    with count_queries(with_parameters=True) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    sent = [" ".join(s.split()) + f" {p!r}" for s, p in queries.with_parameters]
    twice = sorted({s[:160] for s in sent if sent.count(s) > 1})
    assert twice == [], twice


# Taking the audit chain's lock: PostgreSQL's advisory lock, SQLite's empty write.
_CHAIN_LOCK = ("SELECT pg_advisory_xact_lock", "UPDATE audit_event SET seq = seq")
_APPENDING = (*_CHAIN_LOCK, "SELECT audit_event.hash", "INSERT INTO audit_event")


def test_audited_pages_take_the_audit_chain_lock_after_reading_everything(app, make, signin):
    """Every page whose reading is audited appends its event after rendering
    (web.audited): the chain's lock is held until the commit, so a page that took it
    first kept every other audited request of every worker waiting while it rendered."""
    supervisor, case = _case_with_records(make, 1)
    attorney = make.user(Role.ATTORNEY, case.office)
    make.on_team(case, attorney)
    make.legal_note(case, attorney)
    member = make.family_member(case, supervisor)
    db.session.commit()
    pages = {
        supervisor: [f"/cases/{case.id}", f"/cases/{case.id}/best-interests/determination",
                     f"/audit/cases/{case.id}", f"/audit/users/{attorney.id}",
                     f"/cases/{case.id}/family/members/{member.id}",
                     "/supervision", "/supervision/cases?status=applies",
                     "/supervision/overrides", "/supervision/sign-offs"],
        attorney: [f"/cases/{case.id}/legal-notes", "/cases/calendar"],
    }
    for user, urls in pages.items():
        browser = signin(user)
        for url in urls:
            browser.get(url)
            with count_queries() as queries:
                response = browser.get(url)
            assert response.status_code == 200, url
            sent = [" ".join(s.split()) for s in queries.statements]
            locked = [i for i, s in enumerate(sent) if s.startswith(_CHAIN_LOCK)]
            assert len(locked) == 1, (url, queries.report())
            late = [s[:80] for s in sent[locked[0]:] if not s.startswith(_APPENDING)]
            assert late == [], (url, late)
