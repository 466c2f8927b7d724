"""build_leaver_pdf: items and their condition, wipes, licences, accounts, both signatures and
the dates, with a code that tracks it all."""

import dataclasses
import io
import itertools
import subprocess
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageChops, ImageDraw

from assets.files.images.signatures import clean_signature
from assets.files.pdf.leaver_records import (
    LeaverRecord,
    RecordSignature,
    RecordStep,
    build_leaver_pdf,
    verification_code,
)
from tests.support.pdf import pdf_words
from tests.support.scripts import NAMES, TERMS, logical

CLOSED = datetime(2026, 12, 18, 15, 30, 12, tzinfo=UTC)


def signature_png(points=((60, 140), (120, 60), (180, 150), (260, 70), (340, 130))) -> bytes:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(list(points), fill="#111", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return clean_signature(out.getvalue()).png


def white_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (560, 160), 255).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def record() -> LeaverRecord:
    return LeaverRecord(
        school="Ashbrook Infant and Nursery School",
        person_name="Mrs J Smullen",
        person_email="smullen@demo.school",
        staff_number="S0012",
        job_title="Class Teacher",
        leaving_on="19/12/2026",
        opened_at_local="14/12/2026 09:02",
        closed_at=CLOSED,
        closed_at_local="18/12/2026 15:30",
        items=[
            RecordStep(
                "ASH-0003 HP ProBook 440, serial HP00007421",
                "Returned in full working condition",
                "Mr M Savage",
                "17/12/2026 10:14",
            ),
            RecordStep(
                "ASH-0025 Canon PowerShot SX740",
                "Returned damaged or not working (damage report #7)",
                "Mr M Savage",
                "17/12/2026 10:16",
                "Lens cover cracked.",
            ),
        ],
        wipes=[
            RecordStep(
                "ASH-0003 HP ProBook 440",
                "Drive erased and re-imaged with the school's standard image",
                "Mr M Savage",
                "18/12/2026 14:55",
                "Certificate WX-88",
            )
        ],
        licences=[
            RecordStep(
                "Adobe Creative Cloud",
                "Returned",
                "Mrs H Roebuck",
                "16/12/2026 11:00",
                "Seat freed",
            )
        ],
        accounts=[
            RecordStep(
                "User account on the school network disabled",
                "Disabled",
                "Mr M Savage",
                "18/12/2026 15:00",
                "jsmullen",
            ),
            RecordStep(
                "Login to this app deactivated (ends all its sessions)",
                "Deactivated: login smullen@demo.school",
                "Mr M Savage",
                "18/12/2026 15:01",
            ),
        ],
        technician=RecordSignature(
            "Mr M Savage",
            "I, Mr M Savage, confirm that the equipment listed was received back.",
            CLOSED,
            "18/12/2026 15:30",
            signature_png(),
        ),
        leaver=RecordSignature(
            "Mrs J Smullen",
            "I, Mrs J Smullen, confirm that I have returned the equipment listed.",
            CLOSED,
            "18/12/2026 15:30",
            signature_png([(40, 60), (200, 160), (330, 40), (480, 150)]),
        ),
    )


def render(pdf: bytes, tmp_path, name: str) -> list[Image.Image]:
    """Every page, as greyscale images."""
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "80", "-png", f"{name}.pdf", name], cwd=tmp_path, check=True)
    pages = []
    for path in sorted(tmp_path.glob(f"{name}-*.png")):
        with Image.open(path) as image:
            pages.append(image.convert("L"))
    return pages


def test_the_record_shows_every_item_wipe_licence_account_signature_and_date(record):
    text = pdf_words(build_leaver_pdf(record))

    # Table cells wrap, so each is looked for on its own.
    for expected in (
        "Ashbrook Infant and Nursery School",
        "Leaver's return record",
        "Policy 8.4: when a contract of employment at the School ends",
        "Leaver Mrs J Smullen",
        "Email smullen@demo.school",
        "Staff number S0012",
        "Job title Class Teacher",
        "Contract ends 19/12/2026",
        "Checklist opened 14/12/2026 09:02",
        "Closed 18/12/2026 15:30 (2026-12-18 15:30 UTC)",
        "Equipment (2)",
        "ASH-0003 HP ProBook 440, serial HP00007421",
        "Returned in full working condition",
        "17/12/2026 10:14",
        "ASH-0025 Canon PowerShot",
        "Returned damaged or not working",
        "report #7). Lens cover cracked.",
        "17/12/2026 10:16",
        "Laptops and computers: personal work and user account securely deleted",
        "Drive erased and re-imaged with the",
        "school's standard image. Certificate WX-88",
        "18/12/2026 14:55",
        "Adobe Creative Cloud",
        "Returned. Seat freed",
        "Mrs H Roebuck",
        "Disabled. jsmullen",
        "Deactivated: login smullen@demo.school",
        "User account on the school network disabled",
        "Signed off by the IT technician",
        "I, Mr M Savage, confirm that the equipment listed was received back.",
        "Mr M Savage, 18/12/2026 15:30",
        "Signed by the leaver at the IT desk",
        "I, Mrs J Smullen, confirm that I have returned the equipment listed.",
        "Mrs J Smullen, 18/12/2026 15:30",
        f"Verification code: {verification_code(record)}",
    ):
        assert expected in text, expected


