"""Everything we hold about a person (services/people/subject_access.py), opened as a
data-protection lead would open it: every item there, the index and the files agreeing, the
signed records as stored, Unicode intact, and nobody else's data, hashes or tokens in it."""

import csv
import html
import io
import itertools
import json
import re
import zipfile
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from PIL import Image
from sqlalchemy import select

from assets.extensions import db
from assets.models import (
    Asset,
    Event,
    Kit,
    LeaverCase,
    Person,
    Pool,
    Signature,
    SignInIdentity,
    User,
)
from assets.services.bookings.bookings import book as book_ahead
from assets.services.bookings.pool_bookings import book_pool
from assets.services.common.errors import NotAllowed
from assets.services.leavers import leaver_closing
from assets.services.people import subject_access, subject_access_sections
from tests.support.bookings import at
from tests.support.bookings import school as bookings_school
from tests.support.drawings import data_url, drawn_signature, png_bytes
from tests.support.leavers import (
    finish_everything_but_closing,
    opened,
    school_today,
    set_contract_end,
    technician_of,
)

SUBJECT = "Łukasz Żółć"
OTHER = "Zoë O'Brien-Ñúñez"


def build_subject(app, make) -> SimpleNamespace:
    """Łukasz leaves with a laptop and a camera he signed for, a declaration, a report he made
    with a photo, a linked Microsoft account and a closed leaver's checklist. Zoë, borrowing
    from the same technician, has her own loan, declaration and report with a photo."""
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short")
    technician = make.user("technician", name="Mr M Savage")
    staff = make.user("staff", person=True, name=SUBJECT, email="lukasz.zolc@ashbrook.sch.uk")
    person = SimpleNamespace(id=staff.person_id, name=SUBJECT)
    set_contract_end(app, person.id, school_today(app) + timedelta(days=10))
    laptop = make.asset("ASH-0003", category=laptops, name="HP ProBook 440", serial_number="HP-3")
    camera = make.asset("ASH-0025", category=cameras, name="Canon PowerShot")
    kit = SimpleNamespace(
        technician=technician,
        staff=staff,
        leaver=person,
        laptop=laptop,
        camera=camera,
        laptop_loan=make.loan(laptop, person, by=technician),
        camera_loan=make.loan(camera, person, by=technician),
    )
    kit.declaration = make.declaration(person, by=technician)
    kit.report = make.incident(
        camera, reporter=staff, photos=1, description="Żółć: the lens cap is lost."
    )
    with app.app_context():
        db.session.add(
            SignInIdentity(provider="microsoft", subject="tid-1:oid-łukasz", user_id=staff.id)
        )
        db.session.commit()
        case = opened(kit)
        finish_everything_but_closing(kit, case)
        leaver_closing.close_case(
            technician_of(kit),
            case,
            # The technician's own signature, drawn differently: it is not Łukasz's data.
            technician_signature=data_url(png_bytes([(10, 10), (300, 150), (580, 20)])),
            leaver_signature=drawn_signature(),
        )
        db.session.commit()
        kit.case_id = case.id

    other = make.person(OTHER, email="zoe.obrien@ashbrook.sch.uk", staff_number="ZOE-99")
    other_asset = make.asset("OTHER-777", category=cameras, name="Nikon Coolpix Ñ")
    kit.other = other
    kit.other_loan = make.loan(other_asset, other, by=technician)
    kit.other_declaration = make.declaration(other, by=technician)
    kit.other_report = make.incident(
        other_asset, photos=1, description="Zoë dropped it in the Ñandú enclosure."
    )
    return kit


def export(
    person_id: int, actor_id: int, now=None
) -> tuple[subject_access.SubjectAccessExport, bytes]:
    made = subject_access.export_person(
        db.session.get(User, actor_id), db.session.get(Person, person_id), now=now
    )
    db.session.commit()
    content = made.file.read()
    made.file.close()
    return made, content


