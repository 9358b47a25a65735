"""The audit chain stays one chain when several workers write at once (as under gunicorn)."""

from __future__ import annotations

import threading

from casework.audit.services import record, verify_chain
from casework.extensions import db


def test_concurrent_writers_never_fork_the_chain(app):
    events_each, writers = 40, 4
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(events_each):
                    record("test.concurrent", details={"writer": n, "i": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, with the chain's state
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with app.app_context():
        count, broken = verify_chain()
        db.session.remove()
    assert count == events_each * writers
    assert broken == []
