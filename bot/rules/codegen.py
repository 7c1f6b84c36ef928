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

The same function turns each rule that matched into its evidence (``evidence_expression``):
earner, summary and explanation, from the locals already read, equal to what the rule's
reference methods give (tests compare them). The explanation is written in its short form,
without the rule's fixed texts (``bot.rules.texts``): each check's entry begins with its
number in the texts (``Emitter.entry``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.rules.explain import MAX_CHARS, shorten
from bot.rules.fields import ATTRIBUTES, CONTEXT_PREFIX
from bot.rules.template import UNTIDY, text, tidy

if TYPE_CHECKING:
    from bot.rules.items import ItemIndex
    from bot.rules.rule import Rule
    from bot.rules.screen import FieldScreen
    from bot.rules.texts import Compactor

KindMatcher = Callable[[Mapping[str, Any]], list[Any]]
_FITS = 10 ** (MAX_CHARS - 2)  # an int within ±this has at most MAX_CHARS - 1 characters


class Emitter:
    """What a condition's ``emit`` may use: field locals, constants, and the activity ``a``."""

    ACTIVITY = "a"

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}
        self._ids: dict[int, str] = {}
        self.fields: dict[str, str] = {}  # field name → local variable
        self.lazy: dict[Hashable, str] = {}  # id(screen or item index), or memo key → local
        # While a rule's explanation is written: its texts, so that entries are written short
        # (``bot.rules.texts``).
        self.texts: Compactor | None = None

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

    def candidates(self, screen: FieldScreen, field: str) -> str:
        """An expression for ``screen.candidates(field's value)``. The field must be a
        string where the expression is evaluated."""
        return self._once(screen, "h", screen.candidates, field)

    def union(self, index: ItemIndex, field: str) -> str:
        """An expression for ``index.union(field's value)`` (the bits of the element tests
        holding on some element). The field must be a list where the expression is
        evaluated."""
        return self._once(index, "u", index.union, field)

    def _once(self, owner: object, stem: str, work: Callable[[Any], Any], field: str) -> str:
        """``work(field's value)``, worked out on first use into a local starting as None,
        shared by every expression asking ``owner`` about the field."""
        local = self.lazy.get(id(owner))
        if local is None:
            local = self.lazy[id(owner)] = f"{stem}{len(self.lazy)}"
            self.const(owner)  # keeps it alive, so its id stays its own
        value = self.field(field)
        return f"({local} if {local} is not None else ({local} := {self.const(work)}({value})))"

    def memo(self, key: Hashable) -> str:
        """A local starting as None, in which what ``key`` names (say, a pattern's match in a
        field) is kept once worked out: for the other conditions asking the same, and for
        the explanation."""
        local = self.lazy.get(key)
        if local is None:
            local = self.lazy[key] = f"f{len(self.lazy)}"
        return local

    def entry(
        self,
        condition: str,
        field: str | None,
        text: str,
        items: Sequence[tuple[str, str]],
        optional: tuple[str, str, str] | None = None,
    ) -> str:
        """A check's entry as an expression: ``items`` (name, expression) after its fixed
        texts, and, with ``optional`` (name, expression, test), one more item when the test
        holds. While an explanation is written short, ``(n, name, value, …)``, ``n`` the
        check's number in the rule's texts (``bot.rules.texts``); else, and for a check the
        texts do not list, a dict as ``Condition.explain`` makes it."""
        number = self._number(condition, field, text)
        if number is not None:
            # The names are this code's own (seen, held, found…), written as literals.
            assert all(name.isidentifier() for name, _value in items)
            flat = "".join(f", {name!r}, {value}" for name, value in items)
            if optional is not None:
                name, value, test = optional
                assert name.isidentifier()
                flat += f", *(({name!r}, {value}) if {test} else ())"
            return f"({number}{flat})"
        head = _fixed(condition, field, text)
        shown = [f"{self.const(name)}: {self.const(value)}" for name, value in head.items()]
        shown += [f"{self.const(name)}: {value}" for name, value in items]
        if optional is not None:
            name, value, test = optional
            shown.append(f"**({{{self.const(name)}: {value}}} if {test} else {{}})")
        return "{" + ", ".join(shown) + "}"

    def held_group(self, condition: str, text: str, checks: str) -> str:
        """The entry of ``all``, ``any`` or ``not`` on the brief path: it holds, over
        ``checks`` (expressions of its children's entries, comma-separated)."""
        return self.entry(condition, None, text, [("held", "True"), ("checks", f"[{checks}]")])

    def head_items(self, condition: str, field: str | None, text: str) -> str:
        """The fixed part of an entry as a constant, for the helpers that build entries:
        ``(n,)`` while an explanation is written short, else a dict of the fixed texts."""
        number = self._number(condition, field, text)
        return self.const((number,) if number is not None else _fixed(condition, field, text))

    def _number(self, condition: str, field: str | None, text: str) -> int | None:
        """The check's number in the texts, while an explanation is written short."""
        return self.texts.number(condition, field, text) if self.texts is not None else None

    def explained(self, entry: str) -> str:
        """``entry`` (an expression giving a whole entry, such as a closure's) in the form
        entries are written in."""
        if self.texts is None:
            return entry
        return f"{self.const(self.texts.entry)}({entry})"

    def local(self, stem: str) -> str:
        """A fresh local variable name (``m0``, ``m1``…)."""
        self._locals = getattr(self, "_locals", 0) + 1
        return f"{stem}{self._locals}"

    def seen(self, value: str) -> str:
        """An expression for ``shorten(value)`` (``value`` a field's local), skipping the call
        for short plain values, worked out once per activity: explanations show the same
        field's value again and again."""
        kept = self.memo(("seen", value))
        shortened = (
            f"({value} if {value} is None or type({value}) is bool or type({value}) is int "
            f"or (type({value}) is str and len({value}) <= {MAX_CHARS}) "
            f"else {self.const(shorten)}({value}))"
        )
        return f"({kept} if {kept} is not None else ({kept} := {shortened}))"

    def short_text(self, text: str) -> str:
        """An expression for ``shorten(text)``, ``text`` an expression giving a string."""
        local = self.local("t")
        return (
            f"({local} if len({local} := {text}) <= {MAX_CHARS} "
            f"else {self.const(shorten)}({local}))"
        )

    def call(self, function: Callable[[Mapping[str, Any]], Any]) -> str:
        """An expression calling ``function`` (a predicate, an explanation) on the activity."""
        return f"{self.const(function)}({self.ACTIVITY})"

    def call_on(self, function: Callable[[Any], Any], value: str) -> str:
        """An expression calling ``function`` on ``value`` (a local or an expression)."""
        return f"{self.const(function)}({value})"

    def prologue(self) -> list[str]:
        """The lines reading every field used, as the field getters do."""
        lines = []
        names = self.fields
        if any(name not in ATTRIBUTES and not name.startswith(CONTEXT_PREFIX) for name in names):
            lines.append("fields = a['fields']")
        if any(name.startswith(CONTEXT_PREFIX) for name in names):
            lines.append("context = a['context']")
        for name, local in names.items():
            key = self.const(name.removeprefix(CONTEXT_PREFIX))
            if name in ATTRIBUTES:
                lines.append(f"{local} = a.get({key})")
            elif name.startswith(CONTEXT_PREFIX):
                lines.append(f"{local} = context.get({key})")
            else:
                lines.append(f"{local} = fields.get({key})")
        lines += [f"{local} = None" for local in self.lazy.values()]
        return lines


