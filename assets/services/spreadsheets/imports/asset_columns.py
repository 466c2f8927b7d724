"""The columns of the asset register an import reads: our export's headings first, then
the headings registers commonly use, then those of Snipe-IT's Custom Asset Report and asset
list (normalised; see tests/fixtures/snipeit/README.md for where each comes from)."""

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
    Field(
        "status_label",
        "Status",
        text(120),
        ("statuslabel", "assetstatus"),
        None,
        "For new assets: Snipe-IT's status labels, such as 'Ready to Deploy (deployable)', "
        "mapped to ours in the preview. Assets already in the register keep their status.",
    ),
    Field(
        "holder",
        "Checked out to",
        text(254),
        ("checkedout", "holder", "assignedto", "heldby", "checkedouttoname"),
        None,
        "For new assets: the member of staff who has it. It is lent to them awaiting their "
        "signature. Matched by email, then username, then name, against the staff list.",
    ),
    Field(
        "holder_email",
        "Checked out to: email",
        text(254),
        ("checkedouttoemail", "holderemail", "assignedtoemail"),
        None,
        "The holder's email, to find them on the staff list.",
    ),
    Field(
        "holder_username",
        "Checked out to: username",
        text(254),
        ("checkedouttousername", "holderusername"),
        None,
        "The holder's username (their email before the @), to find them on the staff list.",
        ("username",),
    ),
    Field(
        "holder_type",
        "Checked out to: type",
        text(40),
        ("checkouttype", "assignedtype"),
        None,
        "Snipe-IT's 'user', 'location' or 'asset': only items checked out to a user are lent.",
        ("type",),
    ),
)

_LOANS = "Who holds a device, and until when, changes through loans, not imports."
_SNIPEIT = "Snipe-IT keeps this; the register does not."
_HOLDER = "The register keeps the holder's details on the staff list."
NOT_IMPORTED = {
    "dueback": _LOANS,
    "expectedcheckindate": _LOANS,
    "checkoutdate": "The loan starts on the day of the import.",
    "lastcheckindate": _LOANS,
    "company": _SNIPEIT,
    "modelno": _SNIPEIT,
    "eol": _SNIPEIT,
    "ordernumber": _SNIPEIT,
    "defaultlocation": "The register keeps one location for each asset.",
    "currentvalue": _SNIPEIT,
    "diff": _SNIPEIT,
    "fullydepreciated": _SNIPEIT,
    "employeeno": _HOLDER,
    "employeenumber": _HOLDER,
    "manager": _HOLDER,
    "department": _HOLDER,
    "lastaudit": "Stocktakes record when an asset was last seen.",
    "nextauditdate": "Stocktakes record when an asset was last seen.",
    "id": _SNIPEIT,
    "url": _SNIPEIT,
    "age": _SNIPEIT,
    "deviceimage": _SNIPEIT,
    "checkincheckout": "Snipe-IT's button for checking in and out, not a value.",
    "checkouts": _SNIPEIT,
    "checkins": _SNIPEIT,
    "requests": _SNIPEIT,
    "byod": _SNIPEIT,
    "deleted": _SNIPEIT,
    "lastonnetwork": "Recorded when the device reaches the school network.",
    "updated": "Kept by the register itself.",
    "updatedat": "Kept by the register itself.",
    "createdat": "Kept by the register itself.",
}
