"""What a status label from another register (Snipe-IT's above all) becomes in ours.

Snipe-IT's Custom Asset Report writes a status as its label and its type in brackets: "Ready to
Deploy (deployable)", "Out for Repair (undeployable)", or "(deployed)" for one checked out. Its
asset list shows the label alone, or "Deployed (label)". Labels are the school's own, so
each one is read by its type and its words; the preview shows what each became and lets the
person change it. A label we cannot read must be chosen before the import can apply.
"""

from __future__ import annotations

import re

# What a label can become: our statuses, less "on loan" (a holder makes the loan), plus
# "pending": available, but flagged in its notes to be checked before it is lent.
CHOICES = {
    "available": "Available",
    "pending": "Available, flagged to check before lending",
    "in_repair": "In repair",
    "lost": "Lost",
    "stolen": "Stolen",
    "retired": "Retired",
}
PENDING_NOTE = "Pending in the previous register (status '{label}'): check it before lending."
_TYPES = ("deployable", "deployed", "pending", "archived", "undeployable")
_TYPED_RE = re.compile(r"(.*?)\s*\(\s*([^()]*)\s*\)", re.DOTALL)
# Words of a label, most telling first: the first that matches decides.
_WORDS = (
    (("stolen", "theft"), "stolen"),
    (("lost", "missing"), "lost"),
    (("broken", "repair", "diagnostic", "faulty", "fault", "damaged"), "in_repair"),
    (("archived", "retired", "disposed", "written off", "recycled", "scrapped"), "retired"),
    (("pending",), "pending"),
    (("ready to deploy", "deployable", "deployed", "available", "in stock", "on loan"),
     "available"),
)  # fmt: skip
_BY_TYPE = {
    "deployable": "available",
    "deployed": "available",
    "pending": "pending",
    "archived": "retired",
}


def automatic(label: str) -> str | None:
    """The status a label becomes unless the person chooses; None when it cannot be told.

    "Lost/Stolen" becomes lost (the preview says it can be changed to stolen)."""
    name, kind = _split(label)
    words = name.lower()
    if kind == "deployed" and words in ("", "deployed"):
        return "available"
    if "lost" in words and "stolen" in words:
        return "lost"
    for keys, status in _WORDS:
        if any(key in words for key in keys):
            return status
    return _BY_TYPE.get(kind)


def _split(label: str) -> tuple[str, str]:
    """("Ready to Deploy", "deployable") from "Ready to Deploy (deployable)"; Snipe-IT's list
    writes "Deployed (Out for Repair)", which is the label inside the brackets."""
    text = " ".join(label.split())
    match = _TYPED_RE.fullmatch(text)
    if not match:
        return text, ""
    name, inside = match.group(1).strip(), match.group(2).strip()
    if inside.lower() in _TYPES:
        return name, inside.lower()
    if name.lower() == "deployed":
        return inside, "deployed"
    return text, ""


def resolve(label: str, chosen: dict[str, str]) -> str | None:
    """The status of `label`: the person's choice, else the automatic one."""
    found = chosen.get(label)
    return found if found in CHOICES else automatic(label)
