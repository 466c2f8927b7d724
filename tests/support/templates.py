"""Jinja templates compiled once per worker instead of once per app.

Every test builds a new app (`create_app`), and each app's Jinja environment lexes, parses and
compiles every template it renders again. Jinja's own bytecode cache keeps the compiled code
by template name and checks it against the template's source before using it, so an edited
template is compiled again. Every app the tests build has the same Jinja options, so the code
compiled for one serves the next. The app fixtures share it (`share_compiled_templates`); an
app built elsewhere compiles its own."""

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class _InMemory(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_SHARED = _InMemory()


def share_compiled_templates(app: Flask) -> Flask:
    """Give `app` the worker's one bytecode cache; returns `app`."""
    app.jinja_env.bytecode_cache = _SHARED
    return app
