"""Conditions over conditions: `all`, `any` and `not`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bot.rules.conditions.registry import Condition, Predicate, register
from bot.rules.explain import held

if TYPE_CHECKING:
    from bot.rules.codegen import Emitter

_CONDITION = {"$ref": "#/$defs/condition"}


def _both(first: Predicate, second: Predicate) -> Predicate:
    def holds(activity: Mapping[str, Any]) -> bool:
        return first(activity) and second(activity)

    return holds


def _either(first: Predicate, second: Predicate) -> Predicate:
    def holds(activity: Mapping[str, Any]) -> bool:
        return first(activity) or second(activity)

    return holds


@register
class AllOf(Condition):
    """Every condition in the list holds (the list must not be empty).

    Matching stops at the first condition that does not hold; explanations show them all.

    Example:

        all:
          - at_least: {field: description_words, value: 40}
          - present: {field: closes_issues}
    """

    name = "all"
    schema: ClassVar[dict[str, Any]] = {
        "type": "array",
        "minItems": 1,
        "items": _CONDITION,
        "description": "Conditions that must all hold.",
    }
    takes_conditions = "list"

    def describe(self) -> str:
        return "all of (" + "; ".join(child.describe() for child in self.children) + ")"

    def compile(self) -> Predicate:
        tests = tuple(child.compile() for child in self.cheapest_first)
        if len(tests) == 1:
            return tests[0]
        if len(tests) == 2:
            return _both(*tests)

        def holds(activity: Mapping[str, Any]) -> bool:
            for test in tests:  # noqa: SIM110 (a loop is faster than all() over a generator)
                if not test(activity):
                    return False
            return True

        return holds

    def emit(self, code: Emitter) -> str:
        return "(" + " and ".join(child.emit(code) for child in self.cheapest_first) + ")"

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        checks = ", ".join(child.emit_explain(code, brief=brief) for child in self.children)
        if brief:  # it holds (see ``Condition.emit_explain``): ``_all_entry`` written out
            return code.held_group("all", ALL, checks)
        return f"{code.const(_all_entry)}([{checks}], {code.head_items('all', None, ALL)})"

    def brief(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = _all_entry([child.brief(activity) for child in self.children])
        return entry

    def explain(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = _all_entry([child.explain(activity) for child in self.children])
        return entry


@register
class AnyOf(Condition):
    """At least one condition in the list holds (the list must not be empty).

    Example:

        any:
          - matches: {field: description, pattern: "(?i)\\\\bwhy\\\\b"}
          - contains: {field: description_sections, value: why}
    """

    name = "any"
    schema: ClassVar[dict[str, Any]] = {
        "type": "array",
        "minItems": 1,
        "items": _CONDITION,
        "description": "Conditions of which at least one must hold.",
    }
    takes_conditions = "list"

    def describe(self) -> str:
        return "any of (" + "; ".join(child.describe() for child in self.children) + ")"

    def compile(self) -> Predicate:
        tests = tuple(child.compile() for child in self.cheapest_first)
        if len(tests) == 1:
            return tests[0]
        if len(tests) == 2:
            return _either(*tests)

        def holds(activity: Mapping[str, Any]) -> bool:
            for test in tests:  # noqa: SIM110 (a loop is faster than any() over a generator)
                if test(activity):
                    return True
            return False

        return holds

    def emit(self, code: Emitter) -> str:
        return "(" + " or ".join(child.emit(code) for child in self.cheapest_first) + ")"

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        checks = ", ".join(child.emit_explain(code, brief=False) for child in self.children)
        everything = f"{code.const(_any_entry)}([{checks}], {code.head_items('any', None, ANY)})"
        if not brief:
            return everything
        # brief: the first child (cheapest first) that holds, as ``brief`` finds it
        chain = [
            f"{code.held_group('any', ANY, child.emit_explain(code, brief=True))} "
            f"if {child.emit(code)} else"
            for child in self.cheapest_first
        ]
        return "(" + " ".join(chain) + f" {everything})"

    def brief(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        for child in self.cheapest_first:
            if child.predicate(activity):
                return _any_held(child.brief(activity))
        return self.explain(activity)

    def explain(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = _any_entry([child.explain(activity) for child in self.children])
        return entry


@register
class Not(Condition):
    """The one condition under it does not hold. To negate several, wrap them in `all`/`any`.

    Example:

        not:
          equals: {field: template_unfilled, value: true}
    """

    name = "not"
    schema: ClassVar[dict[str, Any]] = {
        **_CONDITION,
        "description": "One condition that must not hold.",
    }
    takes_conditions = "one"

    def describe(self) -> str:
        return f"not ({self.children[0].describe()})"

    def compile(self) -> Predicate:
        test = self.children[0].compile()

        def holds(activity: Mapping[str, Any]) -> bool:
            return not test(activity)

        return holds

    def emit(self, code: Emitter) -> str:
        return f"(not {self.children[0].emit(code)})"

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        if brief:  # it holds, so its condition does not: ``_not_entry`` written out
            return code.held_group("not", self.text, self.children[0].emit_refuted(code))
        check = self.children[0].emit_explain(code, brief=False)
        head = code.head_items("not", None, self.text)
        return f"{code.const(_not_entry)}({code.const(self.text)}, {check}, {head})"

    def explain(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = _not_entry(self.text, self.children[0].explain(activity))
        return entry


# The entries of explanations, built by the methods above and by generated code alike;
# generated code passes ``head``, the entry's first items in the form it writes
# (``Emitter.head_items``): a dict for a whole entry, ``(n,)`` for a short one
# (``bot.rules.texts``), whose children are short too.

ALL = "all of these hold"
ANY = "any of these holds"


def _all_entry(checks: list[Any], head: Any = None) -> Any:
    holds = all(held(check) for check in checks)
    return _group(head or {"condition": "all", "text": ALL}, holds, checks)


def _any_entry(checks: list[Any], head: Any = None) -> Any:
    holds = any(held(check) for check in checks)
    return _group(head or {"condition": "any", "text": ANY}, holds, checks)


def _group(head: Any, holds: bool, checks: list[Any]) -> Any:
    """A group's entry: a dict under a dict ``head``; under ``(n,)``, short."""
    if type(head) is tuple:
        return (*head, "held", holds, "checks", checks)
    return {**head, "held": holds, "checks": checks}


def _any_held(check: dict[str, Any]) -> dict[str, Any]:
    return {"condition": "any", "text": ANY, "held": True, "checks": [check]}


def _not_entry(text: str, check: Any, head: Any = None) -> Any:
    return _group(head or {"condition": "not", "text": text}, not held(check), [check])
