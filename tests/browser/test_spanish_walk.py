"""Every main page in Spanish (issue 9): a browser set to Spanish walks the pages each
role uses, follows every link of a full case, shows a validation error and an error
page, and finds no English outside the data the test typed.

What counts as English: words of UI English that Spanish never uses (ENGLISH below),
found in the page's text, its hidden text (collapsed sections, chart descriptions) and
the attributes people hear or see (placeholder, title, aria-label, alt, button values).
The data of the test is in Spanish and Mayan languages, so a hit is always a string of
ours that escaped translation.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from casework.accounts.roles import Role
from casework.extensions import db
from tests import factories

pytestmark = pytest.mark.browser

_ENGLISH_WORDS = """
the and of to with for this that these those from your you has have had are was were
will been which when who what where why how there their them they it its is be being
not but or if than then only also more most any all each every other into about after
before within without until between during over under again
case cases record records recorded due overdue save saved cancel edit add new open
opened closed close status none yes child children family hearing hearings attorney
attorneys caseworker caseworkers screening screenings consent
checkpoint checkpoints met pending late review reviews name names office offices
search back next previous page show hide sign signed off required optional choose
enter select delete remove confirm submit update updated created create view list
date time day days week weeks month months year years today yesterday tomorrow hour
hours minute minutes note notes team member members action actions user users role
roles email password account language best interests determination assessment
transfer return returned release released sponsor sponsors tracing
verified verification reunification follow followup outcome result results reason
reasons decision decisions filed filing claim claims pending awaiting approve
approved approval refused refusal override overrides export download print trend
recommendation recommendations stage stages filter filters apply reset clear
first last more less than nothing yet no-one anyone someone everyone
"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())
# Not listed: words Spanish shares (plan, legal, supervisor, total, final, general).
# Capitalised forms count too (headings, buttons); acronyms and codes do not (US, ORR).
TOKEN = re.compile(r"[\wÀ-ÿ'’-]+")

PAGE_TEXT = """() => {
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    const tag = parent ? parent.tagName : '';
    if (tag && tag !== 'SCRIPT' && tag !== 'STYLE') parts.push(walker.currentNode.data);
  }
  for (const el of document.querySelectorAll('[placeholder],[title],[aria-label],[alt]')) {
    for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
      if (el.getAttribute(a)) parts.push(el.getAttribute(a));
    }
  }
  for (const el of document.querySelectorAll('input[type=submit],input[type=button]')) {
    parts.push(el.value);
  }
  parts.push(document.title);
  return parts.join('\\n');
}"""


def english_words(text: str, user_data: list[str]) -> list[str]:
    for value in sorted(user_data, key=len, reverse=True):
        text = text.replace(value, " ")
    found = []
    for word in TOKEN.findall(text):
        if any(c.isdigit() for c in word):  # ids and codes ("be12f0", "I-589")
            continue
        if word.isupper() and len(word) > 1:  # acronyms: ORR, DIF, COMAR, EOIR, US
            continue
        if word.lower().strip("'’-") in ENGLISH:
            found.append(word)
    return found


def test_the_detector_finds_english_and_ignores_acronyms_and_data():
    assert english_words("Guardar los cambios", []) == []
    assert english_words("Save the case", []) == ["Save", "the", "case"]
    assert english_words("Formulario I-589 ante USCIS; ORR y DIF", []) == []
    assert english_words("Expediente de Ana Case", ["Ana Case"]) == []
    assert english_words("Registro be12f0a9 y 4be7", []) == []  # short ids are not words


