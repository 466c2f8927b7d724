"""Running an import from a test as the preview and apply buttons do, straight through the
service: `check` previews (writes nothing), `apply` writes and commits."""

from assets.extensions import db
from assets.services.spreadsheets import imports


def check(data: bytes, filename: str = "register.csv", kind: str = "assets", **choices):
    return imports.import_file(None, kind, filename, data, imports.Choices(**choices), write=False)


def apply(data: bytes, filename: str = "register.csv", kind: str = "assets", **choices):
    result = imports.import_file(None, kind, filename, data, imports.Choices(**choices), write=True)
    db.session.commit()
    return result


def counts(preview) -> dict:
    """The preview's counts that are not zero, by action."""
    return {action: n for action, n in preview.summary.counts.items() if n}
