"""`flask daily` for cron: a summary of what each job did, once a day, and exit 1 when a job
failed (so cron mails someone), with a real SMTP server."""

from datetime import timedelta

from sqlalchemy import select

from assets.extensions import db
from assets.models import DailyRun
from tests.support.smtp import send_mail_through


def overdue_camera(make, clock):
    short = make.category("Camera", loan_kind="short", default_loan_days=7)
    quinn = make.person("Mrs N Quinn", email="n.quinn@ashbrook.sch.uk")
    return make.loan(make.asset("ASH-0100", category=short), quinn, now=clock.now - timedelta(8))


def test_daily_prints_what_each_job_did_then_skips_it_the_same_day(
    app, runner, make, smtp_server, clock
):
    send_mail_through(app, smtp_server.port)
    loan = overdue_camera(make, clock)

    first = runner.invoke(args=["daily"])
    again = runner.invoke(args=["daily"])

    assert first.exit_code == 0, first.output
    assert "Signature reminders: 0 sent" in first.output
    assert "Overdue reminders: 1 sent" in first.output
    assert f"  Reminded Mrs N Quinn <n.quinn@ashbrook.sch.uk>: {loan.tag}" in first.output
    assert "Leavers' reminder: nobody leaving in the next 14 days or overdue" in first.output
    assert "Stale uploads: 0 cleared" in first.output
    assert "Old sign-in records: 0 password reset requests and 0 used sign-in states deleted" in (
        first.output
    )
    assert again.exit_code == 0, again.output
    assert "Overdue reminders: already done today at 09:00" in again.output
    assert "Reminded" not in again.output
    assert len(smtp_server.messages) == 1


def test_a_failed_job_sets_the_exit_code_and_the_others_still_run(app, runner, make, clock):
    overdue_camera(make, clock)  # and no mail server

    result = runner.invoke(args=["daily"])

    assert result.exit_code == 1
    assert "Overdue reminders: FAILED: MAIL_SERVER is not set, so 1 reminder not sent" in (
        result.output
    )
    assert "Stale uploads: 0 cleared" in result.output
    assert "Error: 1 daily job failed: Overdue reminders." in result.output
    assert "Traceback" not in result.output

    # Retried on the next run; what was done is not done again.
    again = runner.invoke(args=["daily"])
    assert again.exit_code == 1
    assert "Stale uploads: already done today" in again.output
    assert "Overdue reminders: FAILED" in again.output


def test_a_failed_job_succeeds_on_a_later_run_once_mended(app, runner, make, smtp_server, clock):
    overdue_camera(make, clock)
    assert runner.invoke(args=["daily"]).exit_code == 1

    send_mail_through(app, smtp_server.port)
    clock.advance(minutes=10)
    result = runner.invoke(args=["daily"])

    assert result.exit_code == 0, result.output
    assert "Overdue reminders: 1 sent" in result.output
    with app.app_context():
        run = db.session.scalar(select(DailyRun).where(DailyRun.job == "overdue-reminders"))
        assert (run.outcome, run.summary) == ("done", "1 sent")
        assert run.finished_at == clock.now


def test_force_runs_the_jobs_again(app, runner, make, clock):
    runner.invoke(args=["daily"])

    result = runner.invoke(args=["daily", "--force"])

    assert result.exit_code == 0, result.output
    assert "already done" not in result.output
    assert "Stale uploads: 0 cleared" in result.output


def test_the_old_reminder_commands_still_work_beside_it(app, runner, make, smtp_server, clock):
    send_mail_through(app, smtp_server.port)
    overdue_camera(make, clock)
    assert runner.invoke(args=["daily"]).exit_code == 0

    # remind-overdue waits its three days for the same loan, as before.
    result = runner.invoke(args=["remind-overdue"])
    assert result.exit_code == 0, result.output
    assert "0 reminders sent." in result.output
    assert runner.invoke(args=["remind-overdue", "--again-after", "0"]).exit_code == 0
    assert len(smtp_server.messages) == 2


def test_a_job_stuck_running_is_warned_about_not_passed_over_silently(app, runner, clock):
    with app.app_context():
        db.session.add(
            DailyRun(
                job="stale-uploads",
                day=clock.now.date(),
                started_at=clock.now - timedelta(minutes=45),
                outcome="running",
                summary="",
            )
        )
        db.session.commit()

    result = runner.invoke(args=["daily"])

    assert result.exit_code == 0, result.output
    assert "Stale uploads: already running (another run started it at 08:15)" in result.output
    assert "  Warning: it has been running since 08:15. If no flask daily is running" in (
        result.output
    )
    assert "Old sign-in records:" in result.output
