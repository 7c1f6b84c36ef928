"""Conditions on text and lists of text: `matches`, `contains`, `count`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

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
from bot.rules.fields import FieldType, Scope
from bot.rules.guards import unreachable
from bot.rules.items import ItemTest, standalone
from bot.rules.screen import Probe, Screens

if TYPE_CHECKING:
    from bot.rules.codegen import Emitter

_REGEX_ERRORS = (re.error, ValueError, OverflowError, RecursionError)


def compile_regex(pattern: str, flags: int = 0) -> tuple[re.Pattern[str] | None, str]:
    """The compiled pattern, or None and why Python's `re` refuses it, or why it cannot be
    what its author meant: an alternative that a first-letter guard before it makes
    unreachable (``bot.rules.guards``)."""
    try:
        regex = re.compile(pattern, flags)
    except _REGEX_ERRORS as error:
        return None, f"bad regular expression {literal(pattern)}: {error}"
    if "(?=" in pattern and (dead := unreachable(pattern, flags)):
        return None, "\n".join(dead)  # one problem a line (``problems``)
    return regex, ""


@register
class Matches(FieldCondition):
    """A regular expression is found in a string field, or in any element of a list of strings.

    Python `re` syntax, searched anywhere in the text (anchor it with `^` and `$`);
    `ignore_case: true` or an inline `(?i)` ignores case. Null never matches. With `means`,
    explanations say what the pattern finds instead of showing it: `title matches a fix
    prefix` rather than `title matches /^(fix|bug)\\b/ (any case)`. A lookahead that guards
    alternatives by their first letters, `(?=[bc])(?:bug|crash)`, must allow every one of
    them: `rules check` names an alternative it rules out, which could never match.

    Example:

        matches: {field: title, pattern: "^(fix|bug)\\\\b", ignore_case: true, means: a fix prefix}
    """

    name = "matches"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "pattern"],
        "properties": {
            "field": FIELD,
            "pattern": {
                "type": "string",
                "minLength": 1,
                "description": "A Python regular expression, searched anywhere in the text.",
            },
            "ignore_case": {
                "type": "boolean",
                "default": False,
                "description": "Ignore case (same as a leading `(?i)`).",
            },
            "means": MEANS,
        },
    }
    accepts = frozenset({"str", "list[str]"})
    needs = "a string field or a list of strings"

    def __init__(self, args: Any, children: Sequence[Condition] = ()) -> None:
        super().__init__(args, children)
        flags = re.IGNORECASE if args.get("ignore_case") else 0
        self.regex, self.error = compile_regex(args["pattern"], flags)
        self.probe: Probe | None = None
        self.items: ItemTest | None = None
        if self.regex is not None:
            self.items = standalone(self.regex.search, self.regex)

    def describe(self) -> str:
        if "means" in self.args:
            return f"{self.field} matches {self.args['means']}"
        case = " (any case)" if self.args.get("ignore_case") else ""
        return f"{self.field} matches /{self.args['pattern']}/{case}"

    def found(self, value: Any) -> str | None:
        """The first text the pattern finds in `value`."""
        assert self.regex is not None and self.items is not None
        if isinstance(value, str):
            if type(value) is str and self.probe is not None and not self.probe(value):
                return None  # the screen rules it out (see ``bot.rules.screen``)
            hit = self.regex.search(value)
            return None if hit is None else hit.group(0)
        if isinstance(value, list):
            for text in self.items.which(value):
                if (hit := self.regex.search(text)) is not None:
                    return hit.group(0)
        return None

    def evaluate(self, value: Any) -> bool:
        return self.found(value) is not None

    def details(self, value: Any) -> dict[str, Any]:
        return self.judge(value)[1]

    def judge(self, value: Any) -> tuple[bool, dict[str, Any]]:
        found = self.found(value)
        return (False, {}) if found is None else (True, {"found": shorten(found)})

    def screen(self, screens: Screens) -> None:
        if self.regex is not None:
            self.probe = screens.probe(self.field, self.regex)
            self.items = screens.items(self.field).add(self.regex.search, self.regex)
            self.forget_compiled()

    def compile(self) -> Predicate:
        get, regex, probe, items = self.get, self.regex, self.probe, self.items
        assert regex is not None and items is not None
        search, any_element = regex.search, items.any

        def holds(activity: Mapping[str, Any]) -> bool:
            value = get(activity)
            if type(value) is str:
                return (probe is None or probe(value)) and search(value) is not None
            if type(value) is list:
                return any_element(value)
            return False

        return holds

    def emit(self, code: Emitter) -> str:
        """A string is searched inline (screened first); a list is looked up in its index."""
        assert self.regex is not None and self.items is not None
        value, search = code.field(self.field), code.const(self.regex.search)
        kept = code.memo(self._memo_key())
        found = f"({kept} if {kept} is not None else ({kept} := {search}({value}))) is not None"
        if self.probe is not None:
            candidates = code.candidates(self.probe.screen, self.field)
            found = f"{self.probe.index} in {candidates} and {found}"
        union = code.union(self.items.index, self.field)
        other = f"(type({value}) is list and ({union} & {self.items.bit}) != 0)"
        return f"(({found}) if type({value}) is str else {other})"

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        """On a string, the entry written out: one search gives both held and found."""
        if self.regex is None or self.items is None:
            return super().emit_explain(code, brief=brief)
        value, search = code.field(self.field), code.const(self.regex.search)
        if brief:  # found, so no screen and no test (see ``Condition.emit_explain``)
            # The decision kept its match, unless it did not get this far (``any``).
            kept = code.memo(self._memo_key())
            hit = f"({kept} if {kept} is not None else {search}({value}))"
            found = code.short_text(f"{hit}.group(0)")
            on_string = self._entry(code, "True", [("found", found)])
            # On a list, what it found is in the first element the index says it holds on.
            first = f"{code.call_on(self.items.which, value)}[0]"
            found = code.short_text(f"{search}({first}).group(0)")
            on_list = self._entry(code, "True", [("found", found)])
            return (
                f"({on_string} if type({value}) is str else {on_list} if type({value}) is list "
                f"else {self._explainer(code)})"
            )
        hit, search = code.local("m"), f"{search}({value})"
        if self.probe is not None:
            candidates = code.candidates(self.probe.screen, self.field)
            search = f"({search} if {self.probe.index} in {candidates} else None)"
        held = f"({hit} := {search}) is not None"
        shown = ("found", f"{code.const(shorten)}({hit}.group(0))", f"{hit} is not None")
        return self._on_string(code, self._entry(code, held, optional=shown))

    def _memo_key(self) -> tuple[str, str, str, int]:
        """What a match of this pattern in this field is kept under in generated code: the
        same for every condition searching the same field with the same pattern."""
        assert self.regex is not None
        return ("matches", self.field, self.regex.pattern, self.regex.flags)

    def emit_refuted(self, code: Emitter) -> str:
        """On a string it was not found in: the entry without a search."""
        if self.regex is None:
            return super().emit_refuted(code)
        return self._on_string(code, self._entry(code, "False"))

    def _on_string(self, code: Emitter, entry: str) -> str:
        """``entry`` for a string value; ``explainer``'s for anything else (a list)."""
        value = code.field(self.field)
        return f"({entry} if type({value}) is str else {self._explainer(code)})"

    def problems(self, scope: Scope) -> list[Finding]:
        if self.error:
            mistakes = [("pattern", line) for line in self.error.splitlines()]
            return [*mistakes, *super().problems(scope)]
        return super().problems(scope)