def _fixed(condition: str, field: str | None, text: str) -> dict[str, str]:
    """A whole entry's fixed items: its condition, field (if it has one) and text."""
    return {"condition": condition, **({} if field is None else {"field": field}), "text": text}


def compile_kind(
    rules: Sequence[Rule],
    expressions: Sequence[str],
    code: Emitter,
    results: Sequence[str] | None = None,
) -> KindMatcher:
    """One function returning, of ``rules``, those whose expression holds, in order; with
    ``results`` (expressions, one per rule, such as ``evidence_expression``), what each of
    those evaluates to instead, worked out with the same locals."""
    body = [f"    {line}" for line in code.prologue()]
    body.append("    kind = a.get('kind')")
    body.append("    out = []")
    for index, (rule, expression) in enumerate(zip(rules, expressions, strict=True)):
        body.append(f"    if {expression}:")
        body.append(
            f"        out.append({code.const(rule) if results is None else results[index]})"
        )
    body.append("    return out")
    return _define("kind_matcher", body, code)


def _define(name: str, body: list[str], code: Emitter) -> Callable[[Mapping[str, Any]], Any]:
    """The function ``name(a)`` with ``body`` (indented lines), seeing ``code``'s constants."""
    source = f"def {name}(a):\n" + "\n".join(body) + "\n"
    namespace: dict[str, Any] = dict(code.constants)
    exec(compile(source, "<rules>", "exec"), namespace)
    function: Callable[[Mapping[str, Any]], Any] = namespace[name]
    function.__doc__ = source  # for debugging: the generated source
    return function


