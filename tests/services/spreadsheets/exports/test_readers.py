"""Every export reopens cleanly in openpyxl, python-calamine and SheetJS (npm xlsx 0.18.5, which
refused our hand-written files for their ZIP64 headers), and the three read the same cells:
the awkward values of the register exactly as they were typed."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from assets.extensions import db
from assets.models import Asset, Person, Stocktake
from assets.services.incidents.incident_lists import IncidentFilter
from assets.services.loans.loan_lists import LoanFilter
from assets.services.register.register import AssetFilter
from assets.services.spreadsheets import imports as import_service
from assets.services.spreadsheets.exports import imports, leavers, records, register, stocktakes
from tests.support.sheets import READERS, by_openpyxl, by_sheetjs

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
AWKWARD = {
    "name": "Café laptop 😀 =SUM(A1)",
    "serial_number": "SN_x0041_",
    "model": "-5",
    "supplier": "@supplier",
    "software_image": "004711",
    "notes": "first line\r\nsecond _x000D_ line\rthird",
}

EXPORTS = {
    "asset register": lambda r: register.asset_register(AssetFilter(), now=NOW),
    "staff list": lambda r: register.staff_list(include_inactive=True, now=NOW),
    "loans": lambda r: records.loans(LoanFilter(), now=NOW),
    "loan history": lambda r: records.loans(LoanFilter(view="history"), now=NOW),
    "incidents": lambda r: records.incident_reports(None, IncidentFilter(), now=NOW),
    "leavers": lambda r: leavers.leavers_report(None, now=NOW),
    "declarations": lambda r: records.declaration_register(now=NOW),
    "asset template": lambda r: imports.import_template("assets", now=NOW),
    "staff template": lambda r: imports.import_template("people", now=NOW),
    "import audit": lambda r: imports.import_audit(
        import_service.applied_event(r["import"].id), now=NOW
    ),
    "stocktake": lambda r: stocktakes.stocktake_report(
        db.session.get(Stocktake, r["stocktake"].id)
    ),
}


@pytest.fixture
def awkward_records(records, ctx):
    asset = db.session.get(Asset, records["asset"].id)
    for field, value in AWKWARD.items():
        setattr(asset, field, value)
    asset.purchase_cost = Decimal("1299.50")
    person = db.session.get(Person, records["person"].id)
    person.name, person.staff_number = "Siân Llŷr 👩🏽‍💻", "000123"
    person.notes = "Keys:\r\n=locker 4"
    db.session.commit()
    return records


@pytest.mark.parametrize("name", EXPORTS)
def test_every_export_reads_the_same_in_openpyxl_calamine_and_sheetjs(awkward_records, name):
    data = EXPORTS[name](awkward_records).content

    read = {reader: READERS[reader](data) for reader in READERS}

    assert read["calamine"] == read["openpyxl"]
    assert read["sheetjs"] == read["openpyxl"]
    assert all(rows for _, rows in read["openpyxl"]), "every sheet has its caption and header"


def test_the_register_reads_back_as_typed_in_sheetjs(awkward_records):
    data = register.asset_register(AssetFilter(), now=NOW).content
    (_, rows), *_ = by_sheetjs(data)
    header = [cell[1] for cell in rows[1]]
    tag = awkward_records["asset"].tag
    row = next(row for row in rows[2:] if row[0] == ("s", tag))
    cells = dict(zip(header, row, strict=False))

    assert cells["Serial number"] == ("s", "SN_x0041_")
    assert cells["Notes"] == ("s", "first line\r\nsecond _x000D_ line\rthird")
    assert cells["Name"] == ("s", "Café laptop 😀 =SUM(A1)")
    assert (cells["Model"], cells["Supplier"]) == (("s", "-5"), ("s", "@supplier"))
    assert cells["Software image"] == ("s", "004711")
    assert cells["Purchase cost"] == ("n", 1299.5)
    assert by_openpyxl(data)[0][1] == rows
