"""School-wide choices an admin makes in the app (kept in the settings table)."""

from typing import Any

from sqlalchemy import select

from assets.extensions import db
from assets.models import Setting, User
from assets.services.common import events


def get(key: str, default: Any = None) -> Any:
    setting = db.session.scalar(select(Setting).where(Setting.key == key))
    return default if setting is None else setting.value


def put(actor: User | None, key: str, value: Any, summary: str) -> bool:
    """Store `value` under `key`, with an audit event; False when it was already so."""
    setting = db.session.scalar(select(Setting).where(Setting.key == key))
    before = None if setting is None else setting.value
    if setting is not None and before == value:
        return False
    if setting is None:
        setting = Setting(key=key, value=value)
        db.session.add(setting)
    else:
        setting.value = value
    events.record(actor, "setting.changed", setting, summary, changes={key: [before, value]})
    return True