def test_both_signatures_are_drawn_on_the_record(record, tmp_path):
    blank = dataclasses.replace(
        record,
        technician=dataclasses.replace(record.technician, signature_png=white_png()),
        leaver=dataclasses.replace(record.leaver, signature_png=white_png()),
    )
    signed = render(build_leaver_pdf(record), tmp_path, "signed")
    unsigned = render(build_leaver_pdf(blank), tmp_path, "blank")
    assert len(signed) == len(unsigned)
    inked_rows = []
    for page, (with_ink, without) in enumerate(zip(signed, unsigned, strict=True)):
        # Leave out the footer, where the verification codes differ.
        body = (0, 0, with_ink.width, with_ink.height - 60)
        ink = ImageChops.difference(with_ink.crop(body), without.crop(body))
        ink = ink.point(lambda v: 255 if v > 100 else 0)
        inked_rows += [
            (page, y) for y in range(ink.height) if ink.crop((0, y, ink.width, y + 1)).getbbox()
        ]
    assert inked_rows, "the signatures are on the record"
    # Two separate signatures, one below the other.
    gaps = [b[1] - a[1] for a, b in itertools.pairwise(inked_rows) if a[0] == b[0]]
    assert max(gaps) > 20, inked_rows


def test_a_leaver_who_left_without_signing_is_recorded_with_the_reason(record):
    unsigned = dataclasses.replace(
        record, leaver=None, unsigned_reason="Left on 18/12 before the IT desk opened."
    )
    text = pdf_words(build_leaver_pdf(unsigned))
    assert "The leaver did not sign" in text
    assert "Left without signing. Reason: Left on 18/12 before the IT desk opened." in text
    assert "Signed by the leaver" not in text
    assert verification_code(unsigned) != verification_code(record)


def test_empty_sections_say_so(record):
    nothing = dataclasses.replace(record, items=[], wipes=[], licences=[])
    text = pdf_words(build_leaver_pdf(nothing))
    assert "Nothing was on loan to them." in text
    assert "No laptop or computer came back, so there was nothing to wipe." in text
    assert "None were listed." in text


def test_the_same_record_gives_the_same_bytes_and_any_change_a_new_code(record):
    assert build_leaver_pdf(record) == build_leaver_pdf(record)
    code = verification_code(record)
    changed = dataclasses.replace(
        record,
        wipes=[dataclasses.replace(record.wipes[0], by="Someone else")],
    )
    assert verification_code(changed) != code
    other_ink = dataclasses.replace(
        record, technician=dataclasses.replace(record.technician, signature_png=white_png())
    )
    assert verification_code(other_ink) != code


def test_long_checklists_run_over_pages_with_every_line(record):
    many = [
        RecordStep(
            f"ASH-{n:04d} Laptop {n}", "Returned in full working condition", "Mr M Savage", ""
        )
        for n in range(1, 61)
    ]
    pdf = build_leaver_pdf(dataclasses.replace(record, items=many))
    text = pdf_words(pdf)
    assert all(f"ASH-{n:04d} Laptop {n}" in text for n in range(1, 61))
    assert "Page 2 of" in text
    assert "Mrs J Smullen, 18/12/2026 15:30" in text


@pytest.mark.parametrize("script", sorted(NAMES))
def test_names_in_every_script_read_back_exactly_as_recorded(record, script):
    name, statement = NAMES[script], TERMS.get(script, "I confirm.")
    # One word in the table, whose narrow cells would wrap a long name.
    word = name.split()[0]
    step = RecordStep(f"ASH-0003 {word}", "Returned", word, "17/12/2026 10:14")
    leaver = dataclasses.replace(record.leaver, name=name, statement=statement)
    named = dataclasses.replace(
        record, person_name=name, job_title=name, items=[step], leaver=leaver
    )
    text = logical(pdf_words(build_leaver_pdf(named)))

    # Leaver, job title, under the signature, and the running header of page 2; and twice in
    # the table.
    assert text.count(name) == (6 if name == word else 4)
    for field in (f"Leaver {name}", f"Job title {name}", statement, f"ASH-0003 {word}"):
        assert field in text
    assert text.count(word) == 6
    assert verification_code(named) in text


def test_the_code_of_a_record_is_what_it_was_before_unicode_fonts(record):
    # Codes are stored with each leaver case, so the formula must never change.
    png = b"\x89PNG\r\n\x1a\nnot decoded"
    technician = RecordSignature(
        "Ελένη Παπαδοπούλου", "I confirm.", CLOSED, "18/12/2026 15:30", png
    )
    pinned = dataclasses.replace(
        record,
        school="Ysgol",
        person_name="Олександр Ковальчук",
        person_email="o@school.invalid",
        staff_number="S1",
        job_title="Athro",
        items=[RecordStep("ASH-1 Gliniadur", "Returned", "Nguyễn Thị Hương", "17/12/2026 10:14")],
        wipes=[],
        licences=[],
        accounts=[],
        technician=technician,
        leaver=None,
        unsigned_reason="Left early",
    )

    assert verification_code(pinned) == "BC36-F5D8-4B87"


def test_a_record_needs_aware_times_and_one_way_of_ending(record):
    with pytest.raises(ValueError, match="timezone-aware"):
        dataclasses.replace(record, closed_at=datetime(2026, 12, 18, 15, 30))
    with pytest.raises(ValueError, match="either the leaver's signature or the reason"):
        dataclasses.replace(record, unsigned_reason="Both given")
    with pytest.raises(ValueError, match="either the leaver's signature or the reason"):
        dataclasses.replace(record, leaver=None)
    with pytest.raises(ValueError, match="PNG"):
        dataclasses.replace(record.technician, signature_png=b"GIF89a")
