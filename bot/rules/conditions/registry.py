"""The condition registry: every condition a rule may use, registered by name.

A condition class carries everything about itself (cloud-custodian style): its ``name``, a
JSON-Schema fragment for its arguments, a docstring whose first paragraph describes it and whose
``Example:`` block is a YAML example, a plain-English ``describe()`` reused by explanations, the
semantic checks ``rules check`` runs, and ``compile()`` into a closure for the fast path.

``evaluate`` (leaf conditions) is the reference meaning, used by ``explain``; ``compile`` may
specialise for speed but must agree with it (a Hypothesis test compares the two).
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from bot.rules.explain import shorten
from bot.rules.fields import FieldType, Scope, getter

if TYPE_CHECKING:
    from bot.rules.codegen import Emitter
    from bot.rules.screen import Screens

Predicate = Callable[[Mapping[str, Any]], bool]
Finding = tuple[str, str]  # (path relative to the condition's arguments, message)

REGISTRY: dict[str, type[Condition]] = {}

FIELD: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "description": "A field name: a computed field, `context.<key>` or an attribute.",
}

# What a pattern or a list of globs stands for, shown in explanations in its place
# (``matches``, ``count``, ``paths``): a regular expression tells a rule's author what it
# finds, not an engineer reading a digest.
MEANS: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 100,
    "pattern": "^[^\\n]*$",
    "description": "What the pattern finds, in a few words (`a reason for the change`): "
    "explanations show it in place of the pattern.",
    "errorMessage": "must be one line of at most 100 characters",
}

_C = TypeVar("_C", bound="type[Condition]")


def register(cls: _C) -> _C:
    """Class decorator: make ``cls`` available to rules under ``cls.name``."""
    if cls.name in REGISTRY:
        raise ValueError(f"condition {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls


class Condition(ABC):
    """One condition of a rule, with arguments already checked against ``schema``."""

    name: ClassVar[str]
    schema: ClassVar[dict[str, Any]]
    # "list" (all, any), "one" (not) for conditions over conditions; None for field conditions.
    takes_conditions: ClassVar[str | None] = None

    def __init__(self, args: Any, children: Sequence[Condition] = ()) -> None:
        self.args = args
        self.children = tuple(children)
        self._text: str | None = None
        # Where the condition is written (its name's line in the rule file), for messages that
        # point an author at it; 0 when it was not read from a file.
        self.line = 0

    @property
    def cost(self) -> float:
        """A rough price of evaluating it, for ordering: ``all`` and ``any`` try cheap
        conditions first (a comparison before a path glob before a regular expression), which
        changes no answer, since conditions have no side effects, only how soon it is known."""
        known: float | None = getattr(self, "_cost", None)
        if known is not None:
            return known
        pattern = self.args.get("pattern") if isinstance(self.args, Mapping) else None
        if self.children:
            known = sum(child.cost for child in self.children)
        elif isinstance(pattern, str):
            known = 10 + len(pattern) / 20
        else:
            known = 5 if self.name == "paths" else 1
        self._cost = known
        return known

    @property
    def text(self) -> str:
        """``describe()``, worked out once: explanations repeat it for every match."""
        if self._text is None:
            self._text = self.describe()
        return self._text

    @classmethod
    def description(cls) -> str:
        """The docstring up to its ``Example:`` block."""
        doc = inspect.cleandoc(cls.__doc__ or "")
        return doc.split("\nExample:", 1)[0].strip()

    @classmethod
    def example(cls) -> str:
        """The docstring's YAML example: one condition, as it appears under ``when:``."""
        doc = inspect.cleandoc(cls.__doc__ or "")
        if "\nExample:" not in doc:
            return ""
        return inspect.cleandoc(doc.split("\nExample:", 1)[1]) + "\n"

    @abstractmethod
    def describe(self) -> str:
        """Plain English, e.g. ``description_words is at least 40``."""

    @abstractmethod
    def compile(self) -> Predicate:
        """A closure answering "does it hold?" for an activity, as fast as we can make it."""

    @abstractmethod
    def explain(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        """The check's entry in ``why``: condition, text, held, and the value seen."""

    def brief(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        """``explain``, keeping of an ``any`` only the condition that made it hold."""
        return self.explain(activity)

    @property
    def cheapest_first(self) -> tuple[Condition, ...]:
        """The children in the order ``all`` and ``any`` try them (see ``cost``)."""
        order: tuple[Condition, ...] | None = getattr(self, "_order", None)
        if order is None:
            order = self._order = tuple(sorted(self.children, key=lambda child: child.cost))
        return order

    @property
    def predicate(self) -> Predicate:
        """``compile()``, once."""
        test: Predicate | None = getattr(self, "_predicate", None)
        if test is None:
            test = self._predicate = self.compile()
        return test

    def problems(self, scope: Scope) -> list[Finding]:
        """What is wrong with the arguments beyond their schema, for these kinds."""
        return []

    def emit(self, code: Emitter) -> str:
        """A Python expression for ``compile()``'s answer on the activity ``a`` (see
        ``bot.rules.codegen``); by default, a call of the compiled closure."""
        return code.call(self.compile())

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        """A Python expression for ``brief(a)`` or ``explain(a)``; by default, a call.

        ``brief`` is only ever evaluated where the rule is known to have matched (under its
        own decision in the generated function), so every entry on the brief path holds:
        an expression may write ``True`` rather than test again."""
        return code.explained(code.call(self.brief if brief else self.explain))

    def emit_refuted(self, code: Emitter) -> str:
        """``emit_explain(code, brief=False)``, where the condition is known not to hold (it
        is what a ``not`` on the brief path negates): a leaf may write ``False`` rather
        than test again."""
        return self.emit_explain(code, brief=False)

    def forget_compiled(self) -> None:
        """Drop the cached ``predicate`` (after joining screens, compiling gives another)."""
        vars(self).pop("_predicate", None)

    def screen(self, screens: Screens) -> None:
        """Take part in ``screens`` (see ``bot.rules.screen``); ``compile`` afterwards uses
        them. Only conditions searching text take part; the others pass it to their children."""
        for child in self.children:
            child.screen(screens)


class FieldCondition(Condition):
    """A condition on one field's value: the reference meaning is ``evaluate(value)``."""

    # Base types (without ``| null``) the field may have; None accepts any.
    accepts: ClassVar[frozenset[str] | None] = None
    needs: ClassVar[str] = ""  # "a number field", for the message when ``accepts`` fails
    default_field: ClassVar[str | None] = None

    def __init__(self, args: Any, children: Sequence[Condition] = ()) -> None:
        super().__init__(args, children)
        self.field: str = args.get("field", self.default_field)
        self.get = getter(self.field)

    @abstractmethod
    def evaluate(self, value: Any) -> bool:
        """Whether the condition holds for the field's ``value`` (None when absent)."""

    def details(self, value: Any) -> dict[str, Any]:
        """Extra entries for ``why`` beside ``seen`` (e.g. what a pattern found)."""
        return {}

    def judge(self, value: Any) -> tuple[bool, dict[str, Any]]:
        """``evaluate`` and ``details`` together (a condition may work both out at once)."""
        return self.evaluate(value), self.details(value)

    def seen(self, value: Any) -> Any:
        """What ``why`` shows as the value seen."""
        return shorten(value)

    def compile(self) -> Predicate:
        get, evaluate = self.get, self.evaluate

        def holds(activity: Mapping[str, Any]) -> bool:
            return evaluate(get(activity))

        return holds

    def explain(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        return self.explainer(self.get(activity))

    def explainer(self, value: Any) -> dict[str, Any]:
        """``explain`` given the field's value (generated explanations read fields once)."""
        held, details = self.judge(value)
        entry: dict[str, Any] = {
            "condition": self.name,
            "field": self.field,
            "text": self.text,
            "seen": self.seen(value),
            "held": held,
        }
        if details:
            entry.update(details)
        return entry

    def emit_explain(self, code: Emitter, *, brief: bool) -> str:
        if not self._plain():
            return self._explainer(code)
        # The entry written out, with the test inlined (``compile`` agrees with ``evaluate``);
        # on the brief path it holds (see ``Condition.emit_explain``).
        return self._entry(code, "True" if brief else self.emit(code))

    def emit_refuted(self, code: Emitter) -> str:
        if not self._plain():
            return super().emit_refuted(code)
        return self._entry(code, "False")

    def _explainer(self, code: Emitter) -> str:
        """A call of ``explainer`` on the field, in the form ``code`` writes entries."""
        return code.explained(f"{code.const(self.explainer)}({code.field(self.field)})")

    def _plain(self) -> bool:
        """Whether the entry is ``explainer``'s with nothing but ``evaluate`` for ``held``."""
        cls = type(self)
        return (
            cls.judge is FieldCondition.judge
            and cls.details is FieldCondition.details
            and cls.seen is FieldCondition.seen
        )

    def _entry(
        self,
        code: Emitter,
        held: str,
        more: Sequence[tuple[str, str]] = (),
        seen: str | None = None,
        optional: tuple[str, str, str] | None = None,
    ) -> str:
        """``explainer``'s entry written out (``Emitter.entry``), with ``held`` as given (an
        expression), ``more`` items after it (``("found", …)``), ``optional`` last, and
        ``seen`` if the condition shows something other than the field's value."""
        if seen is None:
            seen = code.seen(code.field(self.field))
        items = [("seen", seen), ("held", held), *more]
        return code.entry(self.name, self.field, self.text, items, optional)

    def problems(self, scope: Scope) -> list[Finding]:
        resolved = scope.resolve(self.field)
        if isinstance(resolved, str):
            return [("field", resolved)]
        if self.accepts is not None and not resolved.bases() <= self.accepts:
            return [
                (
                    "field",
                    f"{self.name} needs {self.needs}; {self.field!r} is {resolved.describe()}",
                )
            ]
        return self.value_problems(resolved)

    def value_problems(self, field: FieldType) -> list[Finding]:
        """Checks of the other arguments against the field's type."""
        return []
