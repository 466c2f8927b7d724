"""The domain tables, one module per aggregate."""

from assets.models.asset import CONDITIONS, STATUS_LABELS, STATUSES, Asset
from assets.models.event import Event
from assets.models.loan import RETURN_CONDITIONS, Loan
from assets.models.pending_import import IMPORT_KINDS, PendingImport
from assets.models.person import Person
from assets.models.place import LOAN_KINDS, TERMS_KINDS, Category, Location
from assets.models.user import ROLE_LABELS, ROLES, User

__all__ = [
    "CONDITIONS",
    "IMPORT_KINDS",
    "LOAN_KINDS",
    "RETURN_CONDITIONS",
    "ROLES",
    "ROLE_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "TERMS_KINDS",
    "Asset",
    "Category",
    "Event",
    "Loan",
    "Location",
    "PendingImport",
    "Person",
    "User",
]
