"""Synthetic know-your-rights orientations (see casework/synthetic)."""

from __future__ import annotations

from datetime import timedelta

from casework.accounts.roles import Role
from casework.legal.models import KnowYourRights, SessionFormat
from casework.synthetic import names, synthetic_records

PROVIDERS = ("Children's legal aid partner", "Servicio jurídico para la niñez migrante",
             "Pro bono immigration clinic", "Defensoría de derechos de la infancia")


@synthetic_records(order=20)
def orientations(batch, rng) -> None:
    for case in batch.cases:
        if rng.random() > 0.78:
            continue
        at = case.moment(rng, case.opened_at, 24 * 6, batch.now)
        if at is None:
            continue
        latest = at
        paralegal = case.staff(Role.PARALEGAL, rng)
        presenter = names.staff_name(rng)
        provider = rng.choice(PROVIDERS)
        while at is not None:
            batch.add(KnowYourRights, case, delivered_at=at,
                      session_format=SessionFormat.GROUP if rng.random() < 0.7
                      else SessionFormat.INDIVIDUAL,
                      provider=provider, recorded_by_id=paralegal,
                      recorded_at=at + timedelta(minutes=rng.randint(10, 300)),
                      language=case.languages[0], presenter=presenter)
            latest = at
            # Repeated about every six months while the child has no attorney.
            if Role.ATTORNEY in case.team or rng.random() < 0.5:
                break
            at = case.moment(rng, at + timedelta(days=170), 24 * 10, batch.now)
        if rng.random() < 0.7:
            batch.sign_off(case, "legal.kyr", latest, case.staff(Role.SUPERVISOR, rng), rng)
