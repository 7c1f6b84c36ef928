"""The `paths` condition: changed files matched against gitignore-style globs."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pathspec
from pathspec import util as pathspec_util

from bot.rules.conditions.registry import (
    FIELD,
    MEANS,
    Condition,
    FieldCondition,
    Finding,
    Predicate,
    register,
)
from bot.rules.explain import literal, shorten
from bot.rules.fields import Scope
from bot.rules.items import ItemTest, standalone
from bot.rules.screen import Screens

if TYPE_CHECKING:
    from bot.rules.codegen import Emitter

# pathspec's name for git's wildmatch globs (`**`, `*`, `?`, `[...]`, `!` negation).
PATTERN_STYLE = "gitignore"
# pathspec matches with Python's `re` ("simple"), never the RE2 or Hyperscan backend it picks
# when those are installed: they read `$` differently (a path ending in a newline), and the
# fast path below searches pathspec's own regexes with `re`; the two must agree.
BACKEND = "simple"


def glob_problem(glob: str) -> str:
    """Why `glob` is not a usable gitignore-style glob ("" when it is)."""
    try:
        spec = pathspec.PathSpec.from_lines(PATTERN_STYLE, [glob], backend=BACKEND)
    except (ValueError, re.error, TypeError) as error:
        reason = str(error) or "not a glob"
        if reason.startswith("Invalid git pattern"):
            reason = "not a gitignore-style pattern"
        return f"bad glob {literal(glob)}: {reason}"
    patterns = list(spec.patterns)
    if not patterns or any(getattr(p, "include", None) is None for p in patterns):
        return f"bad glob {literal(glob)}: it is blank or a comment, and matches nothing"
    return ""


def _combined(spec: pathspec.PathSpec[Any]) -> Callable[[str], Any] | None:
    """A few regex searches doing what pathspec's loop over every glob does (None on a
    platform with other path separators).

    pathspec lets the last glob that matches decide (``!glob`` excludes). Consecutive globs
    of the same kind are joined into one regex; searching those groups from the last one
    back, the first that matches decides. That is the same answer, in one or two searches a
    path instead of one per glob.
    """
    patterns = list(spec.patterns)
    if pathspec_util.NORMALIZE_PATH_SEPS:
        return None
    groups: list[tuple[bool, list[str]]] = []
    for pattern in patterns:
        include, regex = getattr(pattern, "include", None), getattr(pattern, "regex", None)
        if include is None:
            continue  # blank lines and comments match nothing
        if not isinstance(regex, re.Pattern):
            return None
        if groups and groups[-1][0] is include:
            groups[-1][1].append(regex.pattern)
        else:
            groups.append((bool(include), [regex.pattern]))
    searches = [
        (include, re.compile("|".join(f"(?:{r})" for r in regexes)).search)
        for include, regexes in reversed(groups)
    ]
    if len(searches) == 1 and searches[0][0]:
        return searches[0][1]

    def search(path: str) -> bool | None:
        for include, found in searches:
            if found(path) is not None:
                return True if include else None
        return None

    return search


def _normal(path: str) -> str:
    """The path as pathspec matches it (no leading ``/`` or ``./``)."""
    if path[:1] == "/" or path[:2] == "./":
        return pathspec_util.normalize_file(path)
    return path


def _paths(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _including(spec: pathspec.PathSpec[Any]) -> re.Pattern[str] | None:
    """One regex any path a glob includes must match (exclusions only take matches away), to
    screen paths with; None when a glob has no regex of its own."""
    including = []
    for pattern in spec.patterns:
        if getattr(pattern, "include", None):
            regex = getattr(pattern, "regex", None)
            if not isinstance(regex, re.Pattern):
                return None
            including.append(regex.pattern)
    return re.compile("|".join(f"(?:{r})" for r in including)) if including else None


@register
class Paths(FieldCondition):
    """At least `at_least` (default 1) paths match one of the `globs`.

    Globs follow gitignore (git's wildmatch, via `pathspec`): `*` and `?` stay within a
    directory, `**` crosses directories, `[...]` is a set. A glob with no `/` but a trailing
    one matches at any depth (`*.md`, `migrations/`); any other `/` ties it to the root
    (`tests/**` is the top-level `tests` only, `**/tests/**` any). A trailing `/` matches
    everything under a directory, and a later `!glob` excludes what earlier globs matched.
    `field` defaults to `changed_paths`; a string field such as `path` (an inline comment's
    file) counts as one path. With `means`, explanations say what the globs find instead of
    listing them: `a path in changed_paths matches test files`.

    Example:

        paths: {globs: ["tests/**", "**/test_*.py", "**/*_spec.rb"]}
    """

    name = "paths"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["globs"],
        "properties": {
            "field": {**FIELD, "default": "changed_paths"},
            "globs": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "minLength": 1},
                "description": "gitignore-style globs; `!glob` excludes.",
            },
            "at_least": {
                "type": "integer",
                "minimum": 1,
                "default": 1,
                "description": "How many paths must match.",
            },
            "means": {
                **MEANS,
                "description": "What the globs find, in a few words (`source code files`): "
                "explanations show it in place of the globs.",
            },
        },
    }
    accepts = frozenset({"str", "list[str]"})
    needs = "a path or a list of paths"
    default_field = "changed_paths"

    def __init__(self, args: Any, children: Sequence[Condition] = ()) -> None:
        super().__init__(args, children)
        self.globs: list[str] = list(args["globs"])
        self.at_least: int = args.get("at_least", 1)
        self.glob_errors = [(i, glob_problem(g)) for i, g in enumerate(self.globs)]
        self.glob_errors = [(i, message) for i, message in self.glob_errors if message]
        self.spec: pathspec.PathSpec[Any] | None = None
        self.search: Callable[[str], Any] | None = None
        self.items: ItemTest | None = None
        if not self.glob_errors:
            self.spec = pathspec.PathSpec.from_lines(PATTERN_STYLE, self.globs, backend=BACKEND)
            self.search = _combined(self.spec)
            self.items = standalone(*self._element_test())

    def _element_test(
        self,
    ) -> tuple[Callable[[str], object], re.Pattern[str] | None, Callable[[str], str]]:
        """Whether one path matches, and the regex to screen paths with (see ``ItemIndex``)."""
        assert self.spec is not None
        search = self.search
        if search is None:
            return self.spec.match_file, None, _normal

        def test(path: str) -> bool:
            return search(_normal(path)) is not None

        return test, _including(self.spec), _normal

    def describe(self) -> str:
        globs = self.args["means"] if "means" in self.args else ", ".join(self.globs)
        if self.at_least == 1:
            return f"a path in {self.field} matches {globs}"
        return f"at least {self.at_least} paths in {self.field} match {globs}"

    def evaluate(self, value: Any) -> bool:
        # The reference meaning: pathspec itself, path by path.
        assert self.spec is not None
        spec = self.spec
        hits = [p for p in _paths(value) if isinstance(p, str) and spec.match_file(p)]
        return len(hits) >= self.at_least

    def matched(self, value: Any) -> list[str]:
        """The paths in `value` the globs match."""
        assert self.items is not None
        return self.items.which(_paths(value))

    def details(self, value: Any) -> dict[str, Any]:
        return self.judge(value)[1]

    def judge(self, value: Any) -> tuple[bool, dict[str, Any]]:
        matched = self.matched(value)
        return len(matched) >= self.at_least, {"matched": shorten(matched)}

    def screen(self, screens: Screens) -> None:
        """Join the rule set's index of the field's elements (paths recur: each distinct
        path is globbed once)."""
        if self.spec is not None:
            self.items = screens.items(self.field).add(*self._element_test())
            self.forget_compiled()

    def emit(self, code: Emitter) -> str:
        """A path is looked up in the index; a list's union (or count) is."""
        if self.items is None:
            return super().emit(code)
        value, need = code.field(self.field), self.at_least
        one = f"{need} <= 1 and {code.call_on(self.items.holds, value)}"
        if need <= 1:
            union = code.union(self.items.index, self.field)
            many = f"({union} & {self.items.bit}) != 0"
        else:
            many = f"{code.call_on(self.items.count, value)} >= {need}"
        return f"(({one}) if type({value}) is str else type({value}) is list and {many})"

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        """On the brief path, a list's entry written out: it holds, and the paths that
        matched come from the index (see ``Condition.emit_explain``)."""
        if self.items is None or not brief:
            return super().emit_explain(code, brief=brief)
        value = code.field(self.field)
        matched = code.call_on(shorten, code.call_on(self.items.which, value))
        entry = self._entry(code, "True", [("matched", matched)])
        return f"({entry} if type({value}) is list else {self._explainer(code)})"

    def compile(self) -> Predicate:
        items, get, need = self.items, self.get, self.at_least
        if items is None:
            return super().compile()
        holds_on, count = items.holds, items.count

        def holds(activity: Mapping[str, Any]) -> bool:
            value = get(activity)
            if type(value) is str:
                return need <= 1 and holds_on(value)
            return type(value) is list and count(value) >= need

        return holds

    def problems(self, scope: Scope) -> list[Finding]:
        found = [(f"globs[{index}]", message) for index, message in self.glob_errors]
        return found + super().problems(scope)
