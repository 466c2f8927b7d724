"""Everything we hold about a person (services/people/subject_access.py): a report they only
filed about someone else's loan keeps none of that person's data, a charge comes with its
decision and settlement, a person with many photos gets every one as stored without the zip
holding them all at once, and the download's name hides no control or format characters."""

import io
import zipfile
from decimal import Decimal

from PIL import Image
from sqlalchemy import select

from assets.extensions import db
from assets.files.subject_access import file_name_part
from assets.models import Incident, IncidentPhoto, LeaverCase, Person, Signature, User
from assets.services.incidents import cases, charges
from assets.services.people import subject_access
from assets.services.people.subject_access_sections import WITHHELD
from tests.services.people.test_subject_access import (
    OTHER,
    build_subject,
    export,
    opened_zip,
    read_csv,
)

ABOUT_HER = ("Zoë", "Ñandú", "CR/2026/0477", "her home", "paid in the office, Zoë")


def reported_on_her_loan(ctx, make, clock):
    """A technician reports damage to the camera lent to Zoë, with two photos and a police
    reference; the case closes with a note, and the head charges her, then records it paid."""
    technician = make.user("technician", person=True, name="Mr Ō Tech")
    head = make.user("admin", name="Mrs Ḍ Head")
    zoe = make.person(OTHER, email="zoe.obrien@ashbrook.sch.uk")
    camera = make.asset("OTHER-777", name="Nikon Coolpix")
    make.loan(camera, zoe, by=technician)
    report = make.incident(
        camera,
        reporter=technician,
        photos=2,
        description="Zoë dropped it in the Ñandú enclosure.",
        place="Zoë's classroom",
        police_reference="CR/2026/0477",
    )
    incident = ctx.get(Incident, report.id)
    assert incident.person_id == zoe.id
    admin = ctx.get(User, head.id)
    cases.change_status(admin, incident, "written_off", note="Police called to her home.")
    charges.decide_charge(
        admin, incident, applies=True, amount=Decimal("45.50"), reason="Dropped by Zoë."
    )
    charges.settle_charge(admin, incident, "paid", note="paid in the office, Zoë")
    ctx.commit()
    return technician, head, zoe, report


def test_a_report_they_only_filed_about_someone_elses_loan_is_withheld(ctx, make, clock, database):
    technician, head, zoe, report = reported_on_her_loan(ctx, make, clock)

    _, content = export(technician.person_id, head.id, now=clock.now)
    _, _, files = opened_zip(content)
    (row,) = read_csv(files["reports.csv"])
    # What the technician did is theirs: which report, when, what kind, which item, by whom.
    assert int(row["Report"]) == report.id
    assert row["Why it is here"] == "made by them"
    assert row["Kind"] == "Damage"
    assert row["Asset tag"] == "OTHER-777"
    assert row["Reported by"] == "Mr Ō Tech"
    assert row["Happened on"] and row["Reported at"]
    # What happened to Zoë is hers.
    for column in ("Where", "Left unsecured", "What happened", "Police crime reference"):
        assert row[column] == WITHHELD, column
    assert row["Outcome"] == WITHHELD
    assert row["Photos"] == WITHHELD
    for column in ("Charged", "Charge (£)", "Charge reason", "Settlement note"):
        assert row[column] == "", column
    assert not [path for path in files if path.startswith("reports/")]
    text = b"".join(files.values()).decode("utf-8", errors="replace")
    for leak in ABOUT_HER:
        assert leak not in text, leak
    assert "its words and photos are withheld" in files["index.txt"].decode()

    # Zoë's own zip has it all, with the photos as stored and the charge as decided.
    _, content = export(zoe.id, head.id, now=clock.now)
    _, _, files = opened_zip(content)
    (row,) = read_csv(files["reports.csv"])
    assert row["Why it is here"] == "about equipment lent to them"
    assert row["What happened"] == "Zoë dropped it in the Ñandú enclosure."
    assert row["Where"] == "Zoë's classroom"
    assert row["Police crime reference"] == "CR/2026/0477"
    assert row["Outcome"] == "Police called to her home."
    assert (row["Charged"], row["Charge (£)"], row["Charge reason"]) == (
        "Yes",
        "45.50",
        "Dropped by Zoë.",
    )
    assert row["Charge decided by (for the school)"] == "Mrs Ḍ Head"
    assert row["Charge decided at"].startswith("2026-11-23T")
    assert (row["Charge settled"], row["Settlement note"]) == ("paid", "paid in the office, Zoë")
    assert row["Charge settled at"].startswith("2026-11-23T")
    photos = row["Photos"].split("; ")
    assert len(photos) == 2
    for path, photo_id in zip(photos, report.photo_ids, strict=True):
        assert files[path] == ctx.get(IncidentPhoto, photo_id).data
    assert "Withheld" not in files["index.txt"].decode().split("Loss, damage")[1].split("Leaver")[0]


