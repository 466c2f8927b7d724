"""The record of `flask daily`: one row per job per school day, so a job runs once a day
however many times, and from however many servers, the command is started."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list

RUN_OUTCOMES = ("running", "done", "failed")


class DailyRun(db.Model):
    """A daily job's run on one school day. The unique (job, day) decides which of two
    servers starting the same job at once runs it: the other one's insert is refused."""

    __tablename__ = "daily_runs"
    __table_args__ = (
        UniqueConstraint("job", "day", name="uq_daily_runs_job_day"),
        CheckConstraint(f"outcome IN {sql_list(RUN_OUTCOMES)}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    # The school's local date the run counts for (assets.services.common.clock.local_date).
    day: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10))
    # What it did ("3 sent"), or why it failed.
    summary: Mapped[str] = mapped_column(String(1000), default="")
