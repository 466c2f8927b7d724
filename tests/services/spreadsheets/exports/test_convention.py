"""Every export is made one way: given `now`, it returns an Export whose name and caption give
the school's local date and time of that moment."""

from datetime import UTC, datetime

import pytest

from assets.services.incidents.incident_lists import IncidentFilter
from assets.services.loans.loan_lists import LoanFilter
from assets.services.register.register import AssetFilter
from assets.services.spreadsheets.exports import Export, imports, leavers, records, register
from tests.support.sheets import reopen

# Half past midnight on 2 July in London (summer time), still 1 July in UTC.
NOW = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)

EXPORTS = {
    "asset-register-2026-07-02.xlsx": lambda: register.asset_register(AssetFilter(), now=NOW),
    "staff-list-2026-07-02.xlsx": lambda: register.staff_list(now=NOW),
    "loans-2026-07-02.xlsx": lambda: records.loans(LoanFilter(), now=NOW),
    "loan-history-2026-07-02.xlsx": lambda: records.loans(LoanFilter(view="history"), now=NOW),
    "loss-and-damage-incidents-2026-07-02.xlsx": lambda: records.incident_reports(
        None, IncidentFilter(), now=NOW
    ),
    "leavers-2026-07-02.xlsx": lambda: leavers.leavers_report(None, now=NOW),
    "declaration-register-2026-07-02.xlsx": lambda: records.declaration_register(now=NOW),
    "asset-register-template.xlsx": lambda: imports.import_template("assets", now=NOW),
}


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_is_named_and_captioned_at_the_local_time_of_now(ctx, name):
    export = EXPORTS[name]()
    assert isinstance(export, Export)
    assert export.filename == name
    assert export.mimetype.endswith("spreadsheetml.sheet")
    for sheet in reopen(export.content).worksheets:
        assert sheet["A1"].value.endswith("exported 02/07/2026 00:30")
