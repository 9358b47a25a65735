"""Synthetic consent, custody events and screenings (see casework/synthetic)."""

from __future__ import annotations

from casework.accounts.roles import Role
from casework.cases.conditions import CONTIGUOUS_NATIONALITIES
from casework.screening.choices import (
    FEAR_OR_NEED,
    CustodyEventKind,
    ScreeningKind,
    SharingRecipient,
    contiguous_outcome,
    custody_variant,
)
from casework.screening.models import Consent, CustodyEvent, Screening
from casework.synthetic import names, synthetic_records

CONSENT_NOTES = ("Explained with drawings; the child repeated it back in their own words.",
                 "The child asked that the father not be told where they are.",
                 "Consent explained again the next day, after the child had rested.")
REFERRALS = {
    ScreeningKind.SAFETY: ("Hospital general, urgencias", "Clínica de salud mental infantil",
                           "Shelter nurse and paediatrician"),
    ScreeningKind.TRAFFICKING: ("Anti-trafficking unit (Fiscalía)", "ORR trafficking referral",
                                "Specialised shelter for victims of trafficking"),
}
FINDINGS = {
    ScreeningKind.SAFETY: ("Dehydration and a foot infection, treated.",
                           "Signs of distress; a psychologist saw the child the same day."),
    ScreeningKind.TRAFFICKING: ("Was made to work to pay for the journey; says the debt is paid.",
                                "Someone on the journey kept the child's papers."),
    ScreeningKind.PROTECTION: ("Threatened by a gang for refusing to join; family received "
                               "threats.", "Fears violence at home from a step-parent."),
    ScreeningKind.CONTIGUOUS: ("Fears the people who recruited an older brother.",
                               "Does not know anyone who would care for them at home."),
}
SAFETY_OUTCOMES = {"no_urgent_needs": 75, "needs_addressed": 18, "referred": 7}
TRAFFICKING_OUTCOMES = {"no_indicators": 85, "indicators_referred": 10,
                        "indicators_no_referral": 5}
CUSTODY_HOURS = {  # mean hours after the previous step
    CustodyEventKind.UAC_DETERMINATION: 6, CustodyEventKind.HHS_NOTIFIED: 18,
    CustodyEventKind.ORR_TRANSFER: 40, CustodyEventKind.PROCURADURIA_NOTIFIED: 4,
    CustodyEventKind.DIF_HANDOVER: 10, CustodyEventKind.NOT_IN_IMMIGRATION_STATION: 20,
}


def _pick(rng, mix: dict) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


@synthetic_records(order=10)
def consents(batch, rng) -> None:
    for case in batch.cases:
        # Consent is a gate of a transfer: every child who was transferred gave it.
        if rng.random() > 0.88 and case.outcome != "transferred_us":
            continue
        given_at = case.moment(rng, case.opened_at, 30, batch.now)
        if given_at is None:
            continue
        by = case.staff(Role.ATTORNEY if rng.random() < 0.15 else Role.CASEWORKER, rng)
        never_share = rng.random() < 0.1
        scope = [SharingRecipient.LEGAL_SERVICE_PROVIDER,
                 SharingRecipient.CHILD_PROTECTION_AUTHORITY]
        if rng.random() < 0.6:
            scope.append(SharingRecipient.FAMILY)
        if not never_share and rng.random() < 0.2:
            scope.append(SharingRecipient.CONSULATE_OF_ORIGIN)
        batch.add(Consent, case, given_at=given_at, interpreter_used=case.interpreter_needed,
                  sharing_scope=[s.value for s in scope],
                  may_contact_origin_country=not never_share and rng.random() < 0.3,
                  never_share_with_origin=never_share, recorded_by_id=by,
                  recorded_at=batch.recorded_after(given_at, rng, 5, 90),
                  language=case.languages[0],
                  interpreter_name=names.staff_name(rng) if case.interpreter_needed else None,
                  notes=rng.choice(CONSENT_NOTES) if rng.random() < 0.2 else None)
        if rng.random() < 0.8:
            batch.sign_off(case, "intake.consent", given_at, case.staff(Role.SUPERVISOR, rng),
                           rng)


