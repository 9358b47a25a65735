"""What a stolen session or a shared computer could still get from the browser."""

from __future__ import annotations

from casework.accounts.roles import Role


def test_case_pages_are_never_cached_and_allow_no_inline_script(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    make.login(client, cw)
    case = make.case(cw)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in page.get_data(as_text=True)  # no inline script to allow


def test_an_administrator_cannot_open_a_case(client, world, make):
    cw, admin = world("MX", Role.CASEWORKER), world("MX", Role.ADMIN)
    case = make.case(cw)
    make.login(client, admin)
    assert client.get(f"/cases/{case.id}").status_code in (403, 404)
    listing = client.get("/cases").get_data(as_text=True)
    # whole names and the number: a three-letter fragment like "Ana" turns up
    # by chance in the page's random CSRF token
    assert case.number not in listing
    assert "Ana Lucía" not in listing and "Ixcoy Tzoc" not in listing
