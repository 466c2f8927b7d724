"""The columns of the asset register an import reads: our export's headings first, then
the headings registers commonly use, then those of a Snipe-IT asset report (normalised)."""

from datetime import date
from decimal import Decimal

from assets.files.xlsx.values import parse_bool, parse_date, parse_money
from assets.models import CONDITIONS
from assets.models.asset import NAME_LENGTH, NOTES_LENGTH, TAG_LENGTH
from assets.services.spreadsheets.imports.columns import Field, choice, months, text

FIELDS = (
    Field(
        "tag",
        "Asset tag",
        text(TAG_LENGTH),
        (
            "tag",
            "assetno",
            "assetnumber",
            "assettagnumber",
            "tagnumber",
            "tagno",
            "assetid",
            "barcode",
            "inventorynumber",
            "inventoryno",
        ),
        "ASH-00042",
        "Required. As printed on the label: a tag already in the register updates that "
        "asset, a new tag adds one.",
    ),
    Field(
        "name",
        "Name",
        text(NAME_LENGTH),
        ("assetname", "itemname", "devicename", "item", "device", "description"),
        "Dell Latitude 3440",
        "What people call it. Left empty for a new asset, the manufacturer and model are used.",
    ),
    Field(
        "category",
        "Category",
        text(80),
        ("categoryname", "assettype", "devicetype", "itemtype", "type"),
        "Laptop",
        "Required for a new asset: the name of a category in the register.",
    ),
    Field(
        "location",
        "Location",
        text(120),
        ("room", "locationname", "site", "building", "defaultlocation"),
        "ICT suite",
        "The name of a location in the register.",
    ),
    Field("manufacturer", "Manufacturer", text(80), ("make", "brand", "maker"), "Dell"),
    Field(
        "model",
        "Model",
        text(120),
        ("modelname", "modelno", "modelnumber"),
        "Latitude 3440",
    ),
    Field(
        "serial_number",
        "Serial number",
        text(80),
        ("serial", "serialno", "serialnum", "sn", "servicetag"),
        "0098XYZ",
        "Format the column as Text in Excel so leading zeros are kept.",
    ),
    Field(
        "condition",
        "Condition",
        choice(CONDITIONS, "condition"),
        ("state",),
        "good",
        "One of: " + ", ".join(CONDITIONS) + ". Empty keeps the current one (new: good).",
    ),
    Field(
        "purchase_date",
        "Purchase date",
        parse_date,
        ("purchased", "dateofpurchase", "datepurchased", "purchasedon", "bought", "datebought"),
        date(2024, 9, 1),
        "A date cell, or dd/mm/yyyy.",
    ),
    Field(
        "purchase_cost",
        "Purchase cost",
        parse_money,
        ("cost", "price", "purchaseprice", "unitcost", "unitprice"),
        Decimal("649.00"),
        "In pounds: 649, 649.00 or £1,299.00.",
    ),
    Field(
        "supplier",
        "Supplier",
        text(120),
        ("vendor", "boughtfrom", "purchasedfrom", "seller"),
        "Acme Education Supplies Ltd",
    ),
    Field(
        "warranty_end",
        "Warranty ends",
        parse_date,
        (
            "warrantyend",
            "warrantyexpires",
            "warrantyexpiry",
            "warrantyexpirydate",
            "warrantyexpiration",
            "warrantyenddate",
            "warrantyuntil",
            "endofwarranty",
        ),
        date(2027, 8, 31),
        "A date cell, or dd/mm/yyyy.",
    ),
    Field(
        "warranty_months",
        "Warranty months",
        months,
        ("warranty", "warrantylength", "warrantyperiod", "warrantyterm"),
        None,
        "Only when there is no Warranty ends date: counted from the purchase date "
        "(Snipe-IT's Warranty column).",
    ),
    Field(
        "encrypted",
        "Encrypted",
        parse_bool,
        ("encryption", "isencrypted", "passwordprotected", "bitlocker", "filevault"),
        "Yes",
        "Yes or No (policy 10.2). Empty keeps the current answer (new: No).",
    ),
    Field(
        "software_image",
        "Software image",
        text(120),
        ("imageversion", "operatingsystem", "os", "build"),
        "Win11 2024",
    ),
    Field("notes", "Notes", text(NOTES_LENGTH), ("note", "comments", "comment", "remarks"), ""),
)

_LOANS = "Who holds a device, and until when, changes through loans, not imports."
NOT_IMPORTED = {
    "status": "Status changes through loans, repairs and retirement, not imports.",
    "holder": _LOANS,
    "checkedout": _LOANS,
    "checkedoutto": _LOANS,
    "assignedto": _LOANS,
    "dueback": _LOANS,
    "expectedcheckindate": _LOANS,
    "lastonnetwork": "Recorded when the device reaches the school network.",
    "updated": "Kept by the register itself.",
    "updatedat": "Kept by the register itself.",
    "createdat": "Kept by the register itself.",
}
