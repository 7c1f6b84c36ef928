"""Conditions comparing one field's value: `equals`, `one_of`, `at_least`, `at_most`,
`present`."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bot.activities.kinds import TYPES
from bot.rules.conditions.registry import FIELD, FieldCondition, Finding, Predicate, register
from bot.rules.explain import literal
from bot.rules.fields import FieldType, base

if TYPE_CHECKING:
    from bot.rules.codegen import Emitter

SCALARS = frozenset({"str", "int", "float", "bool"})
NUMBERS = frozenset({"int", "float"})


def same(value: Any, expected: Any) -> bool:
    """Equality as a rule author means it: `true` is not `1`, `null` only `null`."""
    if expected is None or isinstance(expected, bool):
        return value is expected
    if isinstance(value, bool):
        return False
    return bool(value == expected)


def is_number(value: Any) -> bool:
    """An int or a float, not a bool (which Python counts as an int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def fits(field: FieldType, value: Any) -> bool:
    """Whether `value` is a value `field` can have."""
    if value is None:
        return field.nullable
    return any(TYPES[base(type_name)](value) for type_name in field.types)


def _misfit(field: FieldType, value: Any) -> str:
    if value is None:
        return f"{field.name!r} is {field.describe()}, never null (use present)"
    return f"{literal(value)} does not fit field {field.name!r} ({field.describe()})"


@register
class Equals(FieldCondition):
    """The field's value equals `value`: a string, number, true/false or null.

    Strings compare exactly (case matters: use `matches` with `ignore_case` otherwise);
    `true` never equals `1`.

    Example:

        equals: {field: issue_type, value: incident}
    """

    name = "equals"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "value"],
        "properties": {
            "field": FIELD,
            "value": {
                "type": ["string", "number", "boolean", "null"],
                "description": "The value the field must have.",
            },
        },
    }
    accepts = SCALARS
    needs = "a single-valued field (use contains or count on a list)"

    def describe(self) -> str:
        return f"{self.field} is {literal(self.args['value'])}"

    def evaluate(self, value: Any) -> bool:
        return same(value, self.args["value"])

    def compile(self) -> Predicate:
        get, expected = self.get, self.args["value"]
        if expected is None or isinstance(expected, bool):

            def identical(activity: Mapping[str, Any]) -> bool:
                return get(activity) is expected

            return identical
        if isinstance(expected, str):

            def equal(activity: Mapping[str, Any]) -> bool:
                return bool(get(activity) == expected)

            return equal
        return super().compile()

    def emit(self, code: Emitter) -> str:
        expected = self.args["value"]
        if expected is None or isinstance(expected, bool):
            return f"({code.field(self.field)} is {code.const(expected)})"
        if isinstance(expected, str):
            return f"({code.field(self.field)} == {code.const(expected)})"
        return super().emit(code)

    def value_problems(self, field: FieldType) -> list[Finding]:
        value = self.args["value"]
        return [] if fits(field, value) else [("value", _misfit(field, value))]


@register
class OneOf(FieldCondition):
    """The field's value is one of `values` (compared as `equals` does).

    Example:

        one_of: {field: severity, values: [CRITICAL, HIGH]}
    """

    name = "one_of"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "values"],
        "properties": {
            "field": FIELD,
            "values": {
                "type": "array",
                "minItems": 1,
                "items": {"type": ["string", "number", "boolean"]},
                "description": "The values the field may have.",
            },
        },
    }
    accepts = SCALARS
    needs = "a single-valued field (use contains or count on a list)"

    def describe(self) -> str:
        return f"{self.field} is one of " + ", ".join(literal(v) for v in self.args["values"])

    def evaluate(self, value: Any) -> bool:
        return any(same(value, expected) for expected in self.args["values"])

    def compile(self) -> Predicate:
        values = self.args["values"]
        if all(isinstance(v, str) for v in values):
            get, allowed = self.get, frozenset(values)

            def member(activity: Mapping[str, Any]) -> bool:
                value = get(activity)
                return isinstance(value, str) and value in allowed

            return member
        return super().compile()

    def emit(self, code: Emitter) -> str:
        values = self.args["values"]
        if all(isinstance(v, str) for v in values):
            value = code.field(self.field)
            return f"(isinstance({value}, str) and {value} in {code.const(frozenset(values))})"
        return super().emit(code)

    def value_problems(self, field: FieldType) -> list[Finding]:
        return [
            (f"values[{index}]", _misfit(field, value))
            for index, value in enumerate(self.args["values"])
            if not fits(field, value)
        ]


class _Bound(FieldCondition):
    """`at_least` and `at_most`: a numeric comparison that never holds for null."""

    accepts = NUMBERS
    needs = "a number field"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "value"],
        "properties": {
            "field": FIELD,
            "value": {"type": "number", "description": "The bound (included)."},
        },
    }
    words = ""
    symbol = ""  # the Python comparison, ">=" or "<="
    compare: ClassVar[Callable[[Any, Any], bool]]

    def describe(self) -> str:
        return f"{self.field} is {self.words} {literal(self.args['value'])}"

    def evaluate(self, value: Any) -> bool:
        return is_number(value) and type(self).compare(value, self.args["value"])

    def compile(self) -> Predicate:
        get, bound, compare = self.get, self.args["value"], type(self).compare

        def holds(activity: Mapping[str, Any]) -> bool:
            value = get(activity)
            return (type(value) is int or type(value) is float) and compare(value, bound)

        return holds

    def emit(self, code: Emitter) -> str:
        value, bound = code.field(self.field), code.const(self.args["value"])
        number = f"(type({value}) is int or type({value}) is float)"
        return f"({number} and {value} {self.symbol} {bound})"


@register
class AtLeast(_Bound):
    """The field is a number no smaller than `value`; null never holds.

    Example:

        at_least: {field: description_words, value: 40}
    """

    name = "at_least"
    words = "at least"
    symbol = ">="
    compare = operator.ge


@register
class AtMost(_Bound):
    """The field is a number no larger than `value`; null never holds.

    Example:

        at_most: {field: files_changed, value: 3}
    """

    name = "at_most"
    words = "at most"
    symbol = "<="
    compare = operator.le


@register
class Present(FieldCondition):
    """The field has a value: not null, not the empty string, not the empty list.

    Example:

        present: {field: closes_issues}
    """

    name = "present"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field"],
        "properties": {"field": FIELD},
    }

    def describe(self) -> str:
        return f"{self.field} is present"

    def evaluate(self, value: Any) -> bool:
        return not (value is None or (isinstance(value, str | list) and len(value) == 0))

    def compile(self) -> Predicate:
        get = self.get

        def holds(activity: Mapping[str, Any]) -> bool:
            value = get(activity)
            return value is not None and value != "" and value != []

        return holds

    def emit(self, code: Emitter) -> str:
        value = code.field(self.field)
        return f"({value} is not None and {value} != '' and {value} != [])"
