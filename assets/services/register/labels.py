"""Asset labels: which assets to print, on which stock, from which position; and each asset's
QR code on its own. Printing changes nothing, so nothing here writes."""

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from assets.extensions import db
from assets.files.images.qr import qr_png, qr_svg
from assets.files.pdf.label_stock import TEMPLATES, LabelData
from assets.models import Asset, Kit
from assets.models.base import tag_key
from assets.security import absolute_url
from assets.services.common.errors import DomainError
from assets.services.register import register, scanning

MAX_LABELS = 2000
"""A print run larger than this is a mistake (about 31 sheets of the smallest labels)."""
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|]')


def scan_url(asset: Asset) -> str:
    """What the asset's QR code encodes: its scan page, absolute, from BASE_URL."""
    return absolute_url("scan.open_asset", tag=asset.tag)


def kit_scan_url(kit: Kit) -> str:
    """What a kit's QR code encodes: the kit's page, absolute, from BASE_URL."""
    return absolute_url("kits.open_kit", kit_tag=kit.tag)


def kit_qr_svg(kit: Kit) -> bytes:
    return qr_svg(kit_scan_url(kit))


def file_name_part(tag: str) -> str:
    """`tag` as part of a download's file name: the characters Windows and macOS do not allow
    in one (a tag may hold / ? # and more) become "-"."""
    return _NOT_IN_FILE_NAMES.sub("-", tag)


def asset_qr_svg(asset: Asset) -> bytes:
    return qr_svg(scan_url(asset))


def asset_qr_png(asset: Asset) -> bytes:
    return qr_png(scan_url(asset), box_size=10)


@dataclass
class LabelSelection:
    """The assets to label: the tags given, in their order (a kit's tag labels the kit), or
    else every asset matching the asset list's filters, in the list's order."""

    tags: str = ""
    filters: register.AssetFilter | None = None


@dataclass
class LabelSheet:
    pdf: bytes
    count: int
    filename: str


def _too_many() -> str:
    return f"That is more than {MAX_LABELS} labels: print them in smaller runs."


def count_matching(filters: register.AssetFilter) -> int:
    query = register.asset_select(filters).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _kit_for_tag(tag: str) -> Kit | None:
    return db.session.scalar(select(Kit).where(Kit.tag_key == tag_key(tag.strip())))


def selected_assets(selection: LabelSelection) -> list[Asset | Kit]:
    if selection.filters is not None:
        query = register.asset_select(selection.filters).limit(MAX_LABELS + 1)
        assets = list(db.session.scalars(query))
        if not assets:
            raise DomainError("No assets match those filters, so there is nothing to print.")
    else:
        tags = scanning.tags_in_text(selection.tags, MAX_LABELS, _too_many())
        if not tags:
            raise DomainError("Give the tags of the assets to label.", field="tags")
        if len(tags) > MAX_LABELS:
            raise DomainError(_too_many(), field="tags")
        found = {tag: scanning.asset_for_tag(tag) or _kit_for_tag(tag) for tag in tags}
        unknown = [tag for tag, asset in found.items() if asset is None]
        if unknown:
            raise DomainError(
                f"No asset has the tag{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}.",
                field="tags",
            )
        assets = list(dict.fromkeys(found.values()))
    if len(assets) > MAX_LABELS:
        raise DomainError(_too_many())
    return assets


def label_sheet(selection: LabelSelection, template_name: str, start_position: int) -> LabelSheet:
    """The label PDF for the selection on `template_name`'s stock, the first label at
    `start_position` of the first sheet."""
    template = TEMPLATES.get(template_name)
    if template is None:
        raise DomainError("Choose the label stock from the list.", field="template")
    if not 1 <= start_position <= template.per_page:
        message = (
            f"{template.name} sheets have positions 1 to {template.per_page}."
            if template.per_page > 1
            else f"{template.name} prints one label at a time: the start position is 1."
        )
        raise DomainError(message, field="start_position")
    assets = selected_assets(selection)
    school = current_app.config["SCHOOL_NAME"]
    labels = [_label(thing, school) for thing in assets]
    # Imported here: fpdf2 and the fonts (about 30 MiB a process) load with the first PDF.
    from assets.files.pdf.labels import build_label_pdf

    pdf = build_label_pdf(labels, template, start_position)
    name = file_name_part(assets[0].tag) if len(assets) == 1 else f"{len(assets)}"
    return LabelSheet(pdf=pdf, count=len(assets), filename=f"labels-{name}-{template.name}.pdf")


def _label(thing: Asset | Kit, school: str) -> LabelData:
    if isinstance(thing, Kit):
        return LabelData(url=kit_scan_url(thing), tag=thing.tag, model=thing.name, school=school)
    return LabelData(url=scan_url(thing), tag=thing.tag, model=short_model(thing), school=school)


def short_model(asset: Asset) -> str:
    """The short model name a label shows: the model, else the asset's name."""
    return asset.model or asset.name
