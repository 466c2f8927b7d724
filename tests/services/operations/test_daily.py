"""The daily jobs: once a day per school date, one runner per job however many servers start
them, a failing job never stopping the others, and the pruning jobs' edges."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import (
    DailyRun,
    PasswordResetRequest,
    PendingImport,
    Person,
    UsedSignInState,
)
from assets.services.operations import backups, daily
from assets.services.operations.daily import Job, Report
from assets.services.people.single_sign_on import KEEP_USED_STATES
from tests.support.backups import own_database
from tests.support.concurrency import race
from tests.support.smtp import send_mail_through


def outcomes(results) -> dict[str, str]:
    return {result.job.name: result.outcome for result in results}


def summaries(results) -> dict[str, str]:
    return {result.job.name: result.summary for result in results}


@pytest.fixture
def late_borrowers(app, make, clock):
    """Mrs N Quinn holds a camera eight days after its seven-day loan; Zoë O'Brien-Ñúñez has
    not yet signed for a laptop; Mr No Email has not signed either and has no address."""
    short = make.category("Camera", loan_kind="short", default_loan_days=7)
    quinn = make.person("Mrs N Quinn", email="n.quinn@ashbrook.sch.uk")
    late = make.loan(make.asset("ASH-0100", category=short), quinn, now=clock.now - timedelta(8))
    zoe = make.person("Zoë O'Brien-Ñúñez", email="zoe@ashbrook.sch.uk")
    unsigned = make.loan(make.asset("ASH-0200"), zoe, signed=False)
    make.loan(make.asset("ASH-0300"), make.person("Mr No Email", email=None), signed=False)
    return SimpleNamespace(late=late, unsigned=unsigned)


def test_a_second_run_the_same_day_sends_nothing_again(
    app, database, smtp_server, late_borrowers, clock
):
    send_mail_through(app, smtp_server.port)
    with app.app_context():
        first = daily.run(now=clock.now)
        again = daily.run(now=clock.now + timedelta(hours=2))

    # No BACKUP_DIR: the backup is not set up, and waits for it.
    assert outcomes(first) == {**dict.fromkeys(outcomes(first), "done"), "backup": "skipped"}
    assert summaries(first)["overdue-reminders"] == "1 sent"
    assert summaries(first)["signature-reminders"] == (
        "1 sent, 1 to remind in person (no email address)"
    )
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "n.quinn@ashbrook.sch.uk",
        "zoe@ashbrook.sch.uk",
    ]
    # The names are printed, never kept in daily_runs.
    (signature,) = [r for r in first if r.job.name == "signature-reminders"]
    assert "Mr No Email has no email address: remind them in person." in signature.details
    assert "Zoë O'Brien-Ñúñez" in " ".join(signature.details)
    with app.app_context():
        kept = " ".join(run.summary for run in daily.runs_on(date(2026, 11, 23)))
    assert "Mr No Email" not in kept
    assert "zoe@" not in kept

    assert outcomes(again) == dict.fromkeys(outcomes(first), "skipped")
    assert set(summaries(again).values()) == {
        "already done today at 09:00",
        "not set up (BACKUP_DIR is not set)",
    }
    assert len(smtp_server.messages) == 2

    # The next day runs again; the reminders wait three days before repeating themselves.
    with app.app_context():
        next_day = daily.run(now=clock.advance(days=1))
    assert outcomes(next_day) == outcomes(first)
    assert summaries(next_day)["overdue-reminders"] == "0 sent"
    assert len(smtp_server.messages) == 2


def test_four_servers_at_once_get_one_runner_for_each_job(
    app, database, smtp_server, late_borrowers, clock
):
    send_mail_through(app, smtp_server.port)

    def server(_i, barrier):
        barrier.wait()
        return outcomes(daily.run(now=clock.now))

    servers = race(app, server, desks=4)

    assert not [outcome for outcome in servers if isinstance(outcome, Exception)], servers
    set_up = [job for job in daily.JOBS if job.name != "backup"]  # no BACKUP_DIR here
    for job in set_up:
        ran = sorted(server[job.name] for server in servers)
        assert ran == ["done", "skipped", "skipped", "skipped"], job.name
    assert len(smtp_server.messages) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(DailyRun.id))) == len(set_up)
        assert {run.outcome for run in daily.runs_on(date(2026, 11, 23))} == {"done"}


def test_two_servers_retrying_a_failed_job_run_it_once(app, database, clock):
    ran = []

    def flaky(now):
        ran.append(now)
        if len(ran) == 1:
            raise RuntimeError("the disk was full")
        return "fine"

    jobs = [Job("flaky", "Flaky", flaky)]
    with app.app_context():
        (failed,) = daily.run(jobs, now=clock.now)
    assert (failed.outcome, failed.summary) == ("failed", "RuntimeError: the disk was full")

    def server(_i, barrier):
        barrier.wait()
        return outcomes(daily.run(jobs, now=clock.now + timedelta(minutes=5)))["flaky"]

    assert sorted(race(app, server, desks=2)) == ["done", "skipped"]
    assert len(ran) == 2


def test_a_failing_job_does_not_stop_the_others_and_keeps_nothing_of_its_own(
    app, database, make, clock
):
    make.person("Łukasz Żółć")

    def rename(now):
        db.session.scalar(select(Person)).name = "Zoë O'Brien-Ñúñez"
        return "renamed"

    def broken(now):
        db.session.scalar(select(Person)).name = "Half done"
        db.session.flush()
        raise ValueError("something unexpected")

    jobs = [
        Job("one", "One", rename),
        Job("broken", "Broken", broken),
        Job("three", "Three", lambda now: Report("three ran", ("a detail",))),
    ]
    with app.app_context():
        results = daily.run(jobs, now=clock.now)
        assert outcomes(results) == {"one": "done", "broken": "failed", "three": "done"}
        assert summaries(results)["broken"] == "ValueError: something unexpected"
        assert db.session.scalar(select(Person.name)) == "Zoë O'Brien-Ñúñez"
        (failed,) = [run for run in daily.runs_on(date(2026, 11, 23)) if run.job == "broken"]
        assert (failed.outcome, failed.summary) == ("failed", "ValueError: something unexpected")
        again = daily.run(jobs, now=clock.now)
    assert outcomes(again) == {"one": "skipped", "broken": "failed", "three": "skipped"}


def test_force_runs_again_what_was_done_today_but_not_what_is_running(app, database, clock):
    ran = []
    jobs = [Job("counted", "Counted", lambda now: ran.append(now) or "ok")]
    with app.app_context():
        daily.run(jobs, now=clock.now)
        assert outcomes(daily.run(jobs, now=clock.now)) == {"counted": "skipped"}
        assert outcomes(daily.run(jobs, now=clock.now, force=True)) == {"counted": "done"}
        assert len(ran) == 2

        run = db.session.scalar(select(DailyRun))
        run.outcome, run.finished_at = "running", None
        db.session.commit()
        (forced,) = daily.run(jobs, now=clock.now + timedelta(hours=1), force=True)
    assert forced.outcome == "skipped"
    assert forced.summary == "already running (another run started it at 09:00)"
    assert len(ran) == 2


def _left_running(job: str, started_at) -> None:
    """A run of `job` that started at `started_at` on the frozen school day and never ended."""
    db.session.add(
        DailyRun(
            job=job, day=date(2026, 11, 23), started_at=started_at, outcome="running", summary=""
        )
    )
    db.session.commit()


def test_a_run_left_running_is_taken_over_once_stale_after_it_started(app, database, clock):
    ran = []
    jobs = [Job("counted", "Counted", lambda now: ran.append(now) or "ok")]
    with app.app_context():
        _left_running("counted", clock.now)
        early = daily.run(jobs, now=clock.now + daily.STALE_AFTER - timedelta(seconds=1))
        late = daily.run(jobs, now=clock.now + daily.STALE_AFTER)
    assert outcomes(early) == {"counted": "skipped"}
    assert outcomes(late) == {"counted": "done"}
    assert len(ran) == 1


def test_a_run_stuck_running_for_half_an_hour_is_warned_about_and_outlasts_any_job(
    app, database, clock
):
    """A second backup never starts beside a slow one (the takeover waits longer than a
    backup may take), but a run that finds one running for 30 minutes says so."""
    assert timedelta(seconds=2 * backups.POSTGRES_TIMEOUT) < daily.STALE_AFTER
    jobs = [Job("counted", "Counted", lambda now: "ok")]
    with app.app_context():
        _left_running("counted", clock.now)
        (soon,) = daily.run(jobs, now=clock.now + timedelta(minutes=29))
        (later,) = daily.run(jobs, now=clock.now + timedelta(minutes=30))
    assert (soon.outcome, soon.warning) == ("skipped", None)
    assert later.outcome == "skipped"
    assert later.warning.startswith("it has been running since 09:00.")
    assert "takes it over from 22:00" in later.warning


def test_the_school_day_is_local_half_past_midnight_in_summer_is_the_new_day(app, database, clock):
    ran = []
    jobs = [Job("counted", "Counted", lambda now: ran.append(now) or "ok")]
    # 23:30 UTC on 1 July is 00:30 BST on 2 July.
    half_past_midnight = clock.move_to(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    with app.app_context():
        assert outcomes(daily.run(jobs, now=half_past_midnight)) == {"counted": "done"}
        (run,) = daily.runs_on(date(2026, 7, 2))
        assert run.day == date(2026, 7, 2)
        # 23:59 BST the same day: done today already.
        (last_minute,) = daily.run(jobs, now=datetime(2026, 7, 2, 22, 59, tzinfo=UTC))
        assert last_minute.summary == "already done today at 00:30"
        # Midnight BST: a new day.
        midnight = datetime(2026, 7, 2, 23, 0, tzinfo=UTC)
        assert outcomes(daily.run(jobs, now=midnight)) == {"counted": "done"}
        assert [r.day for r in daily.runs_on(date(2026, 7, 3))] == [date(2026, 7, 3)]
    assert len(ran) == 2


def test_reminders_without_a_mail_server_fail_only_when_someone_is_due(app, database, make, clock):
    with app.app_context():
        quiet = daily.run(now=clock.now)
    assert outcomes(quiet) == {**dict.fromkeys(outcomes(quiet), "done"), "backup": "skipped"}
    assert summaries(quiet)["overdue-reminders"] == "0 sent"

    make.loan(make.asset("ASH-0200"), make.person(email="zoe@ashbrook.sch.uk"), signed=False)
    with app.app_context():
        (failed,) = daily.run(
            [job for job in daily.JOBS if job.name == "signature-reminders"],
            now=clock.now + timedelta(days=1),
        )
    assert failed.outcome == "failed"
    assert failed.summary == "MAIL_SERVER is not set, so 1 reminder not sent"


# ---- the pruning jobs' edges ------------------------------------------------------------------


def test_stale_uploads_expired_and_never_applied_are_deleted(app, database, make, clock):
    make.category("Laptops")
    applied = make.applied_import(b"Asset tag,Name,Category\nIMP-1,Imported,Laptops\n")
    now = clock.now
    with app.app_context():
        for name, expires in (("past.xlsx", now - timedelta(seconds=1)), ("now.xlsx", now)):
            db.session.add(
                PendingImport(
                    kind="assets",
                    filename=name,
                    data=b"x",
                    size=1,
                    sha256="0" * 64,
                    created_at=expires - timedelta(hours=24),
                    expires_at=expires,
                )
            )
        db.session.get(PendingImport, applied.id).expires_at = now - timedelta(days=30)
        db.session.commit()

        results = daily.run(now=now)

        assert summaries(results)["stale-uploads"] == "1 cleared"
        left = db.session.scalars(select(PendingImport.filename).order_by(PendingImport.id))
        assert list(left) == ["assets.csv", "now.xlsx"]


def test_old_sign_in_records_go_but_what_the_limits_count_stays(app, database, clock):
    now = clock.now
    window = timedelta(minutes=app.config["PASSWORD_RESET_WINDOW_MINUTES"])
    with app.app_context():
        for moment in (
            now - window - timedelta(days=2),
            now - window,
            now - window + timedelta(seconds=1),
        ):
            db.session.add(
                PasswordResetRequest(address_hash="a" * 64, client="10.0.0.1", requested_at=moment)
            )
        for n, moment in enumerate(
            (
                now - KEEP_USED_STATES - timedelta(seconds=1),
                now - KEEP_USED_STATES,
                now - timedelta(minutes=1),
            )
        ):
            db.session.add(UsedSignInState(state_hash=f"{n}" * 64, used_at=moment))
        db.session.commit()

        results = daily.run(now=now)

        assert summaries(results)["sign-in-records"] == (
            "2 password reset requests and 1 used sign-in state deleted"
        )
        assert list(db.session.scalars(select(PasswordResetRequest.requested_at))) == [
            now - window + timedelta(seconds=1)
        ]
        kept = set(db.session.scalars(select(UsedSignInState.used_at)))
        assert kept == {now - KEEP_USED_STATES, now - timedelta(minutes=1)}


def test_the_backup_job_writes_a_backup_once_a_day_where_the_school_set_it(
    database, clock, tmp_path, request
):
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    with own_database(database, tmp_path, url) as app, app.app_context():
        unset = daily.run([daily.JOBS[0]], now=clock.now)
        assert daily.runs_on(date(2026, 11, 23)) == [], "not set up: nothing recorded"
        # Set up later the same day: the next run takes the backup.
        app.config["BACKUP_DIR"] = str(tmp_path / "backups")
        results = daily.run([daily.JOBS[0]], now=clock.now + timedelta(hours=1))
        again = daily.run([daily.JOBS[0]], now=clock.now + timedelta(hours=2))

    assert summaries(unset) == {"backup": "not set up (BACKUP_DIR is not set)"}
    assert outcomes(unset) == {"backup": "skipped"}
    (written,) = (tmp_path / "backups").iterdir()
    assert written.suffix == (".sqlite3" if database == "sqlite" else ".pgdump")
    assert outcomes(results) == {"backup": "done"}
    assert summaries(results)["backup"].endswith("written")
    assert results[0].details == (f"Written to {written}",)
    assert outcomes(again) == {"backup": "skipped"}


def test_a_backup_that_cannot_be_written_fails_the_job_with_its_message(app, clock, tmp_path):
    blocker = tmp_path / "a file, not a directory"
    blocker.write_text("")
    app.config["BACKUP_DIR"] = str(blocker)
    with app.app_context():
        (result,) = daily.run([daily.JOBS[0]], now=clock.now)
    assert result.outcome == "failed"
    assert "a file, not a directory" in result.summary
