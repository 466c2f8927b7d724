"""signed records lose only their personal data

0016 let an UPDATE through on signatures and leaver_signatures whenever it set
personal_data_removed_at and kept what was signed and its hashes, so the items, how it was
captured, the technician, the login it was drawn on and every key of `details` could still be
changed on any signature. Now (the same statements as assets.models.terms.never_edited with
signature.SIGNATURE_REMOVAL and leaver.LEAVER_SIGNATURE_REMOVAL): those stay too; the images
and the PDF receipt may only stay or become empty; a printed name may only stay or become
"Former member of staff #N"; in `details` only the names (pseudonyms), the signer's email
(emptied), the return note (with the signer's own name) and the removal's seal may change.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PSEUDONYM_LIKE = "'Former member of staff #%'"
# Copies of assets.models.signature.SIGNATURE_REMOVAL and leaver.LEAVER_SIGNATURE_REMOVAL as
# they were when this revision was written.
RULES = {
    "signatures": {
        "kept": (
            "id",
            "person_id",
            "purpose",
            "capture",
            "signed_at",
            "recorded_by_id",
            "technician_id",
            "title",
            "text",
            "text_sha256",
            "image_sha256",
            "receipt_code",
        ),
        "kept_json": ("items",),
        "emptied": ("image_png", "receipt_pdf"),
        "pseudonymised": (),
        "details_pseudonymised": ("borrower_name", "technician_name"),
        "details_emptied": ("borrower_email",),
        "details_with_borrower": ("return_note",),
        "details_free": ("code_confirmed", "removed_on", "kept_sha256"),
    },
    "leaver_signatures": {
        "kept": (
            "id",
            "case_id",
            "role",
            "recorded_by_id",
            "signed_at",
            "statement_sha256",
            "image_sha256",
        ),
        "kept_json": (),
        "emptied": ("image_png",),
        "pseudonymised": ("name",),
        "details_pseudonymised": (),
        "details_emptied": (),
        "details_with_borrower": (),
        "details_free": (),
    },
}
# 0016's condition, for the downgrade.
OLD_KEPT = {
    "signatures": (
        "id",
        "person_id",
        "purpose",
        "signed_at",
        "title",
        "text",
        "text_sha256",
        "image_sha256",
        "receipt_code",
    ),
    "leaver_signatures": RULES["leaver_signatures"]["kept"],
}


def _allowed(rules: dict, pg: bool) -> str:
    same, differs = ("IS NOT DISTINCT FROM", "IS DISTINCT FROM") if pg else ("IS", "IS NOT")

    def key(row, name):
        if pg:
            return f"({row}.details ->> '{name}')"
        return f"json_extract({row}.details, '$.{name}')"

    def stays_or(new, old, becomes):
        return f"({new} {same} {old} OR COALESCE({new} {becomes}, FALSE))"

    parts = ["NEW.personal_data_removed_at IS NOT NULL"]
    parts += [f"NEW.{c} {same} OLD.{c}" for c in rules["kept"]]
    parts += [f"CAST(NEW.{c} AS TEXT) {same} CAST(OLD.{c} AS TEXT)" for c in rules["kept_json"]]
    parts += [
        stays_or(f"NEW.{c}", f"OLD.{c}", f"IS NOT NULL AND length(NEW.{c}) = 0")
        for c in rules["emptied"]
    ]
    parts += [
        stays_or(f"NEW.{c}", f"OLD.{c}", f"LIKE {PSEUDONYM_LIKE}") for c in rules["pseudonymised"]
    ]
    changing = (
        rules["details_pseudonymised"]
        + rules["details_emptied"]
        + rules["details_with_borrower"]
        + rules["details_free"]
    )
    if changing:
        if pg:
            names = ", ".join(f"'{k}'" for k in changing)
            rest = "(CAST({row}.details AS JSONB) - CAST(ARRAY[" + names + "] AS TEXT[]))"
        else:
            paths = ", ".join(f"'$.{k}'" for k in changing)
            rest = "json_remove({row}.details, " + paths + ")"
        parts.append(f"{rest.format(row='NEW')} {same} {rest.format(row='OLD')}")
        parts += [
            stays_or(key("NEW", k), key("OLD", k), f"LIKE {PSEUDONYM_LIKE}")
            for k in rules["details_pseudonymised"]
        ]
        parts += [stays_or(key("NEW", k), key("OLD", k), "= ''") for k in rules["details_emptied"]]
        borrower = f"{key('NEW', 'borrower_name')} {differs} {key('OLD', 'borrower_name')}"
        parts += [
            f"({key('NEW', k)} {same} {key('OLD', k)} OR {borrower})"
            for k in rules["details_with_borrower"]
        ]
    return " AND ".join(parts)


def _old_allowed(table: str, pg: bool) -> str:
    same = "IS NOT DISTINCT FROM" if pg else "IS"
    unchanged = " AND ".join(f"NEW.{c} {same} OLD.{c}" for c in OLD_KEPT[table])
    return f"NEW.personal_data_removed_at IS NOT NULL AND {unchanged}"


def _trigger(table: str, allowed: str, sqlite: bool) -> None:
    if sqlite:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_never_edited")
        op.execute(
            f"CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
            f"WHEN NOT COALESCE(({allowed}), FALSE) "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are never edited'); END"
        )
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_never_edited ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
            f"FOR EACH ROW WHEN (NOT COALESCE(({allowed}), FALSE)) "
            "EXECUTE FUNCTION refuse_update()"
        )


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, rules in RULES.items():
        _trigger(table, _allowed(rules, not sqlite), sqlite)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in RULES:
        _trigger(table, _old_allowed(table, not sqlite), sqlite)