def test_many_photos_all_arrive_as_stored_and_none_stays_in_the_session(
    app, ctx, make, clock, database
):
    """Eight reports with six photos each: every photo in the zip byte for byte, images and
    PDFs stored as they are (compressed already), and once the zip is made no photo, drawn
    signature or PDF kept in the session: each was read as it was written."""
    kit = build_subject(app, make)
    for number in range(8):
        make.incident(
            kit.laptop, reporter=kit.staff, photos=6, description=f"Report {number}: Żółć."
        )
    admin = make.user("admin")
    db.session.expunge_all()
    made = subject_access.export_person(
        ctx.get(User, admin.id), ctx.get(Person, kit.leaver.id), now=clock.now
    )
    content = made.file.read()
    made.file.close()

    for record in list(db.session.identity_map.values()):
        for column in {
            IncidentPhoto: ("data",),
            Signature: ("image_png", "receipt_pdf"),
            LeaverCase: ("record_pdf",),
        }.get(type(record), ()):
            assert column not in record.__dict__, f"{type(record).__name__}.{column} held"
    ctx.commit()

    archive, _, files = opened_zip(content)
    reports = read_csv(files["reports.csv"])
    assert len(reports) == 2 + 8
    listed = [path for row in reports for path in row["Photos"].split("; ") if path]
    assert len(listed) == 8 * 6 + 1 == len(set(listed))
    stored = dict(
        db.session.execute(
            select(IncidentPhoto.id, IncidentPhoto.data).where(
                IncidentPhoto.id.in_([int(path.split("-")[-1].split(".")[0]) for path in listed])
            )
        ).all()
    )
    for path in listed:
        assert files[path] == stored[int(path.split("-")[-1].split(".")[0])]
        Image.open(io.BytesIO(files[path])).verify()
    for info in archive.infolist():
        compressed = info.filename.endswith((".jpg", ".png", ".pdf"))
        expected = zipfile.ZIP_STORED if compressed else zipfile.ZIP_DEFLATED
        assert info.compress_type == expected, info.filename
    assert any(info.filename.endswith(".pdf") for info in archive.infolist())


def test_a_name_with_a_right_to_left_override_or_c1_control_is_named_plainly(ctx, make, clock):
    # U+202E would show a name reversed; U+0085 and U+009B are C1 controls.
    assert file_name_part("Zoë\u202eexe.piz") == "Zoëexe.piz"
    assert file_name_part("Łukasz\u0085\u009b Żółć\u200b\u2066") == "Łukasz Żółć"
    assert file_name_part("\u202e\u0080") == "unnamed"
    person = make.person("Zoë\u202e O'Brien\u0085", email=None)
    made = subject_access.export_person(
        ctx.get(User, make.user("admin").id), ctx.get(Person, person.id), now=clock.now
    )
    made.file.close()
    assert made.filename == "everything-we-hold-Zoë O'Brien-2026-11-23.zip"
    assert all(path.startswith("everything-we-hold-Zoë O'Brien-2026-11-23/") for path in made.paths)
