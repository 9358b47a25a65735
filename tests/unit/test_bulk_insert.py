"""database.bulk_insert stores exactly what `session.execute(insert(table), rows)` stores."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from casework.database import bulk_insert
from casework.extensions import db
from casework.models import UTCDateTime, str_enum, utcnow


class Colour(enum.StrEnum):
    RED = "red"
    DARK_BLUE = "dark blue"


metadata = sa.MetaData()
sample = sa.Table(
    "bulk_insert_sample", metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch", sa.String(8), nullable=False),
    sa.Column("ref", sa.Uuid),
    sa.Column("at", UTCDateTime),
    sa.Column("day", sa.Date),
    sa.Column("colour", str_enum(Colour, 16)),
    sa.Column("tags", sa.JSON),
    sa.Column("blob", sa.LargeBinary),
    sa.Column("flag", sa.Boolean, default=False),
    sa.Column("label", sa.String(8), default="none"),
    sa.Column("stamped", UTCDateTime, default=utcnow),
)


@pytest.fixture
def table(ctx):
    metadata.create_all(db.engine)
    yield sample
    db.session.rollback()
    metadata.drop_all(db.engine)


def _rows(batch: str, *, leave_out: tuple[str, ...] = ()) -> list[dict]:
    at = datetime(2026, 3, 1, 12, 30, 5, 123, tzinfo=UTC)
    rows = []
    for i in range(5):
        row = {"batch": batch, "ref": uuid.UUID(int=i * 7919) if i % 2 else None,
               "at": at + timedelta(hours=i) if i != 3 else
               at.astimezone(timezone(timedelta(hours=-6))),
               "day": date(2026, 1, 1 + i) if i else None,
               "colour": (Colour.RED, Colour.DARK_BLUE, None, "red", Colour.RED)[i],
               "tags": (["a", "b"], None, {"k": 1}, [], "x")[i],
               "blob": bytes([i]) * i if i % 2 else None}
        row |= {"flag": bool(i % 2), "label": f"l{i}", "stamped": at - timedelta(days=i)}
        rows.append({k: v for k, v in row.items() if k not in leave_out})
    rows.append(dict(rows[1]))  # values seen before: converted once, stored alike
    return rows


def _stored(batch: str) -> list[tuple]:
    columns = [c for c in sample.c if c.name not in ("n", "batch", "stamped")]
    query = sa.select(*(sa.cast(c, sa.String) if c.name == "tags" else c for c in columns))
    return [tuple(r) for r in db.session.execute(
        query.where(sample.c.batch == batch).order_by(sample.c.n))]


@pytest.mark.parametrize("leave_out", [(), ("flag", "label"), ("label", "stamped")],
                         ids=["every column", "constant defaults", "a computed default"])
def test_the_same_values_as_sqlalchemy_stores(table, leave_out):
    db.session.execute(sa.insert(table), _rows("orm", leave_out=leave_out))
    bulk_insert(table, _rows("bulk", leave_out=leave_out))
    assert _stored("bulk") == _stored("orm")
    raw = sa.select(sa.cast(table.c.at, sa.String), sa.cast(table.c.ref, sa.String))
    assert (db.session.execute(raw.where(table.c.batch == "bulk")).all()
            == db.session.execute(raw.where(table.c.batch == "orm")).all())
    stamped = db.session.scalars(sa.select(table.c.stamped)
                                 .where(table.c.batch == "bulk")).all()
    assert all(s is not None for s in stamped)  # a computed default is still computed


def test_rows_keyed_by_attribute_names(table):
    db.session.execute(sa.insert(table), _rows("orm"))
    renamed = [{("when" if k == "at" else k): v for k, v in row.items()}
               for row in _rows("bulk")]
    bulk_insert(table, renamed, {"when": "at"})
    assert _stored("bulk") == _stored("orm")


def test_a_naive_datetime_is_refused_as_sqlalchemy_refuses_it(table):
    rows = _rows("bulk")
    rows[2]["at"] = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(ValueError, match="naive"):
        bulk_insert(table, rows)


def test_no_rows_is_no_statement(table):
    bulk_insert(table, [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0
