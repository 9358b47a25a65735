"""The matching help: candidates from blind indexes, within the user's scope, checked on
the decrypted names, and never linked automatically."""

from __future__ import annotations

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.reunification import queries
from casework.reunification.models import FamilyMemberToken, SiblingLink


def _numbers(candidates):
    return {c.case.number for c in candidates}


def test_cases_whose_family_members_share_names_are_candidates(world, make):
    cw = world("MX", Role.CASEWORKER)
    mine, theirs, unrelated = make.case(cw), make.case(cw), make.case(cw)
    member = make.family_member(mine, cw, given_names="Rosa Amalia", family_names="Tzoc")
    same = make.family_member(theirs, cw, given_names="Rosa", family_names="TZÓC Ajanel")
    make.family_member(unrelated, cw, given_names="Rosa", family_names="Pérez")  # one token
    found = queries.match_candidates(member, cw)
    assert _numbers(found) == {theirs.number}
    assert found[0].member.id == same.id and found[0].shared == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SiblingLink)) == 0


def test_candidates_stay_within_the_users_scope(world, make):
    mx, us = world("MX", Role.CASEWORKER), world("US", Role.CASEWORKER)
    mine = make.case(mx)
    other_office = make.case(us, encounter_type="port_of_entry")
    member = make.family_member(mine, mx)
    make.family_member(other_office, us)
    assert queries.match_candidates(member, mx) == []
    both = make.user(Role.SUPERVISOR, world.mx, supervised=[world.mx, world.us])
    assert _numbers(queries.match_candidates(member, both)) == {other_office.number}


def test_a_sibling_matches_another_case_s_child(world, make):
    cw = world("MX", Role.CASEWORKER)
    mine = make.case(cw, given_names="Ana Lucía", family_names="Ixcoy Tzoc")
    brother_case = make.case(cw, given_names="Mateo", family_names="Ixcoy Tzoc")
    brother = make.family_member(mine, cw, kinship="sibling", given_names="Mateo",
                                 family_names="Ixcoy")
    found = queries.match_candidates(brother, cw)
    assert _numbers(found) == {brother_case.number} and found[0].member is None
    mother = make.family_member(mine, cw, kinship="mother", given_names="Mateo",
                                family_names="Ixcoy")
    assert queries.match_candidates(mother, cw) == []  # only a sibling matches a child


def test_the_index_holds_digests_not_names(world, make):
    cw = world("MX", Role.CASEWORKER)
    member = make.family_member(make.case(cw), cw, given_names="Rosa Amalia",
                                family_names="Tzoc Ajanel")
    db.session.commit()
    digests = db.session.scalars(sa.select(FamilyMemberToken.digest)
                                 .where(FamilyMemberToken.member_id == member.id)).all()
    assert len(digests) == 4 and all(isinstance(d, int) for d in digests)
    stored = b"".join(v or b"" for v in make.raw_values("family_member", "given_names"))
    assert b"Rosa" not in stored


def test_renaming_a_member_rewrites_its_index(world, make):
    from casework.reunification import services

    cw = world("MX", Role.CASEWORKER)
    mine, theirs = make.case(cw), make.case(cw)
    member = make.family_member(mine, cw, given_names="Rosa", family_names="Tzoc")
    make.family_member(theirs, cw, given_names="Rosa", family_names="Tzoc")
    assert queries.match_candidates(member, cw)
    details = services.MemberDetails.of(member)
    details.family_names = "Pérez"
    services.update_member(member, details, actor=cw, expected_version=member.version)
    assert queries.match_candidates(member, cw) == []