@register
class Contains(FieldCondition):
    """A list field has `value` as one of its elements; strings compare ignoring case.

    Example:

        contains: {field: labels, value: security}
    """

    name = "contains"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "value"],
        "properties": {
            "field": FIELD,
            "value": {"type": "string", "description": "The element to look for (any case)."},
        },
    }
    accepts = frozenset({"list[str]"})
    needs = "a list of strings (use matches on a string)"

    def __init__(self, args: Any, children: Sequence[Condition] = ()) -> None:
        super().__init__(args, children)
        self.target = str(args["value"]).casefold()

    def describe(self) -> str:
        return f"{self.field} contains {literal(self.args['value'])} (any case)"

    def evaluate(self, value: Any) -> bool:
        return isinstance(value, list) and any(
            isinstance(item, str) and item.casefold() == self.target for item in value
        )

    def compile(self) -> Predicate:
        get, target = self.get, self.target

        def holds(activity: Mapping[str, Any]) -> bool:
            value = get(activity)
            if type(value) is list:
                for item in value:
                    if type(item) is str and item.casefold() == target:
                        return True
            return False

        return holds


@register
class Count(FieldCondition):
    """The number of elements of a list field is within bounds (`at_least`, `at_most`, or
    both, inclusive); with `matching`, only the elements a regular expression is found in
    count. A null field never holds.

    Example:

        count: {field: mentions_users, at_least: 2}
    """

    name = "count"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field"],
        "anyOf": [{"required": ["at_least"]}, {"required": ["at_most"]}],
        "errorMessage": "count needs at_least, at_most or both",
        "properties": {
            "field": FIELD,
            "at_least": {"type": "integer", "minimum": 0, "description": "Fewest elements."},
            "at_most": {"type": "integer", "minimum": 0, "description": "Most elements."},
            "matching": {
                "type": "string",
                "minLength": 1,
                "description": "Count only elements this regular expression is found in.",
            },
            "means": {
                **MEANS,
                "description": "With `matching`: what the pattern finds, in a few words "
                "(`documentation files`): explanations show it in place of the pattern.",
            },
        },
    }
    accepts = frozenset({"list[str]", "list[object]"})
    needs = "a list field"

    def __init__(self, args: Any, children: Sequence[Condition] = ()) -> None:
        super().__init__(args, children)
        self.low: int | None = args.get("at_least")
        self.high: int | None = args.get("at_most")
        self.regex: re.Pattern[str] | None = None
        self.error = ""
        self.items: ItemTest | None = None
        if "matching" in args:
            self.regex, self.error = compile_regex(args["matching"])
        if self.regex is not None:
            self.items = standalone(self.regex.search, self.regex)

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            bounds = f"between {self.low} and {self.high}"
        elif self.low is not None:
            bounds = f"at least {self.low}"
        else:
            bounds = f"at most {self.high}"
        # "at least 1 element", "at most 0 elements", "between 1 and 2 elements"
        bound = self.high if self.low is None else self.low if self.high is None else None
        elements = "element" if bound == 1 else "elements"
        if "means" in self.args:
            return f"{self.field} has {bounds} {elements} matching {self.args['means']}"
        if "matching" in self.args:
            return f"{self.field} has {bounds} {elements} matching /{self.args['matching']}/"
        return f"{self.field} has {bounds} {elements}"

    def counted(self, value: Any) -> int | None:
        """How many elements count (None when the field is not a list)."""
        if not isinstance(value, list):
            return None
        if self.items is None:
            return len(value)
        return self.items.count(value)

    def evaluate(self, value: Any) -> bool:
        number = self.counted(value)
        if number is None:
            return False
        return (self.low is None or number >= self.low) and (
            self.high is None or number <= self.high
        )

    def screen(self, screens: Screens) -> None:
        if self.regex is not None:
            self.items = screens.items(self.field).add(self.regex.search, self.regex)
            self.forget_compiled()

    def emit(self, code: Emitter) -> str:
        """The bounds around ``len`` of the list, or the count of its index: a bit of the
        list's union for "at least 1" and "at most 0", the usual bounds."""
        value = code.field(self.field)
        low, high = self.low or 0, self.high
        if self.items is not None and (low, high) in ((1, None), (0, 0)):
            some = f"({code.union(self.items.index, self.field)} & {self.items.bit})"
            return f"(type({value}) is list and {some} {'!=' if low else '=='} 0)"
        number = f"len({value})" if self.items is None else code.call_on(self.items.count, value)
        bounds = [code.const(self.low)] if self.low is not None else []
        bounds.append(number)
        if self.high is not None:
            bounds.append(code.const(self.high))
        if len(bounds) == 1:
            return f"(type({value}) is list)"
        return f"(type({value}) is list and {' <= '.join(bounds)})"

    def compile(self) -> Predicate:
        get, low, high, items = self.get, self.low, self.high, self.items
        count = items.count if items is not None else len

        def holds(activity: Mapping[str, Any]) -> bool:
            value = get(activity)
            if type(value) is not list:
                return False
            number = count(value)
            return (low is None or number >= low) and (high is None or number <= high)

        return holds

    def seen(self, value: Any) -> Any:
        return self.counted(value)

    def details(self, value: Any) -> dict[str, Any]:
        return {"elements": shorten(value)}

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        """On the brief path, a list's entry written out: it holds, and the count is the
        index's (see ``Condition.emit_explain``)."""
        if not brief:
            return super().emit_explain(code, brief=brief)
        value = code.field(self.field)
        number = f"len({value})" if self.items is None else code.call_on(self.items.count, value)
        entry = self._entry(code, "True", [("elements", code.seen(value))], seen=number)
        return f"({entry} if type({value}) is list else {self._explainer(code)})"

    def explainer(self, value: Any) -> dict[str, Any]:
        # As FieldCondition's, counting once rather than for each of held and seen.
        number = self.counted(value)
        held = number is not None and (
            (self.low is None or number >= self.low) and (self.high is None or number <= self.high)
        )
        return {
            "condition": self.name,
            "field": self.field,
            "text": self.text,
            "seen": number,
            "held": held,
            "elements": shorten(value),
        }

    def problems(self, scope: Scope) -> list[Finding]:
        found: list[Finding] = [("matching", line) for line in self.error.splitlines()]
        if "means" in self.args and "matching" not in self.args:
            found.append(("means", "means names what `matching` finds; this count has none"))
        if self.low is not None and self.high is not None and self.low > self.high:
            found.append(("at_most", f"at_most {self.high} is below at_least {self.low}"))
        return found + super().problems(scope)

    def value_problems(self, field: FieldType) -> list[Finding]:
        if "matching" in self.args and field.bases() != {"list[str]"}:
            return [("matching", f"matching needs a list of strings; {field.name!r} is not")]
        return []
