"""A stocktake's report, for audits and governors."""

from flask import current_app

from assets.files.xlsx.writer import Column, Sheet
from assets.models import STATUS_LABELS, Stocktake
from assets.services.common.clock import local_time_text
from assets.services.spreadsheets.exports import Export, local_time, workbook
from assets.services.stocktakes import stocktakes

COLUMNS = [
    Column("Result", "text", width=16),
    Column("Tag", "text", width=14),
    Column("Name", "text", width=30),
    Column("Category", "text"),
    Column("Serial number", "text", width=18),
    Column("Register location", "text", width=20),
    Column("Register status", "text"),
    Column("Found at", "datetime"),
    Column("Found by", "text", width=20),
    Column("Moved here", "bool", width=11),
    Column("Note", "text", width=40),
]


def stocktake_report(stocktake: Stocktake) -> Export:
    """Every line of the stocktake, missing first, then unexpected, then found, each in tag
    order; times are local. Its caption and name come from the stocktake's own times."""
    report = stocktakes.report(stocktake)
    counts = report.counts
    outcome_word = "not found yet" if stocktake.is_open else "missing"
    caption = (
        f"{current_app.config['SCHOOL_NAME']} \u2013 stocktake of {stocktake.place}, started "
        f"{local_time_text(stocktake.started_at)}"
        + (
            f", {stocktake.status} {local_time_text(stocktake.ended_at)}"
            if stocktake.ended_at
            else " (under way)"
        )
        + f": {counts.expected} expected, {counts.found} found, "
        f"{counts.not_found} {outcome_word}, {counts.unexpected} unexpected"
    )

    def rows():
        for item in report.not_found + report.unexpected + report.found:
            asset = item.asset
            unexpected = item.outcome == "unexpected"
            yield [
                item.outcome_label,
                asset.tag,
                asset.name,
                asset.category.name,
                asset.serial_number,
                item.register_location.name if item.register_location else None,
                STATUS_LABELS.get(item.register_status, item.register_status),
                local_time(item.found_at),
                item.found_by.name if item.found_by else None,
                item.moved if unexpected else None,
                _sentence(stocktakes.why_unexpected(item)) if unexpected else None,
            ]

    place = stocktake.location.name if stocktake.location else "whole school"
    slug = "".join(ch if ch.isalnum() else "-" for ch in place.lower()).strip("-")
    day = local_time(stocktake.started_at).strftime("%Y-%m-%d")
    sheet = Sheet(f"Stocktake {stocktake.id}", COLUMNS, rows(), caption)
    return workbook(f"stocktake-{stocktake.id}-{slug}-{day}.xlsx", [sheet])


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
