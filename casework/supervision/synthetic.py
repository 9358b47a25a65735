"""Synthetic supervisors' case reviews (see casework/synthetic)."""

from __future__ import annotations

from datetime import timedelta

from casework.accounts.roles import Role
from casework.supervision.models import CaseReview
from casework.synthetic import synthetic_records

NOTES = ("Case on track; screenings done.", "Waiting for the custody record from DIF.",
         "Family contact made; tracing continues.", "Legal screening pending; follow up.",
         "Child doing well at the shelter; school started.",
         "Interpreter for the child's language still needed at meetings.")
DECISIONS = ("Ask the attorney for a relief screening this week.",
             "Request the home study.", "Schedule a BIA review.")
MAX_REVIEWS = 8


@synthetic_records(order=30)
def reviews(batch, rng) -> None:
    """A review in most 30-day periods of a case's life, a few days into the period."""
    for case in batch.cases:
        supervisor = case.staff(Role.SUPERVISOR, rng)
        start, made = case.opened_at, 0
        while made < MAX_REVIEWS:
            at = case.moment(rng, start + timedelta(days=24), 24 * 5, batch.now)
            if at is None:
                break
            if rng.random() < 0.6:
                batch.add(CaseReview, case, reviewed_at=at, recorded_by_id=supervisor,
                          recorded_at=batch.recorded_after(at, rng, 5, 120),
                          note=rng.choice(NOTES),
                          decisions=rng.choice(DECISIONS) if rng.random() < 0.3 else None)
                made += 1
            start = at
