"""Read-only look-ups of users and offices."""

import uuid

import sqlalchemy as sa

from casework.accounts.models import Office, User
from casework.extensions import db


def offices(active_only: bool = False) -> list[Office]:
    stmt = sa.select(Office).order_by(Office.country, Office.code)
    if active_only:
        stmt = stmt.where(Office.active.is_(True))
    return list(db.session.scalars(stmt))


def office_by_code(code: str) -> Office | None:
    return db.session.scalar(sa.select(Office).where(Office.code == code.strip().upper()))


def users_query() -> sa.Select:
    return sa.select(User).order_by(User.active.desc(), User.name)


def get_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None


def get_office(office_id: str) -> Office | None:
    try:
        return db.session.get(Office, uuid.UUID(office_id))
    except ValueError:
        return None
