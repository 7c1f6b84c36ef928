"""Compiling all of a kind's rules into one Python function, for ``RuleSet.match``.

A merged MR meets some thirty rules. As closures, each condition costs a call or two and each
field read another; generated code reads every field once into a local and inlines each
condition as an expression, so the rules cost little more than their comparisons and regular
expression searches. This is the technique ``fastjsonschema`` uses for JSON Schemas.

Nothing from a rule file is ever written into the source: field names, values, patterns and
compiled helpers are passed in as constants (``k0``, ``k1``…), and the source is assembled only
from the conditions' own templates, so a rule file cannot inject code. Conditions without an
``emit`` of their own call their compiled closure (``Condition.emit``). The generated function
answers exactly as the rules' closures do (a Hypothesis test compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.rules.explain import MAX_CHARS, shorten
from bot.rules.fields import ATTRIBUTES, CONTEXT_PREFIX

if TYPE_CHECKING:
    from bot.rules.rule import Rule
    from bot.rules.screen import FieldScreen, ItemsScreen

KindMatcher = Callable[[Mapping[str, Any]], list[Any]]


class Emitter:
    """What a condition's ``emit`` may use: field locals, constants, and the activity ``a``."""

    ACTIVITY = "a"

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}
        self._ids: dict[int, str] = {}
        self.fields: dict[str, str] = {}  # field name → local variable
        self.screens: dict[int, tuple[str, str]] = {}  # id(screen) → (local, its field local)

    def const(self, value: Any) -> str:
        """The name under which the generated code sees ``value``."""
        name = self._ids.get(id(value))
        if name is None:
            name = self._ids[id(value)] = f"k{len(self.constants)}"
            self.constants[name] = value
        return name

    def field(self, name: str) -> str:
        """The local holding field ``name`` (read once, before the first rule)."""
        local = self.fields.get(name)
        if local is None:
            local = self.fields[name] = f"v{len(self.fields)}"
        return local

    def candidates(self, screen: FieldScreen | ItemsScreen, field: str) -> str:
        """An expression for ``screen.candidates(field's value)``, worked out on first use
        (a local starting as None). The field must be a string (a list, for a list screen)
        where the expression is evaluated."""
        entry = self.screens.get(id(screen))
        if entry is None:
            entry = self.screens[id(screen)] = (f"h{len(self.screens)}", self.field(field))
            self.const(screen)  # keeps it alive, so its id stays its own
        local, value = entry
        work = self.const(screen.candidates)
        return f"({local} if {local} is not None else ({local} := {work}({value})))"

    def local(self, stem: str) -> str:
        """A fresh local variable name (``m0``, ``m1``…)."""
        self._locals = getattr(self, "_locals", 0) + 1
        return f"{stem}{self._locals}"

    def seen(self, value: str) -> str:
        """An expression for ``shorten(value)``, skipping the call for short plain values."""
        return (
            f"({value} if {value} is None or type({value}) is bool or type({value}) is int "
            f"or (type({value}) is str and len({value}) <= {MAX_CHARS}) "
            f"else {self.const(shorten)}({value}))"
        )

    def call(self, function: Callable[[Mapping[str, Any]], Any]) -> str:
        """An expression calling ``function`` (a predicate, an explanation) on the activity."""
        return f"{self.const(function)}({self.ACTIVITY})"

    def prologue(self) -> list[str]:
        """The lines reading every field used, as the field getters do."""
        lines = []
        for name, local in self.fields.items():
            key = self.const(name.removeprefix(CONTEXT_PREFIX))
            if name in ATTRIBUTES:
                lines.append(f"{local} = a.get({key})")
            elif name.startswith(CONTEXT_PREFIX):
                lines.append(f"{local} = a['context'].get({key})")
            else:
                lines.append(f"{local} = a['fields'].get({key})")
        lines += [f"{local} = None" for local, _value in self.screens.values()]
        return lines


def compile_kind(rules: Sequence[Rule], expressions: Sequence[str], code: Emitter) -> KindMatcher:
    """One function returning, of ``rules``, those whose expression holds, in order."""
    body = [f"    {line}" for line in code.prologue()]
    body.append("    out = []")
    for rule, expression in zip(rules, expressions, strict=True):
        body.append(f"    if {expression}:")
        body.append(f"        out.append({code.const(rule)})")
    body.append("    return out")
    source = "def kind_matcher(a):\n" + "\n".join(body) + "\n"
    namespace: dict[str, Any] = dict(code.constants)
    exec(compile(source, "<rules>", "exec"), namespace)
    matcher: KindMatcher = namespace["kind_matcher"]
    matcher.__doc__ = source  # for debugging: the generated source
    return matcher


Why = Callable[[Mapping[str, Any]], dict[str, Any]]


def compile_why(rule: Rule) -> Why:
    """``why(rule.id, rule.description, rule.checks(a, brief=True))`` as one function."""
    code = Emitter()
    checks = [
        "{'condition': 'kind', 'field': 'kind', "
        f"'text': {code.const('kind is ' + ' or '.join(rule.kinds))}, "
        f"'seen': kind, 'held': kind in {code.const(rule.kinds)}}}"
    ]
    if rule.when is not None:
        checks.append(rule.when.emit_explain(code, brief=True))
    if rule.earner != "actor":
        earner = code.field(rule.earner)
        checks.append(
            f"{{'condition': 'earner', 'field': {code.const(rule.earner)}, "
            f"'text': {code.const(f'{rule.earner} is known (the evidence goes to them)')}, "
            f"'seen': {code.const(shorten)}({earner}), "
            f"'held': isinstance({earner}, str) and {earner} != ''}}"
        )
    body = [f"    {line}" for line in code.prologue()]
    body.append("    kind = a.get('kind')")
    body.append(
        f"    return {{'rule': {code.const(rule.id)}, "
        f"'description': {code.const(rule.description)}, 'checks': [{', '.join(checks)}]}}"
    )
    source = "def why(a):\n" + "\n".join(body) + "\n"
    namespace: dict[str, Any] = dict(code.constants)
    exec(compile(source, "<rules>", "exec"), namespace)
    function: Why = namespace["why"]
    function.__doc__ = source
    return function


def rule_expression(rule: Rule, code: Emitter) -> str:
    """The expression for one rule: its condition, and its earner being known."""
    expression = rule.when.emit(code) if rule.when is not None else "True"
    if rule.earner != "actor":
        earner = code.field(rule.earner)
        expression = f"({expression} and isinstance({earner}, str) and {earner} != '')"
    return expression
