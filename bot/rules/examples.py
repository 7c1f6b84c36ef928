"""Activities written by hand, in rule examples and fixture files.

A sample names only what matters to the rule; everything else gets a neutral default (an
empty string or list, zero, false, null where the type allows it). Its keys are those of a
stored activity::

    fields: {description_words: 120, description: "## Why ..."}   # declared fields of its kind
    context: {iid: 7}                                             # context keys of its subject
    kind: merge_request_merged      # default: the rule's first kind (required in fixtures)
    occurred_at: "2026-01-01T10:00:00Z"
    actor_username: ana             # also key, actor_id, project_id, project_path, url,
                                    # subject_iid, confidential
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.activities.kinds import CONTEXT, FIELDS, KIND_NAMES, TYPES, field_names, kind
from bot.rules.explain import literal
from bot.rules.problem import index_path, join_path, kind_of, suggest


class Report(Protocol):
    """Where problems go: at ``path``, or at ``key`` of the mapping at ``path`` (its line)."""

    def __call__(self, path: str, message: str, key: str | None = None) -> None: ...


DEFAULT_TIME = datetime(2026, 1, 1, tzinfo=UTC)
SAMPLE_KEYS: dict[str, str] = {
    "key": "str",
    "kind": "str",
    "actor_id": "int",
    "actor_username": "str",
    "occurred_at": "time",
    "project_id": "int",
    "project_path": "str",
    "url": "str",
    "subject_iid": "int | null",
    "confidential": "bool",
    "fields": "mapping",
    "context": "mapping",
}
_DEFAULTS: dict[str, Any] = {
    "str": "",
    "int": 0,
    "float": 0.0,
    "bool": False,
}
_FIELD_TYPES = {f.name: f.type for f in FIELDS}
_TYPE_WORDS = {
    "str": "a string",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "list[str]": "a list of strings",
    "list[object]": "a list of mappings",
}


@dataclass(frozen=True)
class Example:
    """One example of a rule: its activities (one, or a person's sequence for window rules)."""

    expect: str  # "match" or "no_match"
    index: int
    line: int
    activities: tuple[dict[str, Any], ...]

    @property
    def path(self) -> str:
        return f"examples.{self.expect}[{self.index}]"


def default(type_name: str) -> Any:
    """The neutral value of a declared type."""
    if type_name.endswith(" | null"):
        return None
    if type_name.startswith("list["):
        return []
    return _DEFAULTS[type_name]


def type_words(type_name: str) -> str:
    """``int | null`` -> "a whole number or null"."""
    words = _TYPE_WORDS.get(type_name.removesuffix(" | null"), type_name)
    return words + " or null" if type_name.endswith(" | null") else words


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (None when it is not one)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def sample_activity(
    data: Any,
    *,
    kinds: Sequence[str],
    default_kind: str | None,
    key: str,
    path: str,
    report: Report,
) -> dict[str, Any] | None:
    """The activity ``data`` describes, or None after reporting what is wrong with it."""
    if not isinstance(data, dict):
        report(path, f"expected an activity (a mapping with fields), got {kind_of(data)}")
        return None
    ok = True
    for name in data:
        if name not in SAMPLE_KEYS:
            report(path, f"unknown key {name!r}{suggest(name, SAMPLE_KEYS)}", key=name)
            ok = False
    kind_name = data.get("kind", default_kind)
    if kind_name is None:
        report(path, "missing 'kind'")
        return None
    if not isinstance(kind_name, str):
        report(join_path(path, "kind"), f"expected a kind (a string), got {kind_of(kind_name)}")
        return None
    if kind_name not in KIND_NAMES:
        report(
            join_path(path, "kind"), f"unknown kind {kind_name!r}{suggest(kind_name, KIND_NAMES)}"
        )
        return None
    if kind_name not in kinds:
        listed = ", ".join(kinds)
        report(join_path(path, "kind"), f"kind {kind_name!r} is not one of the rule's: {listed}")
        return None
    declared = kind(kind_name)
    for name, type_name in SAMPLE_KEYS.items():
        if name in ("fields", "context", "kind") or name not in data:
            continue
        if not _fits(type_name, data[name]):
            value = data[name]
            got = literal(value) if type_name == "time" else kind_of(value)
            report(join_path(path, name), f"expected {_expected(type_name)}, got {got}")
            ok = False
    fields = _values(
        data.get("fields", {}),
        {name: _FIELD_TYPES[name] for name in field_names(kind_name)},
        f"field of kind {kind_name!r}",
        join_path(path, "fields"),
        report,
    )
    context = _values(
        data.get("context", {}),
        {c.name: c.type for c in CONTEXT[declared.subject_type]},
        f"context key of {declared.subject_type!r}",
        join_path(path, "context"),
        report,
    )
    if fields is None or context is None or not ok:
        return None
    username = data.get("actor_username", "someone")
    iid = data.get("subject_iid", context.get("iid") if _fits("int", context.get("iid")) else 1)
    return {
        "key": data.get("key", key),
        "kind": kind_name,
        "actor_id": data.get("actor_id", 1),
        "actor_username": username,
        "occurred_at": parse_time(data.get("occurred_at")) or DEFAULT_TIME,
        "project_id": data.get("project_id", 1),
        "project_path": data.get("project_path", "group/project"),
        "url": data.get("url", f"https://gitlab.example.com/group/project/-/{key}"),
        "subject_type": declared.subject_type,
        "subject_iid": iid,
        "context": context,
        "fields": fields,
        "confidential": data.get("confidential", False),
    }


def _fits(type_name: str, value: Any) -> bool:
    if type_name == "time":
        return parse_time(value) is not None
    if type_name == "mapping":
        return isinstance(value, dict)
    return bool(TYPES[type_name](value))


def _expected(type_name: str) -> str:
    if type_name == "time":
        return 'an ISO 8601 time with a zone, e.g. "2026-01-01T10:00:00Z"'
    if type_name == "mapping":
        return "a mapping"
    return type_words(type_name)


def _values(
    given: Any, declared: Mapping[str, str], what: str, path: str, report: Report
) -> dict[str, Any] | None:
    if not isinstance(given, dict):
        report(path, f"expected a mapping, got {kind_of(given)}")
        return None
    ok = True
    for name, value in given.items():
        if name not in declared:
            report(path, f"{name!r} is not a {what}{suggest(name, declared)}", key=name)
            ok = False
        elif not TYPES[declared[name]](value):
            words = type_words(declared[name])
            report(join_path(path, name), f"expected {words}, got {kind_of(value)}")
            ok = False
    if not ok:
        return None
    return {name: given[name] if name in given else default(t) for name, t in declared.items()}


def parse_examples(
    data: Any,
    *,
    rule_id: str,
    kinds: Sequence[str],
    window: bool,
    path: str,
    report: Report,
    line: Callable[[str], int],
) -> list[Example]:
    """The examples under a rule's ``examples`` key; problems go to ``report``."""
    if not isinstance(data, dict):
        report(path, f"expected a mapping with match and no_match lists, got {kind_of(data)}")
        return []
    examples: list[Example] = []
    for name in data:
        if name not in ("match", "no_match"):
            report(path, f"unknown key {name!r}{suggest(name, ('match', 'no_match'))}", key=name)
    known = [k for k in kinds if k in KIND_NAMES]
    for expect in ("match", "no_match"):
        if expect not in data:
            continue
        items = data[expect]
        items_path = join_path(path, expect)
        if not isinstance(items, list):
            report(items_path, f"expected a list of examples, got {kind_of(items)}")
            continue
        for index, item in enumerate(items):
            item_path = index_path(items_path, index)
            key = f"example:{rule_id}:{expect}:{index}"
            activities = _example_activities(
                item, known, window=window, key=key, path=item_path, report=report
            )
            if activities is not None:
                examples.append(Example(expect, index, line(item_path), tuple(activities)))
    return examples


def _example_activities(
    item: Any, kinds: Sequence[str], *, window: bool, key: str, path: str, report: Report
) -> list[dict[str, Any]] | None:
    if not kinds:  # the rule's kinds are all unknown: reported there
        return None
    default_kind = kinds[0]
    if not window:
        if isinstance(item, dict) and "activities" in item:
            report(path, "'activities' is for window rules: write the activity's fields here")
            return None
        activity = sample_activity(
            item, kinds=kinds, default_kind=default_kind, key=key, path=path, report=report
        )
        return None if activity is None else [activity]
    if not isinstance(item, dict) or set(item) != {"activities"}:
        report(path, "a window rule's example is a mapping with one key, 'activities': a list")
        return None
    listed = item["activities"]
    listed_path = join_path(path, "activities")
    if not isinstance(listed, list) or not listed:
        report(listed_path, f"expected a non-empty list of activities, got {kind_of(listed)}")
        return None
    activities = [
        sample_activity(
            one,
            kinds=kinds,
            default_kind=default_kind,
            key=f"{key}:{index}",
            path=index_path(listed_path, index),
            report=report,
        )
        for index, one in enumerate(listed)
    ]
    built = [a for a in activities if a is not None]
    return built if len(built) == len(activities) else None
