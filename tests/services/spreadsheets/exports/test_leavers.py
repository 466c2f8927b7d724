"""The leavers export: the leavers page, every checklist and each of its lines."""

import datetime as dt

from assets.extensions import db
from assets.models import LeaverCase, User
from assets.services.leavers import leaver_closing, leaver_lists
from assets.services.spreadsheets.exports import leavers
from tests.support.drawings import drawn_signature
from tests.support.leavers import (
    finish_everything_but_closing,
    new_leaver_with_kit,
    opened,
    school_today,
    set_contract_end,
)
from tests.support.sheets import reopen, table_of_sheet


def test_the_leavers_export_has_the_page_every_checklist_and_each_line(app, make, ctx):
    leaver_with_kit = new_leaver_with_kit(app, make, days_left=10)
    case = opened(leaver_with_kit)
    finish_everything_but_closing(leaver_with_kit, case)
    technician = db.session.get(User, leaver_with_kit.technician.id)
    leaver_closing.close_case(
        technician, case, technician_signature=drawn_signature(), unsigned_reason="Left early."
    )
    db.session.commit()
    other = make.person("Mr B Okafor")
    set_contract_end(app, other.id, school_today(app) + dt.timedelta(days=3))
    make.loan(make.asset("ASH-0200"), other)

    book = reopen(leavers.leavers_report(30).content)
    assert book.sheetnames == ["Leavers", "Checklists", "Checklist steps"]
    assert "leaving within 30 days" in book["Leavers"]["A1"].value

    _, leaver_rows = table_of_sheet(book["Leavers"])
    assert [row[0] for row in leaver_rows] == [r.person.name for r in leaver_lists.dashboard(30)]
    assert leaver_rows[0][:1] + leaver_rows[0][4:] == (
        "Mr B Okafor",
        1,
        "ASH-0200",
        "Checklist not started",
    )

    header, (closed,) = table_of_sheet(book["Checklists"])
    closed = dict(zip(header, closed, strict=True))
    case = db.session.get(LeaverCase, case.id)
    assert closed["Checklist"] == case.id and closed["Status"] == "Closed"
    assert closed["Name"] == "Mrs J Smullen" and closed["Closed by"] == "Mr M Savage"
    assert (closed["Steps done"], closed["Steps"]) == (5, 5)
    assert (closed["Items returned"], closed["Items not returned"]) == (2, 0)
    assert closed["Computers wiped"] == 1
    assert closed["Leaver signed"] == "Left without signing: Left early."
    assert closed["Record code"] == case.record_code

    header, steps = table_of_sheet(book["Checklist steps"])
    steps = [dict(zip(header, step, strict=True)) for step in steps]
    assert [step["Step"] for step in steps] == [
        "Item", "Item", "Secure wipe", "Network account", "App login"
    ]  # fmt: skip
    assert {step["State"] for step in steps} == {"Done"}
    assert all(step["By"] == "Mr M Savage" for step in steps)
    assert all(isinstance(step["When"], dt.datetime) for step in steps)