@synthetic_records(order=11)
def custody_events(batch, rng) -> None:
    for case in batch.cases:
        previous, last, complete = case.encountered_at, None, True
        by = case.staff(Role.CASEWORKER, rng)
        for kind in custody_variant(case.country):
            at = case.moment(rng, previous, CUSTODY_HOURS[kind], batch.now)
            if at is None or rng.random() < 0.04:
                complete = False
                continue
            reference = (f"Acta DIF/{at.year}/{rng.randint(100, 9999):04d}"
                         if kind == CustodyEventKind.DIF_HANDOVER
                         else (f"Ref. {rng.randint(10_000, 99_999)}" if rng.random() < 0.5
                               else None))
            batch.add(CustodyEvent, case, kind=kind, occurred_at=at, recorded_by_id=by,
                      recorded_at=batch.recorded_after(at, rng, 5, 600),
                      details=reference)
            previous = last = at
        if complete and last and rng.random() < 0.75:
            batch.sign_off(case, "custody.timeline", last, case.staff(Role.SUPERVISOR, rng),
                           rng)


def _screening(batch, case, rng, kind, at, by, outcome, *, contiguous=(None, None, None)):
    referral = outcome in ("referred", "indicators_referred")
    needs_findings = outcome in ("needs_addressed", "indicators_no_referral", FEAR_OR_NEED)
    batch.add(Screening, case, kind=kind, completed_at=at, outcome=outcome,
              trafficking_risk=contiguous[0], credible_fear=contiguous[1],
              can_decide=contiguous[2], referral_made=referral,
              interpreter_used=case.interpreter_needed, recorded_by_id=by,
              recorded_at=batch.recorded_after(at, rng, 5, 240),
              referral_to=rng.choice(REFERRALS[kind]) if referral else None,
              findings=rng.choice(FINDINGS[kind])
              if needs_findings or (kind == ScreeningKind.CONTIGUOUS and contiguous[1])
              else None)


def _screened_at(case, rng, after, hours: float, now, moved: bool):
    """When a screening was done (None: not yet, or the case closed first). A child who
    was moved was screened within the first tenth of the case's life at the latest."""
    at = case.moment(rng, after, hours, now)
    if at is None and moved:
        at = (after + (case.until(now) - after) * rng.uniform(0.01, 0.1)).replace(microsecond=0)
    return at


@synthetic_records(order=12)
def screenings(batch, rng) -> None:
    for case in batch.cases:
        caseworker = case.staff(Role.CASEWORKER, rng)
        supervisor = case.staff(Role.SUPERVISOR, rng)
        # A child who was returned or transferred was screened first: the gates of both
        # moves ask for these screenings (transfers' maker only moves screened children).
        moved = case.outcome in ("returned", "transferred_us")
        plans = [(ScreeningKind.SAFETY, 0.95, 12, SAFETY_OUTCOMES),
                 (ScreeningKind.TRAFFICKING, 0.85, 36, TRAFFICKING_OUTCOMES)]
        for kind, share, hours, outcomes in plans:
            at = _screened_at(case, rng, case.opened_at, hours, batch.now, moved)
            if at and (rng.random() < share or moved):
                _screening(batch, case, rng, kind, at, caseworker, _pick(rng, outcomes))
                if rng.random() < 0.8:
                    key = "screen.safety" if kind == ScreeningKind.SAFETY else "screen.trafficking"
                    batch.sign_off(case, key, at, supervisor, rng)
        paralegal = case.staff(Role.PARALEGAL, rng)
        attorney = case.staff(Role.ATTORNEY, rng)
        if case.country == "US" and case.nationality in CONTIGUOUS_NATIONALITIES:
            at = _screened_at(case, rng, case.encountered_at, 30, batch.now, moved)
            if at and (moved or rng.random() < 0.9):
                found = (rng.random() < 0.05, rng.random() < 0.15, rng.random() < 0.7)
                _screening(batch, case, rng, ScreeningKind.CONTIGUOUS, at, paralegal,
                           contiguous_outcome(*found), contiguous=found)
                if rng.random() < 0.7:
                    batch.sign_off(case, "screen.contiguous", at, attorney, rng)
        at = _screened_at(case, rng, case.opened_at, 120, batch.now, moved)
        if at and (moved or rng.random() < 0.7):
            outcome = FEAR_OR_NEED if rng.random() < 0.3 else "no_fear"
            _screening(batch, case, rng, ScreeningKind.PROTECTION, at, paralegal, outcome)
            if rng.random() < 0.7:
                batch.sign_off(case, "screen.protection", at, attorney, rng)
