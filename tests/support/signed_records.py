"""Checking, with raw SQL, that a signed record's never-edited trigger lets through only the
removal of personal data (assets.models.terms.RemovalRules), on the models' schema or a
migrated one."""

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assets.extensions import db
from assets.models.base import utcnow
from tests.support.factories import Factory
from tests.support.leavers import closed_case

PSEUDONYM = "Former member of staff #9"


def _refused(sql: str, **values) -> None:
    with pytest.raises(DBAPIError, match="never edited"):
        db.session.execute(text(sql), {"now": utcnow(), **values})
    db.session.rollback()


def _details(id: int, **changes) -> str:
    stored = db.session.execute(
        text("SELECT details FROM signatures WHERE id = :id"), {"id": id}
    ).scalar_one()
    details = stored if isinstance(stored, dict) else json.loads(stored)
    return json.dumps({**details, **changes})


def only_personal_data_removal_is_let_through(app) -> None:
    """Every forbidden change to a loan's signature and to a leaver's signature is refused,
    each with the removal's mark set; the removal itself goes through."""
    make = Factory(app)
    technician = make.user("technician")
    loan = make.loan(make.asset(), make.person("Zoë O'Brien-Ñúñez"), by=technician)
    leaving = make.person("Łukasz Żółć")
    case_id = closed_case(app, technician.id, leaving.id, "lzolc")
    other_user = make.user("technician").id
    with app.app_context():
        mark = "UPDATE signatures SET personal_data_removed_at = :now, "
        where = " WHERE id = :id"
        sid = {"id": loan.signature_id}
        for change, values in (
            ("items = '[]'", {}),
            ("capture = 'remote'", {}),
            ("technician_id = NULL", {}),
            ("technician_id = :other", {"other": other_user}),
            ("recorded_by_id = NULL", {}),
            ("image_png = :png", {"png": b"\x89PNG another drawing"}),
            ("receipt_pdf = :pdf", {"pdf": b"%PDF-1.7 another receipt"}),
            ("receipt_pdf = NULL", {}),
            ("title = 'Another title'", {}),
            ("text = 'Another text'", {}),
            ("receipt_code = 'AAAA-BBBB-CCCC'", {}),
            ("signed_at = :now", {}),
        ):
            _refused(mark + change + where, **sid, **values)
        for changes in (
            {"due_date": "01/01/2099"},
            {"school": "Another school"},
            {"borrower_name": "Someone Else"},
            {"technician_name": "Someone Else"},
            {"borrower_email": "someone@else.example"},
            {"return_note": "A note added later"},
            {"signed_at_local": "1 January 2020"},
        ):
            _refused(mark + "details = :d" + where, d=_details(**sid, **changes), **sid)
        # Unmarked, nothing at all.
        _refused("UPDATE signatures SET image_png = :png WHERE id = :id", png=b"", **sid)

        # What the removal does goes through: the image and the PDF emptied, the names
        # pseudonyms, the email emptied, the return note with the name, the seal added.
        removal = _details(
            **sid,
            borrower_name=PSEUDONYM,
            borrower_email="",
            technician_name=PSEUDONYM,
            return_note=f"Returned by {PSEUDONYM}",
            code_confirmed=True,
            removed_on="2030-01-01",
            kept_sha256="0" * 64,
        )
        db.session.execute(
            text(mark + "image_png = :empty, receipt_pdf = :empty, details = :d" + where),
            {"now": utcnow(), "empty": b"", "d": removal, **sid},
        )
        db.session.commit()
        # Once removed, still nothing else; and the mark cannot be taken off.
        _refused(mark + "items = '[]'" + where, **sid)
        _refused("UPDATE signatures SET personal_data_removed_at = NULL WHERE id = :id", **sid)

        rows = db.session.execute(
            text("SELECT id, role FROM leaver_signatures WHERE case_id = :case"),
            {"case": case_id},
        ).all()
        assert len(rows) == 2
        mark = "UPDATE leaver_signatures SET personal_data_removed_at = :now, "
        for row_id, _role in rows:
            lid = {"id": row_id}
            for change, values in (
                ("case_id = :other", {"other": case_id + 1000}),
                ("role = 'leaver'" if _role == "technician" else "role = 'technician'", {}),
                ("recorded_by_id = :other", {"other": other_user}),
                ("name = 'Someone Else'", {}),
                ("image_png = :png", {"png": b"\x89PNG another drawing"}),
                ("statement_sha256 = :sha", {"sha": "1" * 64}),
                ("image_sha256 = :sha", {"sha": "1" * 64}),
                ("signed_at = :now", {}),
            ):
                _refused(mark + change + where, **lid, **values)
            db.session.execute(
                text(mark + "name = :name, image_png = :empty, statement = :s" + where),
                {"now": utcnow(), "name": PSEUDONYM, "empty": b"", "s": "I, (removed).", **lid},
            )
        db.session.commit()