@pytest.fixture
def world(app):
    """A Mexican office and a US office, staff with Spanish names, and a case in each with
    records on every panel."""
    with app.app_context():
        mx, us = factories.office("MX"), factories.office("US")
        names = {Role.CASEWORKER: "Rosa Méndez", Role.PARALEGAL: "Pablo Ixchel",
                 Role.ATTORNEY: "Alma Tzʼunun", Role.SUPERVISOR: "Sofía Bʼalam",
                 Role.ADMIN: "Adela Ruiz"}
        staff = {role: factories.user(role, mx, name=name) for role, name in names.items()}
        us_staff = {role: factories.user(role, us, name=f"{name} Gómez")
                    for role, name in names.items() if role != Role.ADMIN}
        panel = factories.panel(mx)
        cw, att, sup = staff[Role.CASEWORKER], staff[Role.ATTORNEY], staff[Role.SUPERVISOR]
        child = factories.case(cw, given_names="Xʼunan", family_names="Qʼanjobʼal Pérez",
                               nationality="GT")
        factories.on_team(child, att, staff[Role.PARALEGAL])
        factories.consent(child, cw)
        factories.screening(child, cw, "safety")
        factories.screening(child, cw, "trafficking")
        factories.review(child, sup, note="Expediente en orden.")
        factories.orientation(child, att)
        factories.legal_screening(child, att)
        member = factories.family_member(child, cw)
        factories.tracing(child, cw, details="Se llamó al número que dio la niña.")
        factories.verification(child, cw, member, documents="Acta de nacimiento de la madre")
        factories.assessment(child, cw)
        factories.case_plan(child, cw)
        factories.approved_bid(
            child, cw, sup, members=panel,
            options="Retorno: la familia la espera. Quedarse: no tiene familia en México.",
            child_views="Quiere volver con su abuela.",
            views_weight="Gran peso: tiene 15 años y lo dice con claridad.",
            reasons="Familia evaluada como segura; hay lugar en la escuela.")
        us_child = factories.case(us_staff[Role.CASEWORKER], given_names="Bʼeleje",
                                  family_names="Kʼicheʼ Ramírez", nationality="GT")
        factories.on_team(us_child, us_staff[Role.ATTORNEY])
        factories.representation(us_child, us_staff[Role.ATTORNEY])
        factories.proceeding(us_child, us_staff[Role.ATTORNEY])
        factories.hearing(us_child, us_staff[Role.ATTORNEY])
        db.session.commit()
        people = [*staff.values(), *us_staff.values(), *panel]
        data = {
            "logins": {role.value: u.email for role, u in staff.items()},
            "us_attorney": us_staff[Role.ATTORNEY].email,
            "case": str(child.id), "us_case": str(us_child.id),
            "user_data": [
                *(u.name for u in people), *(u.email for u in people),
                child.number, us_child.number, mx.code, us.code, mx.name, us.name,
                "Xʼunan", "Qʼanjobʼal Pérez", "Bʼeleje", "Kʼicheʼ Ramírez",
                *(v for v in (member.given_names, member.family_names) if v),
                factories.EXPLANATION,
            ],
        }
        db.session.remove()
    return data


@pytest.fixture
def spanish(browser, live_server, csrf_on):
    context = browser.new_context(base_url=live_server.url, locale="es-MX",
                                  timezone_id="America/Mexico_City")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _sign_in(context, email: str):
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()
    return page


def _same_site_links(page, prefix: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        path = urlparse(href).path
        if path.startswith(prefix) and not path.endswith(".csv") and path not in out:
            out.append(path)
    return out


class Walk:
    def __init__(self, user_data: list[str]):
        self.user_data = user_data
        self.hits: dict[str, list[str]] = {}
        self.seen: set[str] = set()

    def check(self, page, label: str | None = None) -> None:
        assert page.locator("html").get_attribute("lang") == "es", page.url
        words = english_words(page.evaluate(PAGE_TEXT), self.user_data)
        if words:
            self.hits[label or urlparse(page.url).path] = sorted(set(words))

    def visit(self, page, path: str) -> None:
        if path in self.seen:
            return
        self.seen.add(path)
        response = page.goto(path)
        assert response is not None and response.status < 500, path
        self.check(page)


def test_the_main_pages_speak_only_spanish(world, spanish):
    walk = Walk(world["user_data"])

    page = spanish.new_page()
    page.goto("/login")
    walk.check(page, "/login")
    page.get_by_label("Correo electrónico").fill("nadie@example.test")
    page.get_by_label("Contraseña").fill("una contraseña equivocada")
    page.get_by_role("button", name="Iniciar sesión").click()
    walk.check(page, "/login (refused)")
    page.close()

    # The caseworker: the list, the case and every page the case links to.
    page = _sign_in(spanish, world["logins"]["caseworker"])
    for path in ("/cases", "/cases/new", "/account", f"/cases/{world['case']}"):
        walk.visit(page, path)
    for path in _same_site_links(page, f"/cases/{world['case']}/"):
        walk.visit(page, path)
    page.goto("/cases/new")
    page.get_by_role("button", name=re.compile("Registrar")).click()  # empty: errors
    walk.check(page, "/cases/new (errors)")
    walk.visit(page, "/cases/00000000-0000-0000-0000-000000000000")  # not found
    page.context.clear_cookies()

    # The supervisor: dashboard, drill-downs, queue, oversight, the case.
    page = _sign_in(spanish, world["logins"]["supervisor"])
    walk.visit(page, "/supervision")
    for path in _same_site_links(page, "/supervision"):
        walk.visit(page, path)
    walk.visit(page, f"/cases/{world['case']}")
    page.context.clear_cookies()

    # The attorney of the US case: the legal pages and the calendar.
    page = _sign_in(spanish, world["us_attorney"])
    walk.visit(page, f"/cases/{world['us_case']}")
    for path in _same_site_links(page, f"/cases/{world['us_case']}/"):
        walk.visit(page, path)
    for path in _same_site_links(page, "/legal"):
        walk.visit(page, path)
    page.context.clear_cookies()

    # The administrator: users, offices, audit.
    page = _sign_in(spanish, world["logins"]["admin"])
    for path in ("/admin/users", "/admin/offices", "/admin/users/new", "/admin/offices/new"):
        walk.visit(page, path)
    for path in _same_site_links(page, "/audit"):
        walk.visit(page, path)

    assert len(walk.seen) >= 25, sorted(walk.seen)
    assert not walk.hits, "English on Spanish pages:\n" + "\n".join(
        f"{path}: {', '.join(words)}" for path, words in walk.hits.items())
