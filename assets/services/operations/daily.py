"""`flask daily`: everything that must happen each day, as a list of named jobs.

Each job is a function of `now` that does its work and gives back one line saying what it did
("3 sent"), or raises to say it failed. `run` runs every job in its own transaction, so one
that fails does not stop the others, and records each in daily_runs (assets/models/daily_run)
under the school's date (clock.local_date: 00:30 on a summer night counts for the new day):

- a job done today is skipped ("already done today at 06:15");
- of two servers starting a job at the same moment, the unique (job, day) lets one insert its
  run; the other skips it ("running on another server since 06:15");
- a job that failed today runs again on the next run; so does one left "running" for
  STALE_AFTER (the machine went down half way), and a run meanwhile warns about it once it has
  been running for WARN_RUNNING_AFTER;
- a job not set up (its `not_set_up` says why: no BACKUP_DIR) is not claimed and leaves no
  record, so it runs once it is;
- `force` runs again a job done today (never one still running).

Unlike the other services this one commits: a job's own transaction is its point. A job that
sends email (the reminders) commits after each one sent, so a failure later never sends it
twice. Adding a job is one line in JOBS.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import DailyRun, Person
from assets.models.base import utcnow
from assets.services.bookings import booking_reminders
from assets.services.bookings.bookings import item_tag
from assets.services.common import mailer
from assets.services.common.clock import local_date, local_moment
from assets.services.common.errors import DomainError
from assets.services.leavers import leaver_lists
from assets.services.loans import reminders
from assets.services.operations import backups
from assets.services.people import password_resets, retention, single_sign_on
from assets.services.schoolweek import week
from assets.services.spreadsheets import imports

# A run still "running" this long after it started stopped half way: the next run takes over.
# Longer than the longest job can take (the backup: pg_dump, then pg_restore --list, each
# stopped after POSTGRES_TIMEOUT), so a second backup never starts beside a slow one.
STALE_AFTER = timedelta(seconds=2 * backups.POSTGRES_TIMEOUT) + timedelta(hours=1)
# A run "running" this long is worth a word: it may have stopped half way (machine down).
WARN_RUNNING_AFTER = timedelta(minutes=30)
REMIND_AGAIN_AFTER = 3  # days, as the remind-* commands
SUMMARY_LENGTH = 1000  # DailyRun.summary


@dataclass(frozen=True)
class Report:
    """What a job did: `summary`, one line kept in daily_runs and printed, says it without
    naming anyone (counts); `details`, printed only, may name people and addresses."""

    summary: str
    details: tuple[str, ...] = ()


class JobFailed(Exception):
    """A job failed, perhaps after doing part of its work: the summary says what and why."""

    def __init__(self, summary: str, details: Sequence[str] = ()) -> None:
        super().__init__(summary)
        self.summary = summary
        self.details = tuple(details)


# ---- the jobs -------------------------------------------------------------------------------


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class Reminded:
    """What emailing the borrowers' reminders of one kind did (`remind_borrowers`)."""

    sent: list[reminders.Reminder] = field(default_factory=list)
    not_sent: list[tuple[reminders.Reminder, str]] = field(default_factory=list)
    unreachable: list[Person] = field(default_factory=list)

    def sent_lines(self) -> list[str]:
        return [
            f"Reminded {r.person.name} <{r.person.email}>: "
            + ", ".join(loan.asset.tag for loan in r.loans)
            for r in self.sent
        ]

    def problem_lines(self) -> list[str]:
        """Who was not reminded, and why: names, addresses and the mail server's words, to
        print, never to keep."""
        return [f"Not sent to {r.person.email}: {error}" for r, error in self.not_sent] + [
            f"{p.name} has no email address: remind them in person." for p in self.unreachable
        ]


