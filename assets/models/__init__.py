"""The domain tables, one module per aggregate."""

from assets.models.asset import CONDITIONS, STATUS_LABELS, STATUSES, Asset
from assets.models.booking import BOOKING_STATE_LABELS, BOOKING_STATES, Booking
from assets.models.calendar_feed import CalendarFeed
from assets.models.daily_run import RUN_OUTCOMES, DailyRun
from assets.models.event import Event
from assets.models.incident import Incident, IncidentCharge, IncidentPhoto, IncidentRepair
from assets.models.kit import Kit, KitPart
from assets.models.leaver import LeaverCase, LeaverSignature, LeaverStep
from assets.models.list_version import ListVersion
from assets.models.loan import NOT_RETURNED, RETURN_CONDITION_LABELS, RETURN_CONDITIONS, Loan
from assets.models.password_reset import PasswordResetRequest
from assets.models.pending_import import IMPORT_KINDS, PendingImport
from assets.models.person import Person, by_surname, sort_key
from assets.models.place import DEFAULT_LOAN_DAYS, LOAN_KINDS, TERMS_KINDS, Category, Location
from assets.models.pool import Pool
from assets.models.schoolweek import (
    CLOSURE_KIND_LABELS,
    CLOSURE_KINDS,
    LessonPeriod,
    SchoolClosure,
    SchoolTerm,
)
from assets.models.setting import Setting
from assets.models.sign_in import SignInIdentity, UsedSignInState
from assets.models.signature import CAPTURES, PURPOSES, Signature, signature_terms
from assets.models.stocktake import OUTCOME_LABELS, STOCKTAKE_STATUSES, Stocktake, StocktakeItem
from assets.models.terms import TEXT_KIND_LABELS, TEXT_KINDS, Terms
from assets.models.user import ROLE_LABELS, ROLES, User

__all__ = [
    "BOOKING_STATES",
    "BOOKING_STATE_LABELS",
    "CAPTURES",
    "CLOSURE_KINDS",
    "CLOSURE_KIND_LABELS",
    "CONDITIONS",
    "DEFAULT_LOAN_DAYS",
    "IMPORT_KINDS",
    "LOAN_KINDS",
    "NOT_RETURNED",
    "OUTCOME_LABELS",
    "PURPOSES",
    "RETURN_CONDITIONS",
    "RETURN_CONDITION_LABELS",
    "ROLES",
    "ROLE_LABELS",
    "RUN_OUTCOMES",
    "STATUSES",
    "STATUS_LABELS",
    "STOCKTAKE_STATUSES",
    "TERMS_KINDS",
    "TEXT_KINDS",
    "TEXT_KIND_LABELS",
    "Asset",
    "Booking",
    "CalendarFeed",
    "Category",
    "DailyRun",
    "Event",
    "Incident",
    "IncidentCharge",
    "IncidentPhoto",
    "IncidentRepair",
    "Kit",
    "KitPart",
    "LeaverCase",
    "LeaverSignature",
    "LeaverStep",
    "LessonPeriod",
    "ListVersion",
    "Loan",
    "Location",
    "PasswordResetRequest",
    "PendingImport",
    "Person",
    "Pool",
    "SchoolClosure",
    "SchoolTerm",
    "Setting",
    "SignInIdentity",
    "Signature",
    "Stocktake",
    "StocktakeItem",
    "Terms",
    "UsedSignInState",
    "User",
    "by_surname",
    "signature_terms",
    "sort_key",
]
