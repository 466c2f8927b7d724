"""Werkzeug's URL builders, compiled once per run instead of once per app.

Every test builds a new app (`create_app`), and Werkzeug compiles two small Python functions
for each of the app's URL rules, through `ast` and `compile`: about three quarters of the time
`create_app` takes. What it compiles depends only on the rule's parsed parts and the names of
its defaults, so the same rule in the next app gets the same function; the function reads the
rule's converters from the rule it is bound to, never from the one it was compiled for. A rule
whose defaults fill one of its own variables bakes that value in, and is compiled as usual."""

from collections.abc import Callable

from werkzeug.routing.rules import Rule

_compiled: dict[tuple, Callable] = {}


def compile_each_builder_once() -> None:
    original = Rule._compile_builder
    if getattr(original, "cached", False):
        return

    def compile_builder(self: Rule, append_unknown: bool = True) -> Callable:
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return original(self, append_unknown)
        key = (append_unknown, tuple(self._trace), tuple(defaults))
        if key not in _compiled:
            _compiled[key] = original(self, append_unknown)
        return _compiled[key]

    compile_builder.cached = True
    Rule._compile_builder = compile_builder