def remind_borrowers(kind: str, *, again_after: int, now: datetime) -> Reminded:
    """Email each borrower due a reminder of `kind` ("signature", "overdue"): the one way
    `flask daily` and the remind-* commands send them. Commits after each email sent, so a
    later failure never sends it twice; a mail error is recorded, not raised."""
    sendings, unreachable = reminders.send_due(kind, again_after=again_after, now=now)
    result = Reminded(unreachable=list(unreachable))
    for sending in sendings:
        if sending.sent:
            db.session.commit()  # recorded as sent at once: a later failure cannot undo it
            result.sent.append(sending.reminder)
        else:
            result.not_sent.append((sending.reminder, sending.error))
    return result


def _reminders(kind: str, now: datetime) -> Report:
    if not mailer.configured():
        waiting, _ = reminders.due(kind, again_after=REMIND_AGAIN_AFTER, now=now)
        if waiting:
            raise JobFailed(
                f"MAIL_SERVER is not set, so {_plural(len(waiting), 'reminder')} not sent"
            )
    done = remind_borrowers(kind, again_after=REMIND_AGAIN_AFTER, now=now)
    details = tuple(done.sent_lines() + done.problem_lines())
    summary = f"{len(done.sent)} sent"
    if done.unreachable:
        summary += f", {len(done.unreachable)} to remind in person (no email address)"
    if done.not_sent:
        # The mail server's words may hold an address: printed, not kept.
        raise JobFailed(f"{summary}, {len(done.not_sent)} not sent (mail server error)", details)
    return Report(summary, details)


def signature_reminders(now: datetime) -> Report:
    """Email each borrower who holds items still awaiting their signature."""
    return _reminders("signature", now)


def overdue_reminders(now: datetime) -> Report:
    """Email each borrower who holds items past their due date."""
    return _reminders("overdue", now)


def _booking_reminders(kind: str, now: datetime) -> Report:
    """Email each booker their bookings of today to collect or to return (booking_reminders),
    committing after each email sent so a later failure never sends it twice. Someone with no
    email address is listed, to be told in person."""
    if not mailer.configured():
        waiting, _ = booking_reminders.due(kind, now)
        if waiting:
            raise JobFailed(
                f"MAIL_SERVER is not set, so {_plural(len(waiting), 'reminder')} not sent"
            )
    sendings, unreachable = booking_reminders.send_due(kind, now, week.periods())
    sent, not_sent = [], []
    for sending in sendings:
        if sending.sent:
            db.session.commit()  # recorded as sent at once: a later failure cannot undo it
            sent.append(sending.reminder)
        else:
            not_sent.append((sending.reminder, sending.error))
    details = tuple(
        [
            f"Reminded {r.person.name} <{r.person.email}>: "
            + ", ".join(item_tag(b) for b in r.bookings)
            for r in sent
        ]
        + [f"Not sent to {r.person.email}: {error}" for r, error in not_sent]
        + [
            f"{r.person.name} has no email address: tell them in person ("
            + ", ".join(item_tag(b) for b in r.bookings)
            + ")."
            for r in unreachable
        ]
    )
    summary = f"{len(sent)} sent"
    if unreachable:
        summary += f", {len(unreachable)} to tell in person (no email address)"
    if not_sent:
        raise JobFailed(f"{summary}, {len(not_sent)} not sent (mail server error)", details)
    return Report(summary, details)


def collect_reminders(now: datetime) -> Report:
    """Email each booker with approved bookings starting today: collect them from the desk."""
    return _booking_reminders("collect", now)


def return_reminders(now: datetime) -> Report:
    """Email each booker holding collected bookings that end today: when they are due back."""
    return _booking_reminders("return", now)


def remind_technicians(days: int, now: datetime) -> tuple[list, list[str]]:
    """Email the technicians one list of the leavers in the next `days` days and the overdue
    ones: the one way `flask daily` and remind-leavers send it. (rows, recipients); no rows
    and nothing sent when nobody is leaving. Raises mailer.MailError (MailNotConfigured
    without MAIL_SERVER) when there is someone to tell but it cannot be sent."""
    rows = leaver_lists.reminder_rows(days, local_date(now))
    if not rows:
        return [], []
    if not mailer.configured():
        raise mailer.MailNotConfigured("MAIL_SERVER is not set")
    return rows, leaver_lists.send_reminder(rows, days)