def evidence_expression(
    rule: Rule, code: Emitter, make: type[tuple[Any, ...]], texts: Compactor
) -> str:
    """For a plain rule (no window) and an activity it matched: ``make(rule id, expectations,
    earner, activity key, summary, why)``, as ``RuleSet`` builds its ``Match`` (a named tuple),
    reading each field once; ``why`` in the short form of the rule's ``texts``."""
    if rule.earner == "actor":
        actor = code.field("actor_username")
        earner = f"({actor} if isinstance({actor}, str) and {actor} else '')"
    else:
        value = code.field(rule.earner)
        earner = f"({value} if isinstance({value}, str) and {value} else '')"
    key = code.local("key")
    parts = []
    for is_name, part in rule.template.parts:
        if not is_name:
            parts.append(code.const(part))
        else:
            value = code.field(part)
            # text() of a short string, or of an int (an iid: its digits fit), inline
            parts.append(
                f"({value} if type({value}) is str and len({value}) <= {MAX_CHARS} "
                f"else str({value}) if type({value}) is int and "
                f"{code.const(-_FITS)} < {value} < {code.const(_FITS)} "
                f"else {code.const(text)}({value}))"
            )
    summary = "''"
    if parts:
        # tidy() inline for the usual line, with nothing to collapse
        line = code.local("s")
        joined = f"({line} := ''.join(({', '.join(parts)},)))"  # bound by the first test
        first, *rest = UNTIDY
        untidy = " or ".join([f"{first!r} in {joined}", *(f"{mark!r} in {line}" for mark in rest)])
        summary = f"({line}.strip() if not ({untidy}) else {code.const(tidy)}({line}))"
    fields = (
        f"{code.const(rule.id)}, {code.const(rule.expectations)}, {earner}, "
        f"({key} if type({key} := a.get('key', '')) is str else str({key})), {summary}, "
        f"{_why(rule, code, texts)}"
    )
    # Made as ``tuple.__new__`` makes it: a named tuple's own ``__new__`` is Python code.
    return f"{code.const(tuple.__new__)}({code.const(make)}, ({fields}))"


def _why(rule: Rule, code: Emitter, texts: Compactor) -> str:
    """``why(rule.id, rule.description, rule.checks(a, brief=True))`` as an expression, in the
    short form of ``texts`` (``Compactor.compact`` of it)."""
    code.texts = texts
    try:
        kinds = "kind is " + " or ".join(rule.kinds)
        checks = [
            code.entry(
                "kind",
                "kind",
                kinds,
                [("seen", "kind"), ("held", f"kind in {code.const(rule.kinds)}")],
            )
        ]
        if rule.when is not None:
            checks.append(rule.when.emit_explain(code, brief=True))
        if rule.earner != "actor":
            earner = code.field(rule.earner)
            known = f"{rule.earner} is known (the evidence goes to them)"
            held = f"isinstance({earner}, str) and {earner} != ''"
            checks.append(
                code.entry(
                    "earner", rule.earner, known, [("seen", code.seen(earner)), ("held", held)]
                )
            )
    finally:
        code.texts = None
    head = f"'rule': {code.const(rule.id)}, 'texts': {code.const(texts.texts.key)}"
    return f"{{{head}, 'checks': [{', '.join(checks)}]}}"


def rule_expression(rule: Rule, code: Emitter) -> str:
    """The expression for one rule: its condition, and its earner being known."""
    expression = rule.when.emit(code) if rule.when is not None else "True"
    if rule.earner != "actor":
        earner = code.field(rule.earner)
        expression = f"({expression} and isinstance({earner}, str) and {earner} != '')"
    return expression
