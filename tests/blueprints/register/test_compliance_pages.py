"""Register > Compliance: laptops, tablets and phones on loan or ready to lend that are not
marked encrypted (policy 10.2), with their holders, software image and last network check-in
(policy 8.2). Admins, technicians and office staff read it; staff do not."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from assets.extensions import db
from assets.models import Asset
from assets.services.loans import lending_rules
from assets.services.register import compliance
from tests.support.pages import text_of


@pytest.fixture
def devices(make, database):
    """Two unencrypted laptops (one lent by an admin with a reason), an encrypted one, an
    unencrypted tablet in repair and an unencrypted projector (not a mobile device)."""
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    tablets = make.category("Tablet", mobile_device=True)
    admin = make.user("admin")
    lent = make.asset(
        "ASH-0007", category=laptops, name="Dell Latitude", encrypted=False,
        software_image="Staff Windows 11 v3",
    )  # fmt: skip
    ready = make.asset("ASH-0014", category=laptops, name="HP ProBook", encrypted=False)
    make.asset("ASH-0001", category=laptops, name="Encrypted laptop")
    repair = make.asset("ASH-0021", category=tablets, name="iPad in repair", encrypted=False)
    make.asset("ASH-0100", name="Epson projector")
    make.loan(
        lent,
        make.person("Mrs S Judd"),
        by=admin,
        reasons=lending_rules.Reasons(unencrypted="Reviews this week; BitLocker on Friday"),
    )
    checked_in = datetime(2027, 1, 5, 16, 30, tzinfo=UTC)
    with make.app.app_context():
        db.session.execute(
            update(Asset).where(Asset.id == lent.id).values(last_network_at=checked_in)
        )
        db.session.execute(update(Asset).where(Asset.id == repair.id).values(status="in_repair"))
        db.session.commit()
    return {"lent": lent, "ready": ready}


def test_the_list_holds_unencrypted_mobile_devices_lent_or_ready_lent_first(devices, ctx):
    listed = compliance.unencrypted_devices()

    assert [a.tag for a in listed] == ["ASH-0007", "ASH-0014"]
    assert listed[0].open_loan.person.name == "Mrs S Judd"
    assert listed[1].open_loan is None


@pytest.mark.parametrize("role", ["admin", "technician", "office"])
def test_readers_see_each_device_its_holder_and_the_policy_82_details(
    client, as_role, devices, role
):
    as_role(role)

    page = client.get("/compliance")

    assert page.status_code == 200
    shown = text_of(page)
    assert "2 devices not marked encrypted: 1 on loan, 1 ready to lend." in shown
    assert (
        "ASH-0007 Dell Latitude Mrs S Judd since " in shown
        and "Lent unencrypted because: Reviews this week; BitLocker on Friday" in shown
    )
    assert "Staff Windows 11 v3 05/01/2027 16:30" in shown
    assert "ASH-0014 HP ProBook Ready to lend Laptop Not recorded Not recorded" in shown
    for absent in ("ASH-0001", "ASH-0021", "ASH-0100"):
        assert absent not in shown
    # Read-only: no form on the page but the log-out button.
    assert page.text.count("<form") == 1


def test_staff_cannot_open_the_compliance_page(client, as_role, devices):
    as_role("staff", person=True)

    assert client.get("/compliance").status_code == 403


def test_with_every_device_encrypted_the_page_says_so(client, as_role, make):
    make.asset(category=make.category("Laptop", terms_kind="laptop", loan_kind="allocation"))
    as_role("office")

    shown = text_of(client.get("/compliance"))

    assert "0 devices not marked encrypted" in shown
    assert "Every mobile device on loan or ready to lend is marked encrypted." in shown


def test_encrypting_a_device_takes_it_off_the_list(client, as_role, devices):
    as_role("technician")
    edit = client.get("/assets/ASH-0014/edit")
    assert edit.status_code == 200
    form = {
        "tag": "ASH-0014",
        "name": "HP ProBook",
        "category_id": re.search(r'<option selected value="(\d+)">Laptop', edit.text).group(1),
        "location_id": "",
        "condition": "good",
        "encrypted": "y",
    }

    assert client.post("/assets/ASH-0014/edit", data=form).status_code == 302

    shown = text_of(client.get("/compliance"))
    assert "1 device not marked encrypted: 1 on loan, 0 ready to lend." in shown
    assert "ASH-0014" not in shown.split("Device Holder")[1]