def leaver_lines(rows) -> list[str]:
    return [f"{row.person.name}: {row.when.lower()}, {row.progress.lower()}" for row in rows]


def leavers_reminder(now: datetime) -> Report:
    """Email the technicians about leavers in the next REMINDER_DAYS days, and overdue ones."""
    days = leaver_lists.REMINDER_DAYS
    try:
        rows, recipients = remind_technicians(days, now)
    except mailer.MailError as error:
        count = len(leaver_lists.reminder_rows(days, local_date(now)))
        about = f"the reminder about {_plural(count, 'leaver')}"
        if isinstance(error, mailer.MailNotConfigured):
            raise JobFailed(f"MAIL_SERVER is not set, so {about} was not sent") from error
        # The mail server's words may hold an address: printed, not kept.
        raise JobFailed(
            f"{about} was not sent (mail server error)", (f"Not sent: {error}",)
        ) from error
    if not rows:
        return Report(f"nobody leaving in the next {days} days or overdue, nothing sent")
    details = [*leaver_lines(rows), f"Sent to {', '.join(recipients)}."]
    return Report(
        f"{_plural(len(rows), 'leaver')}, sent to {_plural(len(recipients), 'technician')}",
        tuple(details),
    )


def stale_uploads(now: datetime) -> Report:
    """Delete the uploaded spreadsheets that expired without being imported."""
    return Report(f"{imports.clear_expired(now)} cleared")


def sign_in_records(now: datetime) -> Report:
    """Delete the password reset requests no rate limit counts any more, and the used
    single sign-on states no sign-in can come back with."""
    requests = password_resets.prune_requests(now)
    states = single_sign_on.prune_used_states(now)
    return Report(
        f"{_plural(requests, 'password reset request')} and "
        f"{_plural(states, 'used sign-in state')} deleted"
    )


def backup(now: datetime) -> Report:
    """Back the database up into BACKUP_DIR, keeping the newest BACKUP_KEEP, when the school
    has set BACKUP_DIR; a BackupError fails the job with its message."""
    directory = Path(current_app.config["BACKUP_DIR"])
    result = backups.take_backup(directory, current_app.config["BACKUP_KEEP"], now)
    removed = f", {_plural(len(result.removed), 'older backup')} removed" if result.removed else ""
    return Report(f"{result.size_text} written{removed}", (f"Written to {result.path}",))


def backup_not_set_up() -> str | None:
    return None if current_app.config["BACKUP_DIR"] else "not set up (BACKUP_DIR is not set)"


@dataclass(frozen=True)
class Job:
    name: str  # kept in daily_runs: never rename one
    label: str
    work: Callable[[datetime], Report | str]
    # Why the job is not set up on this server, or None: such a job is skipped unclaimed.
    not_set_up: Callable[[], str | None] = lambda: None


JOBS: tuple[Job, ...] = (
    Job("backup", "Backup", backup, backup_not_set_up),
    Job("signature-reminders", "Signature reminders", signature_reminders),
    Job("overdue-reminders", "Overdue reminders", overdue_reminders),
    Job("leavers-reminder", "Leavers' reminder", leavers_reminder),
    Job("booking-collect-reminders", "Reminders to collect bookings", collect_reminders),
    Job("booking-return-reminders", "Reminders to return bookings", return_reminders),
    Job("stale-uploads", "Stale uploads", stale_uploads),
    Job("sign-in-records", "Old sign-in records", sign_in_records),
    Job("past-retention", "Past retention", retention.retention_job),
)


# ---- running them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobResult:
    """What one job did this run: outcome "done", "failed" or "skipped", one line, and the
    details to print (never stored)."""

    job: Job
    outcome: str
    summary: str
    details: tuple[str, ...] = ()
    warning: str | None = None


