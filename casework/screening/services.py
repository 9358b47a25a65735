"""Recording consent, custody events and screenings. They flush and audit; the view commits.

The forms check the same rules field by field; these checks keep the records
coherent whoever calls (a command, an import, a test) and raise ValueError with
a message for the user.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.audit.services import record
from casework.cases.models import Case
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.screening.choices import (
    CUSTODY_NEEDS_REFERENCE,
    FINDINGS,
    ORIGIN_RECIPIENTS,
    OUTCOME_REQUIRES,
    OUTCOMES,
    REFERRAL,
    SCREENING_CHECKPOINTS,
    CustodyEventKind,
    ScreeningKind,
    SharingRecipient,
    contiguous_outcome,
    custody_variant,
)
from casework.screening.models import Consent, CustodyEvent, Screening
from casework.workflow import engine
from casework.workflow.registry import CONDITIONS, FactBatch, Facts


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check_when(when: datetime) -> None:
    if when.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if when > utcnow():
        raise ValueError(_l("A record cannot be dated in the future."))


def checkpoint_applies(case: Case, key: str) -> bool:
    """Whether the catalogue's `applies` condition of this checkpoint holds for the case."""
    cp = engine.checkpoint(key)
    facts = Facts(case=case, now=utcnow(), _batch=FactBatch([case.id]))
    return bool(CONDITIONS[cp.applies](facts))


# --- consent ---------------------------------------------------------------

@dataclass
class ConsentDetails:
    given_at: datetime
    language: str
    interpreter_used: bool = False
    interpreter_name: str | None = None
    sharing_scope: list[str] = field(default_factory=list)
    may_contact_origin_country: bool = False
    never_share_with_origin: bool = False
    notes: str | None = None


def record_consent(case: Case, d: ConsentDetails, *, actor: User) -> Consent:
    _check_when(d.given_at)
    language = _clean(d.language)
    if not language:
        raise ValueError(_l("Say in which language the consent was explained."))
    if d.interpreter_used and not _clean(d.interpreter_name):
        raise ValueError(_l("Give the interpreter's name."))
    scope = [SharingRecipient(code).value for code in dict.fromkeys(d.sharing_scope)]
    if d.never_share_with_origin and (d.may_contact_origin_country
                                      or ORIGIN_RECIPIENTS & set(scope)):
        raise ValueError(_l("Never sharing with the country of origin contradicts consent to "
                            "contact it."))
    consent = Consent(id=uuid.uuid4(), case=case, case_id=case.id, given_at=d.given_at,
                      interpreter_used=bool(d.interpreter_used), sharing_scope=scope,
                      may_contact_origin_country=bool(d.may_contact_origin_country),
                      never_share_with_origin=bool(d.never_share_with_origin),
                      recorded_by_id=actor.id)
    consent.language = language
    consent.interpreter_name = _clean(d.interpreter_name) if d.interpreter_used else None
    consent.notes = _clean(d.notes)
    db.session.add(consent)
    db.session.flush()
    engine.refresh(case)
    record("consent.record", actor_id=actor.id, case_id=case.id,
           details={"consent": str(consent.id)})
    return consent


# --- custody timeline ------------------------------------------------------

@dataclass
class CustodyEventDetails:
    kind: str
    occurred_at: datetime
    details: str | None = None


def record_custody_event(case: Case, d: CustodyEventDetails, *, actor: User) -> CustodyEvent:
    _check_when(d.occurred_at)
    kind = CustodyEventKind(d.kind)
    if kind not in custody_variant(case.office.country):
        raise ValueError(_l("This step belongs to the other country's custody process."))
    if kind in CUSTODY_NEEDS_REFERENCE and not _clean(d.details):
        raise ValueError(_l("Give the reference of the written record."))
    event = CustodyEvent(id=uuid.uuid4(), case=case, case_id=case.id, kind=kind,
                         occurred_at=d.occurred_at, recorded_by_id=actor.id)
    event.details = _clean(d.details)
    db.session.add(event)
    db.session.flush()
    engine.refresh(case)
    record("custody.record", actor_id=actor.id, case_id=case.id,
           details={"event": str(event.id), "kind": kind.value})
    return event


# --- screenings ------------------------------------------------------------

@dataclass
class ScreeningDetails:
    kind: str
    completed_at: datetime
    outcome: str | None = None  # derived for the contiguous screening
    trafficking_risk: bool | None = None
    credible_fear: bool | None = None
    can_decide: bool | None = None
    referral_made: bool = False
    referral_to: str | None = None
    interpreter_used: bool = False
    findings: str | None = None


def screening_problems(d: ScreeningDetails) -> dict[str, object]:
    """Field name -> message for every rule the details break (empty: coherent)."""
    kind = ScreeningKind(d.kind)
    problems: dict[str, object] = {}
    if kind == ScreeningKind.CONTIGUOUS:
        for name in ("trafficking_risk", "credible_fear", "can_decide"):
            if getattr(d, name) is None:
                problems[name] = _l("Answer yes or no.")
    elif d.outcome not in {code for code, _label in OUTCOMES[kind]}:
        problems["outcome"] = _l("Choose the outcome.")
    needs = OUTCOME_REQUIRES.get(d.outcome or "", frozenset())
    referral_to = _clean(d.referral_to)
    if REFERRAL in needs and not d.referral_made:
        problems["referral_made"] = _l("This outcome needs a referral: record it here.")
    if d.referral_made and not referral_to:
        problems["referral_to"] = _l("Say to whom the child was referred.")
    if referral_to and not d.referral_made:
        problems["referral_to"] = _l("Tick 'A referral was made', or clear this field.")
    if FINDINGS in needs and not _clean(d.findings):
        problems["findings"] = _l("This outcome needs the findings: what was found and done.")
    return problems


def record_screening(case: Case, d: ScreeningDetails, *, actor: User) -> Screening:
    _check_when(d.completed_at)
    kind = ScreeningKind(d.kind)
    if not checkpoint_applies(case, SCREENING_CHECKPOINTS[kind]):
        raise NotPermitted(_l("This screening does not apply to this case."))
    if kind == ScreeningKind.CONTIGUOUS:
        found = (d.trafficking_risk, d.credible_fear, d.can_decide)
        d = replace(d, outcome=contiguous_outcome(*found) if None not in found else None)
    else:
        d = replace(d, trafficking_risk=None, credible_fear=None, can_decide=None)
    problems = screening_problems(d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    screening = Screening(
        id=uuid.uuid4(), case=case, case_id=case.id, kind=kind, completed_at=d.completed_at,
        outcome=d.outcome, trafficking_risk=d.trafficking_risk, credible_fear=d.credible_fear,
        can_decide=d.can_decide, referral_made=bool(d.referral_made),
        interpreter_used=bool(d.interpreter_used), recorded_by_id=actor.id,
    )
    screening.referral_to = _clean(d.referral_to) if d.referral_made else None
    screening.findings = _clean(d.findings)
    db.session.add(screening)
    db.session.flush()
    engine.refresh(case)
    record("screening.record", actor_id=actor.id, case_id=case.id,
           details={"screening": str(screening.id), "kind": kind.value})
    return screening
