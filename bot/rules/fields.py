"""What a field name in a rule means, for the kinds the rule lists.

A rule names values three ways (``docs/rules.md``, "Field names"):

- a computed field (``description_words``): declared in ``bot.activities.kinds`` for every
  listed kind, read from ``activity["fields"]``;
- ``context.<key>``: a context key of the listed kinds' subject types;
- an attribute of the activity itself (``kind``, ``actor_username``, ...).

Attributes win over a computed field of the same name: ``confidential`` is both, with the same
value on the issue kinds that carry the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.activities.kinds import CONTEXT, FIELDS, KIND_NAMES, field_names, kind
from bot.rules.problem import suggest

Getter = Callable[[Mapping[str, Any]], Any]

ATTRIBUTES: dict[str, tuple[str, str]] = {
    "kind": ("str", "The activity's kind."),
    "actor_username": ("str", "Who did it."),
    "project_path": ("str", "The project, as `group/project`."),
    "subject_type": ("str", "`merge_request`, `issue` or `pipeline`."),
    "confidential": (
        "bool",
        "From a confidential issue or an internal note: a posted comment redacts it.",
    ),
    "url": ("str", "The activity's GitLab page."),
}

CONTEXT_PREFIX = "context."

_FIELD_TYPES: dict[str, str] = {f.name: f.type for f in FIELDS}


@dataclass(frozen=True)
class FieldType:
    """What a name stands for: its declared types (one per subject type for context keys)."""

    name: str
    types: frozenset[str]
    source: str  # "attribute", "context" or "field"

    def bases(self) -> frozenset[str]:
        """The types without ``| null``."""
        return frozenset(base(t) for t in self.types)

    @property
    def nullable(self) -> bool:
        return any(t.endswith(" | null") for t in self.types)

    def describe(self) -> str:
        """The type as written in the registry, e.g. ``int | null``."""
        return " or ".join(sorted(self.types))


def base(type_name: str) -> str:
    """``int | null`` -> ``int``."""
    return type_name.removesuffix(" | null")


def all_names() -> list[str]:
    """Every name a rule may use for some kind: attributes, fields, ``context.*`` keys."""
    names = set(ATTRIBUTES) | set(_FIELD_TYPES)
    for keys in CONTEXT.values():
        names |= {CONTEXT_PREFIX + key.name for key in keys}
    return sorted(names)


class Scope:
    """The names a rule listing ``kinds`` may use, with their types.

    Unknown kinds are left out (the rule checker reports them on their own).
    """

    def __init__(self, kinds: Iterable[str], extra: Mapping[str, str] | None = None) -> None:
        self.kinds = tuple(k for k in dict.fromkeys(kinds) if k in KIND_NAMES)
        self.extra = dict(extra or {})

    def resolve(self, name: object) -> FieldType | str:
        """The type of ``name``, or a message saying why the listed kinds do not carry it."""
        if not isinstance(name, str):
            return "a field name must be a string"
        if name in self.extra:
            return FieldType(name, frozenset({self.extra[name]}), "template")
        if name in ATTRIBUTES:
            return FieldType(name, frozenset({ATTRIBUTES[name][0]}), "attribute")
        if name.startswith(CONTEXT_PREFIX):
            return self._context(name)
        if name not in _FIELD_TYPES:
            return f"unknown field {name!r}{suggest(name, [*all_names(), *self.extra])}"
        missing = [k for k in self.kinds if name not in field_names(k)]
        if missing:
            return f"field {name!r} is not carried by {_kinds(missing)}"
        return FieldType(name, frozenset({_FIELD_TYPES[name]}), "field")

    def _context(self, name: str) -> FieldType | str:
        key = name.removeprefix(CONTEXT_PREFIX)
        types: set[str] = set()
        missing: list[str] = []
        for kind_name in self.kinds:
            declared = {c.name: c.type for c in CONTEXT[kind(kind_name).subject_type]}
            if key in declared:
                types.add(declared[key])
            else:
                missing.append(kind_name)
        known = {c.name for keys in CONTEXT.values() for c in keys}
        if key not in known:
            return f"unknown context key {name!r}{suggest(name, all_names())}"
        if missing:
            return f"context key {name!r} is not carried by {_kinds(missing)}"
        if not types:  # no known kinds: the name exists somewhere, which is all we can say
            types = {c.type for keys in CONTEXT.values() for c in keys if c.name == key}
        return FieldType(name, frozenset(types), "context")


def _kinds(names: Sequence[str]) -> str:
    quoted = ", ".join(repr(n) for n in names)
    return f"kind {quoted}" if len(names) == 1 else f"kinds {quoted}"


@cache
def getter(name: str) -> Getter:
    """A fast reader of ``name`` from a stored activity mapping (None when absent)."""
    if name in ATTRIBUTES:

        def attribute(activity: Mapping[str, Any]) -> Any:
            return activity.get(name)

        return attribute
    if name.startswith(CONTEXT_PREFIX):
        key = name.removeprefix(CONTEXT_PREFIX)

        def context(activity: Mapping[str, Any]) -> Any:
            return activity["context"].get(key)

        return context

    def computed(activity: Mapping[str, Any]) -> Any:
        return activity["fields"].get(name)

    return computed