def run(
    jobs: Sequence[Job] = JOBS, *, now: datetime | None = None, force: bool = False
) -> list[JobResult]:
    """Run each job not yet done today, each in its own transaction, and say what each did.
    Never raises for a job's failure: its result says "failed" and why."""
    fixed = now
    now = now or utcnow()
    day = local_date(now)
    results = []
    for job in jobs:
        if reason := job.not_set_up():
            results.append(JobResult(job, "skipped", reason))
            continue
        claimed = _claim(job.name, day, now, force)
        if isinstance(claimed, Skipped):
            results.append(JobResult(job, "skipped", claimed.summary, warning=claimed.warning))
            continue
        try:
            report = job.work(now)
        except Exception as error:  # one job's failure must not stop the others
            db.session.rollback()
            if isinstance(error, JobFailed):
                summary, details = error.summary, error.details
            elif isinstance(error, mailer.MailError):
                # Its words may hold a refused address: printed, not kept.
                summary, details = "mail server error", (str(error),)
            elif isinstance(error, DomainError):
                summary, details = error.message, ()
            else:
                current_app.logger.exception("Daily job %s failed", job.name)
                summary, details = f"{type(error).__name__}: {error}", ()
            _finish(claimed, "failed", summary, fixed or utcnow())
            results.append(JobResult(job, "failed", summary, details))
        else:
            if isinstance(report, str):
                report = Report(report)
            _finish(claimed, "done", report.summary, fixed or utcnow())
            results.append(JobResult(job, "done", report.summary, report.details))
    return results


def runs_on(day) -> list[DailyRun]:
    """The jobs' runs recorded for a school day."""
    query = select(DailyRun).where(DailyRun.day == day).order_by(DailyRun.id)
    return list(db.session.scalars(query))


def _at(moment: datetime) -> str:
    return local_moment(moment).strftime("%H:%M")


@dataclass(frozen=True)
class Skipped:
    """Why a job's run is not ours to run, and a warning when one seems stuck."""

    summary: str
    warning: str | None = None


def _claim(job: str, day, now: datetime, force: bool) -> int | Skipped:
    """Take the job's run for `day` and commit it: the run's id, or why it is not ours to run.
    The database decides between two servers: one insert wins the unique (job, day); a
    takeover is an update conditional on the run being as we read it."""
    existing = select(DailyRun.id, DailyRun.outcome, DailyRun.started_at, DailyRun.finished_at)
    existing = existing.where(DailyRun.job == job, DailyRun.day == day)
    found = db.session.execute(existing).one_or_none()
    if found is None:
        db.session.commit()  # end the read: on SQLite a write must start afresh
        mine = DailyRun(job=job, day=day, started_at=now, outcome="running", summary="")
        db.session.add(mine)
        try:
            db.session.commit()
        except IntegrityError:  # another server inserted it a moment before
            db.session.rollback()
            found = db.session.execute(existing).one()
        else:
            return mine.id
    run_id, outcome, started_at, finished_at = found
    # End the read before writing: SQLite refuses to turn a read on an old snapshot into a
    # write, and the update below does not depend on this transaction's view.
    db.session.commit()
    if outcome == "done" and not force:
        return Skipped(f"already done today at {_at(finished_at or started_at)}")
    if outcome == "running" and started_at > now - STALE_AFTER:
        warning = None
        if started_at <= now - WARN_RUNNING_AFTER:
            warning = (
                f"it has been running since {_at(started_at)}. If no flask daily is running "
                "now, it stopped half way (the machine went down?) and the next run takes it "
                f"over from {_at(started_at + STALE_AFTER)}."
            )
        return Skipped(f"already running (another run started it at {_at(started_at)})", warning)
    taken = db.session.execute(
        update(DailyRun)
        .where(
            DailyRun.id == run_id, DailyRun.outcome == outcome, DailyRun.started_at == started_at
        )
        .values(outcome="running", started_at=now, finished_at=None, summary="")
    ).rowcount
    db.session.commit()
    if taken != 1:
        return Skipped("started by another server at the same moment")
    return run_id


def _finish(run_id: int, outcome: str, summary: str, finished_at: datetime) -> None:
    db.session.execute(
        update(DailyRun)
        .where(DailyRun.id == run_id)
        .values(outcome=outcome, summary=summary[:SUMMARY_LENGTH], finished_at=finished_at)
    )
    db.session.commit()
