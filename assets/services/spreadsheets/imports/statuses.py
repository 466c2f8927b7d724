"""What a status label from another register (Snipe-IT's above all) becomes in ours.

Snipe-IT's Custom Asset Report writes a status as its label and its type in brackets: "Ready to
Deploy (deployable)", "Out for Repair (undeployable)", or "(deployed)" for one checked out. Its
asset list shows the label alone, or "Deployed (label)". Labels are the school's own, so each
one is read by its type or, when that says little, by its words; the preview shows what each
became and lets the person change it. A label we cannot read must be chosen before the import
can apply.
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
# Words of a label without a telling type, most telling first: the first that matches a
# whole word (or its plural) decides.
_WORDS = (
    (("stolen", "theft"), "stolen"),
    (("lost", "missing"), "lost"),
    (("broken", "repair", "diagnostic", "faulty", "fault", "damaged"), "in_repair"),
    (("archived", "retired", "disposed", "written off", "recycled", "scrapped"), "retired"),
    (("pending",), "pending"),
    (("ready to deploy", "deployable", "deployed", "available", "in stock", "on loan"),
     "available"),
)  # fmt: skip
_WORD_RES = tuple(
    (re.compile(r"\b(?:" + "|".join(map(re.escape, keys)) + r")s?\b"), status)
    for keys, status in _WORDS
)
# The types that say what a label means whatever its words: Snipe-IT lends only deployable
# assets, and archived ones are out of use. "undeployable" says only that it cannot be lent.
_BY_TYPE = {
    "deployable": "available",
    "deployed": "available",
    "pending": "pending",
    "archived": "retired",
}


def automatic(label: str) -> str | None:
    """The status a label becomes unless the person chooses; None when it cannot be told.

    The type in brackets decides ("Missing charger (deployable)" is available); the words
    decide only for "undeployable" or no type, each matched whole ("Default" is no fault).
    "Lost/Stolen" becomes lost (the preview says it can be changed to stolen)."""
    name, kind = _split(label)
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    words = name.casefold()
    if _WORD_RES[0][0].search(words) and _WORD_RES[1][0].search(words):
        return "lost"
    for pattern, status in _WORD_RES:
        if pattern.search(words):
            return status
    return None


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
    """The status of `label`: the person's choice, else the automatic one (None: not known)."""
    found = chosen.get(label)
    return found if found in CHOICES else automatic(label)