def opened_zip(content: bytes) -> tuple[zipfile.ZipFile, str, dict[str, bytes]]:
    """The zip, its one top folder, and each file's bytes by its path under the folder."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    folders = {name.split("/", 1)[0] for name in archive.namelist()}
    assert len(folders) == 1
    folder = folders.pop()
    files = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    return archive, folder, files


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def listed_in_text_index(index: str) -> list[str]:
    """The paths index.txt lists: each on its own line, its description indented below."""
    lines = index.splitlines()
    return [
        line
        for line, following in itertools.pairwise(lines)
        if line and not line.startswith(" ") and following.startswith("    ")
    ]


@pytest.fixture
def subject(app, make):
    return build_subject(app, make)


def test_everything_is_there_and_nothing_of_anyone_else(app, ctx, make, subject, database, clock):
    admin = make.user("admin", name="Mrs Ḍ Head")
    made, content = export(subject.leaver.id, admin.id, now=clock.now)
    archive, folder, files = opened_zip(content)

    # Whose, and produced when: the folder and the download are named for them.
    assert folder == "everything-we-hold-Łukasz Żółć-2026-11-23"
    assert made.filename == folder + ".zip"
    for info in archive.infolist():
        assert info.flag_bits & 0x800, f"{info.filename} lacks the UTF-8 name flag"

    # The index lists every file, and every file it lists is in the zip.
    index_html = files["index.html"].decode()
    index_txt = files["index.txt"].decode()
    linked = {unquote(href) for href in re.findall(r'href="([^"]+)"', index_html)}
    assert linked == set(files) - {"index.html", "index.txt"}
    assert set(listed_in_text_index(index_txt)) == set(files) - {"index.html", "index.txt"}
    assert '<html lang="en-GB">' in index_html
    assert "<h1>Everything we hold about Łukasz Żółć</h1>" in index_html
    assert index_html.count("<caption>") == index_html.count("<table>") > 0
    assert "<script" not in index_html and "http" not in index_html.replace("http-equiv", "")
    for index in (index_html, index_txt):
        assert "Łukasz Żółć" in index
        assert "23/11/2026 09:00" in index
        assert "Mrs Ḍ Head (Admin (head teacher))" in index
        assert "Ashbrook" in index

    # Their details and login, with the linked account, and never a hash or token.
    details = json.loads(files["details.json"])
    assert details["person"]["name"] == SUBJECT
    assert details["person"]["email"] == "lukasz.zolc@ashbrook.sch.uk"
    assert details["login"]["role"] == "Staff"
    assert details["login"]["linked_school_accounts"][0]["account_id"] == "tid-1:oid-łukasz"
    login = ctx.get(User, subject.staff.id)
    everything = b"".join(files.values())
    for secret in (login.password_hash, login.session_token, admin_hash(ctx, admin.id)):
        assert secret.encode() not in everything
    assert b"password_hash" not in everything and b"session_token" not in everything

    # Loans, with the terms signed and the receipt of each.
    loans = read_csv(files["loans.csv"])
    assert [row["Asset tag"] for row in loans] == ["ASH-0003", "ASH-0025"]
    assert all(row["Lent by"] == "Mr M Savage" for row in loans)
    assert "Laptop" in loans[0]["Terms signed (version and SHA-256)"]
    assert loans[0]["Condition on return"].startswith("Full working condition")
    assert loans[1]["Condition on return"] == "Damaged or not working"
    for row in loans:
        assert row["Loan receipt"] in files

    # Every signature: the image opens, the receipt is the one stored, the text is as signed.
    signatures = ctx.scalars(
        select(Signature).where(Signature.person_id == subject.leaver.id)
    ).all()
    assert {s.purpose for s in signatures} == {"loan", "declaration"}
    for signature in signatures:
        stem = (
            "declarations" if signature.purpose == "declaration" else "signatures"
        ) + f"/{signature.purpose}-{signature.id}"
        image = Image.open(io.BytesIO(files[f"{stem}-signature.png"]))
        assert image.format == "PNG"
        image.verify()
        assert files[f"{stem}-signature.png"] == signature.image_png
        assert signature.text in files[f"{stem}-text-signed.txt"].decode()
        if signature.receipt_pdf:
            receipt = files[f"receipts/{signature.purpose}-receipt-{signature.receipt_code}.pdf"]
            assert receipt == signature.receipt_pdf
            assert receipt.startswith(b"%PDF-")
    declarations = read_csv(files["declarations.csv"])
    assert [int(row["Signature"]) for row in declarations] == [subject.declaration.id]

    # The report he made, with its photo; the damaged camera's report from his checklist.
    reports = read_csv(files["reports.csv"])
    mine = next(row for row in reports if int(row["Report"]) == subject.report.id)
    assert mine["Why it is here"] == "about equipment lent to them and made by them"
    assert mine["What happened"] == "Żółć: the lens cap is lost."
    photo_path = f"reports/report-{subject.report.id}-photo-{subject.report.photo_ids[0]}.jpg"
    assert mine["Photos"] == photo_path
    assert Image.open(io.BytesIO(files[photo_path])).format == "JPEG"
    assert len(reports) == 2

    # The leaver's checklist, his own closing signature and the record PDF as stored.
    case = ctx.get(LeaverCase, subject.case_id)
    steps = read_csv(files[f"leavers/checklist-{case.id}.csv"])
    assert {row["Step"] for row in steps} >= {"item", "wipe", "network account", "app login"}
    # The record is the one he signed, kept as it is: it bears both signatures, and the
    # index says so (the technician's signature is on it as the school's officer).
    assert files[f"leavers/leaver-record-{case.id}-{case.record_code}.pdf"] == case.record_pdf
    for index in (index_html, index_txt):
        assert "the signed record as kept, with both signatures" in index
    own = files[f"leavers/checklist-{case.id}-their-signature.png"]
    assert own == case.signature_of("leaver").image_png
    # His own closing statement, as text, word for word; not the technician's.
    statement = files[f"leavers/checklist-{case.id}-their-statement.txt"].decode()
    assert case.signature_of("leaver").statement in statement
    assert case.signature_of("leaver").statement_sha256 in statement
    assert case.signature_of("technician").statement not in everything.decode(errors="replace")

    # His audit events, and the export itself recorded with the zip's hash.
    rows = read_csv(files["events.csv"])
    actions = {row["Action"] for row in rows}
    assert {"loan.created", "leaver.case_closed", "incident.reported"} <= actions
    recorded = ctx.scalars(
        select(Event).where(Event.action == "person.subject_access_export")
    ).one()
    assert recorded.summary == f"Subject access export produced for {SUBJECT} by Mrs Ḍ Head"
    assert recorded.person_id == subject.leaver.id and recorded.actor_id == admin.id
    assert recorded.changes == {"files": len(files), "bytes": len(content), "sha256": made.sha256}

    # Nothing of Zoë's: her name, her email, her asset, her signatures and her report.
    other_signatures = ctx.scalars(
        select(Signature).where(Signature.person_id == subject.other.id)
    ).all()
    text = everything.decode("utf-8", errors="replace") + "\n".join(files)
    for leak in ("Zoë", "O'Brien", "zoe.obrien", "ZOE-99", "OTHER-777", "Nikon", "Ñandú"):
        assert leak not in text, leak
    # (The test pads draw the same squiggle for everyone, so look for her signatures' files.)
    for signature in other_signatures:
        assert not [path for path in files if f"-{signature.id}-" in path]
        if signature.receipt_code:
            assert signature.receipt_code not in text
    other_events = ctx.scalars(select(Event).where(Event.person_id == subject.other.id)).all()
    assert other_events
    assert not {str(e.id) for e in other_events} & {row["Event"] for row in rows}


def admin_hash(ctx, user_id: int) -> str:
    return ctx.get(User, user_id).password_hash


def test_a_person_with_nothing_still_gets_a_zip_saying_so(ctx, make, database, clock):
    admin = make.user("admin")
    nobody = make.person("مريم الحسيني", email=None)
    _, content = export(nobody.id, admin.id, now=clock.now)
    _, folder, files = opened_zip(content)

    assert folder == "everything-we-hold-مريم الحسيني-2026-11-23"
    assert set(files) == {"index.html", "index.txt", "details.json", "events.csv"}
    details = json.loads(files["details.json"])
    assert details["person"]["name"] == "مريم الحسيني"
    assert details["login"] is None
    for index in (html.unescape(files["index.html"].decode()), files["index.txt"].decode()):
        assert "مريم الحسيني" in index
        assert "They have no login to this app." in index
        assert "They have never borrowed anything from the school." in index
        assert "They have not signed the staff declaration." in index
        assert "No report was made by them or about equipment lent to them." in index
        assert "No leaver's checklist was opened for them." in index
    assert [row["Action"] for row in read_csv(files["events.csv"])] == ["person.created"]


def test_a_technicians_own_export_withholds_what_they_did_to_others(ctx, make, clock):
    technician = make.user("technician", person=True, name="Mr Ō Tech")
    other = make.person(OTHER, email="zoe.obrien@ashbrook.sch.uk")
    make.loan(make.asset("OTHER-777", name="Nikon Coolpix"), other, by=technician)
    admin = make.user("admin")
    _, content = export(technician.person_id, admin.id, now=clock.now)
    _, _, files = opened_zip(content)

    rows = read_csv(files["events.csv"])
    lent = next(row for row in rows if row["Action"] == "loan.created")
    assert lent["Why"] == "done by them"
    assert lent["Summary"] == subject_access_sections.WITHHELD
    assert lent["Details"] == ""
    text = b"".join(files.values()).decode()
    assert "Zoë" not in text and "OTHER-777" not in text


def test_only_an_admin_may_produce_it(ctx, make):
    person = make.person()
    for role in ("technician", "office", "staff"):
        user = ctx.get(User, make.user(role).id)
        with pytest.raises(NotAllowed):
            subject_access.export_person(user, ctx.get(Person, person.id))
    assert not ctx.scalars(
        select(Event).where(Event.action == "person.subject_access_export")
    ).all()


def test_a_csv_cell_never_becomes_a_formula(ctx, make, clock):
    person = make.person('=HYPERLINK("http://evil")', email=None)
    make.loan(make.asset("T-FORMULA", name="+SUM(A1)"), person)
    _, content = export(person.id, make.user("admin").id, now=clock.now)
    _, _, files = opened_zip(content)
    (loan,) = read_csv(files["loans.csv"])
    assert loan["Asset"] == "'+SUM(A1)"
    assert json.loads(files["details.json"])["person"]["name"] == '=HYPERLINK("http://evil")'


def test_twice_gives_the_same_files_and_two_records(ctx, make, clock, monkeypatch):
    """A zip past the in-memory limit goes to a temporary file and reads back the same."""
    person = make.person("Zoë O'Brien-Ñúñez")
    make.loan(person=person)
    admin = make.user("admin")
    first, first_bytes = export(person.id, admin.id, now=clock.now)
    monkeypatch.setattr(subject_access, "IN_MEMORY", 1)
    second, second_bytes = export(person.id, admin.id, now=clock.now)

    assert second.paths == first.paths
    _, _, before = opened_zip(first_bytes)
    _, _, after = opened_zip(second_bytes)
    # The second zip's audit trail (and its count in the index) also has the first export.
    changes = {"events.csv", "index.html", "index.txt"}
    assert {k: v for k, v in before.items() if k not in changes} == {
        k: v for k, v in after.items() if k not in changes
    }
    assert b"done on their login (3)" in before["index.txt"]
    assert b"done on their login (4)" in after["index.txt"]
    assert "person.subject_access_export" in after["events.csv"].decode()
    assert (
        len(ctx.scalars(select(Event).where(Event.action == "person.subject_access_export")).all())
        == 2
    )


def test_an_unsigned_loan_and_an_open_checklist_say_what_is_missing(ctx, make, clock):
    person = make.person("Łukasz Żółć")
    make.loan(person=person, signed=False)
    make.leaver_case(person, licences=["Adobe Creative Cloud"])
    _, content = export(person.id, make.user("admin").id, now=clock.now)
    _, _, files = opened_zip(content)

    (loan,) = read_csv(files["loans.csv"])
    assert loan["Signature"] == "awaiting their signature"
    assert loan["Loan receipt"] == ""
    assert not [path for path in files if path.endswith(".pdf")]
    (checklist,) = [path for path in files if path.startswith("leavers/")]
    assert "still open" in files["index.txt"].decode()
    (licence,) = read_csv(files[checklist])
    assert (licence["What"], licence["Outcome"]) == ("Adobe Creative Cloud", "outstanding")


def test_their_bookings_are_in_the_export_with_their_events(ctx, make, database, clock):
    admin = make.user("admin")
    s = bookings_school(make)
    teacher = db.session.get(User, s.staff.id)
    booking = book_ahead(
        teacher,
        db.session.get(Asset, s.trolley.id),
        teacher.person,
        at("2026-11-24", "09:50"),
        at("2026-11-24", "10:50"),
        clock.now,
        "Year 9 science",
    )
    db.session.commit()
    _, content = export(s.staff.person_id, admin.id, now=clock.now)
    _, _, files = opened_zip(content)

    (row,) = read_csv(files["bookings.csv"])
    assert (row["Booking"], row["Asset tag"], row["State"]) == (
        str(booking.id),
        "TROLLEY-A",
        "Booked",
    )
    assert (row["From"], row["Until"]) == ("2026-11-24T09:50:00+00:00", "2026-11-24T10:50:00+00:00")
    assert row["What for"] == "Year 9 science"
    events = {(r["Action"], r["Record"], r["Why"]) for r in read_csv(files["events.csv"])}
    assert ("booking.created", f"bookings #{booking.id}", "about them") in events


def test_their_kit_and_pool_bookings_are_in_the_export(ctx, make, database, clock):
    admin = make.user("admin")
    s = bookings_school(make)
    kit = make.kit("KIT-V", "Visualiser kit", parts=[make.asset("VIS-01")])
    pool = make.pool("Loan iPads, IT office", units=2)
    teacher = db.session.get(User, s.staff.id)
    day = ("2026-11-24", "2026-11-25")
    book_ahead(
        teacher,
        db.session.get(Kit, kit.id),
        teacher.person,
        at(day[0], "09:00"),
        at(day[0], "10:00"),
        clock.now,
    )
    book_pool(
        teacher,
        db.session.get(Pool, pool.id),
        teacher.person,
        2,
        at(day[1], "09:00"),
        at(day[1], "10:00"),
        clock.now,
    )
    db.session.commit()
    _, content = export(s.staff.person_id, admin.id, now=clock.now)
    _, _, files = opened_zip(content)

    rows = read_csv(files["bookings.csv"])
    assert [(row["Asset tag"], row["Asset"]) for row in rows] == [
        ("KIT-V", "Visualiser kit"),
        ("", "2 from Loan iPads, IT office"),
    ]
