"""Deadline arithmetic: hours, calendar days, business days and calendar months."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from casework.workflow.policy import Deadline, Unit

DUE_SOON = timedelta(days=3)


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day.

    A start on a weekend counts from the next Monday. Public holidays are not
    known to the engine; organisations that need them shorten the deadline.
    """
    current = start
    while current.weekday() >= 5:
        current = (current + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                        microsecond=0)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def add_months(when: datetime, months: int) -> datetime:
    """The same day `months` later (or earlier), the last day of a shorter month."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month,
                        day=min(when.day, calendar.monthrange(year, month)[1]))


def due_date(rule: Deadline, anchor_at: datetime) -> datetime:
    if rule.unit == Unit.HOURS:
        return anchor_at + timedelta(hours=rule.amount)
    if rule.unit == Unit.DAYS:
        return anchor_at + timedelta(days=rule.amount)
    if rule.unit == Unit.MONTHS:
        return add_months(anchor_at, rule.amount)
    return add_business_days(anchor_at, rule.amount)
