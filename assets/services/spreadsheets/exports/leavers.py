"""The leavers page and every leaver's checklist, open and closed, with each of its lines."""

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.files.xlsx.writer import Column, Sheet
from assets.models import LeaverCase, Person
from assets.models.base import utcnow
from assets.services.common.clock import local_date, local_time_text
from assets.services.leavers import leaver_lists, leavers
from assets.services.spreadsheets.exports import Export, caption, filename, local_time, workbook

LEAVER_COLUMNS = [
    Column("Name", "text", 26),
    Column("Job title", "text", 22),
    Column("Contract ends", "date", 14),
    Column("When", "text", 22),
    Column("Items held", "int", 11),
    Column("Tags held", "text", 30),
    Column("Checklist", "text", 22),
]
CASE_COLUMNS = [
    Column("Checklist", "int", 10),
    Column("Name", "text", 26),
    Column("Contract ends", "date", 14),
    Column("Status", "text", 9),
    Column("Opened", "datetime"),
    Column("Opened by", "text", 20),
    Column("Closed", "datetime"),
    Column("Closed by", "text", 20),
    Column("Steps done", "int", 11),
    Column("Steps", "int", 8),
    Column("Items returned", "int", 14),
    Column("Items not returned", "int", 18),
    Column("Computers wiped", "int", 16),
    Column("Leaver signed", "text", 36),
    Column("Record code", "text", 16),
]
STEP_COLUMNS = [
    Column("Checklist", "int", 10),
    Column("Name", "text", 26),
    Column("Step", "text", 16),
    Column("What", "text", 40),
    Column("State", "text", 14),
    Column("Result", "text", 36),
    Column("Note", "text", 30),
    Column("By", "text", 20),
    Column("When", "datetime"),
]
STEP_KIND_LABELS = {
    "item": "Item",
    "wipe": "Secure wipe",
    "licence": "Software",
    "network_account": "Network account",
    "app_login": "App login",
}
LINE_STATES = {"outstanding": "Outstanding", "done": "Done", "not_applicable": "Not applicable"}


def leavers_report(days: int | None, *, now: datetime | None = None) -> Export:
    """The leavers page for `days` on the first sheet; every checklist, open and closed,
    on the second, and each line of them on the third."""
    now = now or utcnow()
    days = leaver_lists.clamp_days(days)
    checklists = [(case, leavers.checklist(case)) for case in _all_cases()]
    leavers_caption = caption("Leavers", f"leaving within {days} days", now=now)
    return workbook(
        filename("Leavers", now=now),
        [
            Sheet("Leavers", LEAVER_COLUMNS, _leaver_rows(days, local_date(now)), leavers_caption),
            Sheet(
                "Checklists",
                CASE_COLUMNS,
                _case_rows(checklists),
                caption("Checklists", now=now),
            ),
            Sheet(
                "Checklist steps",
                STEP_COLUMNS,
                _step_rows(checklists),
                caption("Checklist steps", now=now),
            ),
        ],
    )


def _leaver_rows(days: int, today: date) -> Iterator[tuple]:
    for row in leaver_lists.dashboard(days, today):
        yield (
            row.person.name,
            row.person.job_title,
            row.leaving_on,
            row.when,
            len(row.held),
            ", ".join(loan.asset.tag for loan in row.held),
            row.progress,
        )


def _all_cases() -> Iterable[LeaverCase]:
    query = (
        select(LeaverCase)
        .options(
            selectinload(LeaverCase.person).selectinload(Person.user),
            selectinload(LeaverCase.opened_by),
            selectinload(LeaverCase.closed_by),
            selectinload(LeaverCase.signatures),
            selectinload(LeaverCase.steps),
        )
        .order_by(LeaverCase.opened_at.desc(), LeaverCase.id.desc())
    )
    return db.session.scalars(query)


def _case_rows(checklists: list[tuple[LeaverCase, leavers.Checklist]]) -> Iterator[tuple]:
    for case, checklist in checklists:
        items = checklist.items
        returned = sum(1 for line in items if line.done and leavers.came_back(line))
        leaver = case.signature_of("leaver")
        if leaver is not None:
            signed = f"Signed {local_time_text(leaver.signed_at)}"
        elif case.unsigned_reason:
            signed = f"Left without signing: {case.unsigned_reason}"
        else:
            signed = None
        yield (
            case.id,
            case.person.name,
            case.leaving_on,
            "Open" if case.is_open else "Closed",
            local_time(case.opened_at),
            case.opened_by.name,
            local_time(case.closed_at),
            case.closed_by.name if case.closed_by else None,
            checklist.done_count,
            len(checklist.lines),
            returned,
            sum(1 for line in items if line.done) - returned,
            sum(1 for line in checklist.wipes if line.done),
            signed,
            case.record_code,
        )


def _step_rows(checklists: list[tuple[LeaverCase, leavers.Checklist]]) -> Iterator[tuple]:
    for case, checklist in checklists:
        for line in checklist.lines:
            yield (
                case.id,
                case.person.name,
                STEP_KIND_LABELS[line.kind],
                line.title,
                LINE_STATES[line.state],
                line.result,
                line.detail,
                line.by,
                local_time(line.at),
            )
