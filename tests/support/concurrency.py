"""Desks acting at the same moment: threads, each on its own connection, released together."""

import threading

from assets.extensions import db

DESKS = 8


def race(app, work, desks: int = DESKS) -> list:
    """Run `work(i)` in `desks` threads, each in its own app context (so its own session and
    connection), released together; returns what each returned or raised."""
    barrier = threading.Barrier(desks, timeout=30)
    outcomes: list = [None] * desks

    def desk(i: int) -> None:
        with app.app_context():
            try:
                outcomes[i] = work(i, barrier)
            except Exception as error:  # every failure is reported by the test
                db.session.rollback()
                outcomes[i] = error

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(desks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a desk never finished"
    return outcomes
