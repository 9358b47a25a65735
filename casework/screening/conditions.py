"""Conditions of the consent, custody and screening checkpoints.

The fact sources load only plain columns, for a whole batch of cases in one
query each, ordered so that the last record of a group is the latest.
"""

from __future__ import annotations

import sqlalchemy as sa

from casework.extensions import db
from casework.screening.choices import (
    FEAR_OR_NEED,
    CustodyEventKind,
    ScreeningKind,
    custody_variant,
)
from casework.screening.models import Consent, CustodyEvent, Screening
from casework.workflow.registry import (
    CONDITIONS,
    Met,
    anchor,
    condition,
    fact_source,
    group_by_case,
    in_batch,
)


@fact_source("screening.consents", keyed_by=Consent.case_id)
def load_consents(case_ids):
    return group_by_case(db.session.execute(
        sa.select(Consent.case_id, Consent.given_at, Consent.recorded_by_id,
                  Consent.may_contact_origin_country, Consent.never_share_with_origin)
        .where(in_batch(Consent.case_id, case_ids))
        .order_by(Consent.given_at, Consent.recorded_at)
    ))


@fact_source("screening.custody_events", keyed_by=CustodyEvent.case_id)
def load_custody_events(case_ids):
    return group_by_case(db.session.execute(
        sa.select(CustodyEvent.case_id, CustodyEvent.kind, CustodyEvent.occurred_at,
                  CustodyEvent.recorded_by_id)
        .where(in_batch(CustodyEvent.case_id, case_ids))
        .order_by(CustodyEvent.occurred_at, CustodyEvent.recorded_at)
    ))


@fact_source("screening.screenings", keyed_by=Screening.case_id)
def load_screenings(case_ids):
    return group_by_case(db.session.execute(
        sa.select(Screening.case_id, Screening.kind, Screening.completed_at, Screening.outcome,
                  Screening.credible_fear, Screening.recorded_by_id)
        .where(in_batch(Screening.case_id, case_ids))
        .order_by(Screening.completed_at, Screening.recorded_at)
    ))


def latest_consent(facts):
    consents = facts.records("screening.consents")
    return consents[-1] if consents else None


def latest_screening(facts, kind: ScreeningKind):
    of_kind = [s for s in facts.records("screening.screenings") if s.kind == kind]
    return of_kind[-1] if of_kind else None


@condition("consent.recorded")
def consent_recorded(facts) -> Met | None:
    consent = latest_consent(facts)
    return Met(consent.given_at, consent.recorded_by_id) if consent else None


@condition("consent.never_share_with_origin")
def never_share_with_origin(facts) -> bool:
    """The hard refusal of contact with the country of origin.

    Either the child's consent in force says so, or a protection need was found
    (by the protection screening, or a credible fear in the contiguous-country
    screening) or a protection claim is pending (an asylum or other relief filing in
    the US, a refugee claim with COMAR: the legal module's `protection.claim_pending`),
    and the child has not consented to contact with the country of origin.
    """
    consent = latest_consent(facts)
    if consent is not None and consent.never_share_with_origin:
        return True
    consented = consent is not None and consent.may_contact_origin_country
    if consented:
        return False
    protection = latest_screening(facts, ScreeningKind.PROTECTION)
    contiguous = latest_screening(facts, ScreeningKind.CONTIGUOUS)
    if ((protection is not None and protection.outcome == FEAR_OR_NEED)
            or (contiguous is not None and bool(contiguous.credible_fear))):
        return True
    # Looked up by name: the claims are the legal module's records, and the catalogue
    # check at start-up guarantees the name is registered.
    return bool(CONDITIONS["protection.claim_pending"](facts))


@condition("custody.complete")
def custody_complete(facts) -> Met | None:
    required = custody_variant(facts.case.office.country)
    latest = {}
    for event in facts.records("screening.custody_events"):
        if event.kind in required:
            latest[event.kind] = event  # ordered by time: the last one stays
    if not required or set(latest) != set(required):
        return None
    last = max(latest.values(), key=lambda e: e.occurred_at)
    return Met(last.occurred_at, last.recorded_by_id)


# --- the custody clocks: each runs only for the country whose variant has its event --------

def _first_event(facts, kind: CustodyEventKind) -> Met | None:
    event = next((e for e in facts.records("screening.custody_events") if e.kind == kind), None)
    return Met(event.occurred_at, event.recorded_by_id) if event else None


def _variant_has(facts, kind: CustodyEventKind) -> bool:
    return kind in custody_variant(facts.case.office.country)


@condition("custody.hhs_notified")
def hhs_notified(facts) -> Met | None:
    return _first_event(facts, CustodyEventKind.HHS_NOTIFIED)


@condition("custody.orr_transferred")
def orr_transferred(facts) -> Met | None:
    return _first_event(facts, CustodyEventKind.ORR_TRANSFER)


@anchor("custody.us_encountered")
def us_encountered(facts):
    """US: HHS is notified within 48 hours of the apprehension (the encounter)."""
    if _variant_has(facts, CustodyEventKind.HHS_NOTIFIED):
        return facts.case.encountered_at
    return None


@anchor("custody.uac_determined")
def uac_determined(facts):
    """US: custody passes to ORR within 72 hours of the UAC determination; until that is
    recorded, counted from the encounter (it cannot come later)."""
    if not _variant_has(facts, CustodyEventKind.ORR_TRANSFER):
        return None
    determined = _first_event(facts, CustodyEventKind.UAC_DETERMINATION)
    return determined.at if determined else facts.case.encountered_at


@anchor("custody.mx_encountered")
def mx_encountered(facts):
    """Mexico: the Procuraduría notified and the child handed to DIF, from the encounter."""
    if _variant_has(facts, CustodyEventKind.DIF_HANDOVER):
        return facts.case.encountered_at
    return None


def _screening_done(kind: ScreeningKind):
    def done(facts) -> Met | None:
        screening = latest_screening(facts, kind)
        return Met(screening.completed_at, screening.recorded_by_id) if screening else None

    done.__name__ = f"{kind.value}_done"
    done.__doc__ = f"When the latest {kind.value} screening was completed, and by whom."
    return done


safety_done = condition("screening.safety_done")(_screening_done(ScreeningKind.SAFETY))
trafficking_done = condition("screening.trafficking_done")(
    _screening_done(ScreeningKind.TRAFFICKING))
contiguous_done = condition("screening.contiguous_done")(
    _screening_done(ScreeningKind.CONTIGUOUS))
protection_done = condition("screening.protection_done")(
    _screening_done(ScreeningKind.PROTECTION))
