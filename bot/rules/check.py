"""Checking rule files: every problem in every file at once, then the rules themselves.

The checks run in layers, so that one mistake gives one message rather than a cascade:

1. YAML: syntax, duplicate keys, unsupported tags (``source``);
2. structure: unknown keys (with a "did you mean"), missing keys, wrong types;
3. each condition: its name (did you mean), its arguments against its JSON-Schema fragment,
   then its own semantic checks (the regex compiles, the globs are globs, the field is carried
   by every listed kind and has a type the condition can use, values fit that type);
4. across the rule: kinds, expectations, the earner, the window, summary placeholders,
   examples; across files: duplicate rule ids.

Nothing here raises on bad input: ``check_rules`` returns problems, whatever the files hold.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from bot.activities.kinds import KIND_NAMES
from bot.rules.conditions import REGISTRY, Condition
from bot.rules.examples import Example, parse_examples
from bot.rules.fields import Scope
from bot.rules.problem import (
    Problem,
    RulesInvalid,
    closest,
    index_path,
    join_path,
    kind_of,
    suggest,
)
from bot.rules.rule import ACTOR, EARNERS, Rule
from bot.rules.ruleset import RuleSet
from bot.rules.source import Source, read_source
from bot.rules.template import Template, parse_template, placeholder_problems
from bot.rules.window import Window

TOP_KEYS = ("rules",)
RULE_KEYS = (
    "id",
    "description",
    "expectations",
    "kinds",
    "when",
    "window",
    "earner",
    "summary",
    "examples",
)
REQUIRED_KEYS = ("id", "expectations", "kinds", "summary")
WINDOW_KEYS = ("days", "distinct", "at_least")
RULE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_CONDITION_DEPTH = 32
# Types a window can count distinct values of: one value per activity, compared exactly.
DISTINCT_TYPES = frozenset({"str", "int"})

_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
    "array": "a list",
    "object": "a mapping",
}


def check_rules(paths: Sequence[Path], expectation_ids: Collection[str]) -> list[Problem]:
    """Every problem in the rule files at ``paths``, in file and line order (empty when none).

    Files are read in name order; a duplicate rule id is reported where it repeats, naming the
    first. Never raises, whatever the files hold.
    """
    return _Checker(expectation_ids).run(paths)[0]


def load_rules(paths: Sequence[Path], expectation_ids: Collection[str]) -> RuleSet:
    """The rules in ``paths``, ready to match; ``RulesInvalid`` lists every problem if any."""
    problems, rules = _Checker(expectation_ids).run(paths)
    if problems:
        raise RulesInvalid(problems)
    return RuleSet(rules)


class _Checker:
    """Checks a set of files; remembers rule ids across them."""

    def __init__(self, expectation_ids: Collection[str]) -> None:
        self.expectations = frozenset(e for e in expectation_ids if isinstance(e, str))
        self.first_ids: dict[str, str] = {}

    def run(self, paths: Iterable[Path]) -> tuple[list[Problem], list[Rule]]:
        problems: list[Problem] = []
        rules: list[Rule] = []
        for path in sorted(dict.fromkeys(Path(p) for p in paths), key=str):
            source = Source(str(path))
            try:
                source = read_source(path)
                rules += _FileChecker(self, source).rules()
            except Exception as error:  # a checker bug must not hide the file's other problems
                source.problems.append(
                    Problem(source.file, 1, "", f"internal error while checking: {error!r}")
                )
            problems += sorted(source.problems, key=lambda problem: problem.line)
        return problems, rules


class _FileChecker:
    """Checks one file's data, reporting into its ``Source``."""

    def __init__(self, checker: _Checker, source: Source) -> None:
        self.checker = checker
        self.source = source

    # -- reporting ------------------------------------------------------------------------

    def report(self, path: str, message: str, key: str | None = None) -> None:
        """A problem at ``path``; with ``key``, a problem with that key of the mapping at
        ``path``: on the key's line, at the mapping's path."""
        line = self.source.line(path if key is None else join_path(path, key))
        self.source.problems.append(Problem(self.source.file, line, path, message))

    def unknown_keys(self, data: dict[str, Any], path: str, known: Sequence[str]) -> bool:
        clean = True
        for key in data:
            if key not in known:
                self.report(path, f"unknown key {key!r}{suggest(key, known)}", key=key)
                clean = False
        return clean

    # -- the file and its rules -------------------------------------------------------------

    def rules(self) -> list[Rule]:
        data = self.source.data
        if data is None:
            if not self.source.problems:
                self.report("", "the file is empty: expected a mapping with a 'rules' list")
            return []
        if not isinstance(data, dict):
            self.report("", f"expected a mapping with a 'rules' list, got {kind_of(data)}")
            return []
        self.unknown_keys(data, "", TOP_KEYS)
        if "rules" not in data:
            self.report("", "missing 'rules' (a list of rules)")
            return []
        items = data["rules"]
        if not isinstance(items, list):
            self.report("rules", f"expected a list of rules, got {kind_of(items)}")
            return []
        built = [self.rule(item, index_path("rules", index)) for index, item in enumerate(items)]
        return [rule for rule in built if rule is not None]

    def rule(self, item: Any, path: str) -> Rule | None:
        if not isinstance(item, dict):
            self.report(path, f"expected a rule (a mapping), got {kind_of(item)}")
            return None
        before = len(self.source.problems)
        self.unknown_keys(item, path, RULE_KEYS)
        for key in REQUIRED_KEYS:
            if key not in item:
                self.report(path, f"missing {key!r}")
        rule_id = self.rule_id(item, path)
        description = self.text(item, path, "description")
        expectations = self.names(item, path, "expectations", self.checker.expectations)
        kinds = self.names(item, path, "kinds", KIND_NAMES)
        scope = Scope(kinds)
        earner = self.earner(item, path, scope)
        when = None
        if "when" in item:
            when = self.condition(item["when"], join_path(path, "when"), scope, 0)
        window = self.window(item, path, scope)
        template = self.summary(item, path, scope)
        examples: list[Example] = []
        if "examples" in item:
            examples = parse_examples(
                item["examples"],
                rule_id=rule_id or "rule",
                kinds=kinds,
                window="window" in item,
                path=join_path(path, "examples"),
                report=self.report,
                line=self.source.line,
            )
        if len(self.source.problems) > before or rule_id is None or template is None:
            return None
        return Rule.build(
            id=rule_id,
            description=description,
            expectations=expectations,
            kinds=kinds,
            earner=earner,
            template=template,
            window=window,
            when=when,
            file=self.source.file,
            line=self.source.line(path),
            digest=_digest(item),
            examples=tuple(examples),
        )

    def rule_id(self, item: dict[str, Any], path: str) -> str | None:
        if "id" not in item:
            return None
        value, at = item["id"], join_path(path, "id")
        if not isinstance(value, str):
            self.report(at, f"expected a rule id (a string), got {kind_of(value)}")
            return None
        if not RULE_ID.fullmatch(value):
            self.report(
                at,
                f"{value!r} is not a rule id: lower-case letters, digits and '-', "
                "starting with a letter or digit",
            )
            return None
        first = self.checker.first_ids.get(value)
        if first is not None:
            self.report(at, f"duplicate rule id {value!r} (first defined at {first})")
            return None
        self.checker.first_ids[value] = f"{self.source.file}:{self.source.line(at)}"
        return value

    def text(self, item: dict[str, Any], path: str, key: str) -> str:
        value = item.get(key, "")
        if not isinstance(value, str):
            self.report(join_path(path, key), f"expected a string, got {kind_of(value)}")
            return ""
        return value

    def names(
        self, item: dict[str, Any], path: str, key: str, known: Collection[str]
    ) -> tuple[str, ...]:
        """A list of expectation ids or kinds; unknown or repeated ones are problems."""
        if key not in item:
            return ()
        what = key.removesuffix("s")
        value, at = item[key], join_path(path, key)
        if not isinstance(value, list):
            self.report(at, f"expected a list of {key}, got {kind_of(value)}")
            return ()
        if not value:
            self.report(at, f"needs at least one {what}")
        names: list[str] = []
        for index, name in enumerate(value):
            here = index_path(at, index)
            if not isinstance(name, str):
                self.report(here, f"expected {what} (a string), got {kind_of(name)}")
            elif name in names:
                self.report(here, f"{what} {name!r} is listed twice")
            else:
                names.append(name)
                if name not in known:
                    self.report(here, f"unknown {what} {name!r}{suggest(name, known)}")
        return tuple(names)

    def earner(self, item: dict[str, Any], path: str, scope: Scope) -> str:
        value, at = item.get("earner", ACTOR), join_path(path, "earner")
        if not isinstance(value, str) or value not in EARNERS:
            choices = ", ".join(EARNERS)
            got = repr(value) if isinstance(value, str) else kind_of(value)
            self.report(at, f"earner must be one of {choices}, got {got}{suggest(value, EARNERS)}")
            return ACTOR
        if value != ACTOR:
            resolved = scope.resolve(value)
            if isinstance(resolved, str):
                self.report(at, f"earner {value!r}: {resolved}")
        return value

    def window(self, item: dict[str, Any], path: str, scope: Scope) -> Window | None:
        if "window" not in item:
            return None
        value, at = item["window"], join_path(path, "window")
        if not isinstance(value, dict):
            self.report(
                at, f"expected a mapping of days, distinct and at_least, got {kind_of(value)}"
            )
            return None
        clean = self.unknown_keys(value, at, WINDOW_KEYS)
        for key in WINDOW_KEYS:
            if key not in value:
                self.report(at, f"missing {key!r}")
                clean = False
        days, at_least, distinct = value.get("days"), value.get("at_least"), value.get("distinct")
        if "days" in value and not _whole(days, 1):
            self.report(
                join_path(at, "days"), f"expected a whole number of days, 1 or more, got {days!r}"
            )
            clean = False
        if "at_least" in value and not _whole(at_least, 2):
            self.report(
                join_path(at, "at_least"),
                f"expected a whole number, 2 or more (1 would be every activity: use when), "
                f"got {at_least!r}",
            )
            clean = False
        if "distinct" in value:
            resolved = scope.resolve(distinct)
            if isinstance(resolved, str):
                self.report(join_path(at, "distinct"), resolved)
                clean = False
            elif not resolved.bases() <= DISTINCT_TYPES:
                self.report(
                    join_path(at, "distinct"),
                    f"a window counts distinct values of a string or whole-number field; "
                    f"{distinct!r} is {resolved.describe()}",
                )
                clean = False
        if not clean:
            return None
        assert isinstance(days, int) and isinstance(at_least, int) and isinstance(distinct, str)
        return Window(days=days, distinct=distinct, at_least=at_least)

    def summary(self, item: dict[str, Any], path: str, scope: Scope) -> Template | None:
        if "summary" not in item:
            return None
        value, at = item["summary"], join_path(path, "summary")
        if not isinstance(value, str):
            self.report(at, f"expected a summary template (a string), got {kind_of(value)}")
            return None
        if not value.strip():
            self.report(at, "the summary is empty")
            return None
        template, problems = parse_template(value)
        problems += placeholder_problems(template, scope, window="window" in item)
        for message in problems:
            self.report(at, message)
        return None if problems else template

    # -- conditions -------------------------------------------------------------------------

    def condition(self, data: Any, path: str, scope: Scope, depth: int) -> Condition | None:
        if depth > MAX_CONDITION_DEPTH:
            self.report(path, f"conditions nested more than {MAX_CONDITION_DEPTH} deep")
            return None
        if not isinstance(data, dict):
            self.report(
                path,
                f"expected a condition (a mapping with one key, the condition's name), "
                f"got {kind_of(data)}",
            )
            return None
        if len(data) != 1:
            if not data:
                self.report(path, "empty condition: expected one key, the condition's name")
            else:
                names = ", ".join(repr(name) for name in data)
                self.report(
                    path,
                    f"a condition has exactly one key, its name; got {len(data)}: {names} "
                    "(combine conditions with all or any)",
                )
            return None
        [(name, args)] = data.items()
        kind = REGISTRY.get(name)
        if kind is None:
            self.report(path, f"unknown condition {name!r}{suggest(name, REGISTRY)}")
            return None
        at = join_path(path, name)
        if kind.takes_conditions == "list":
            if not isinstance(args, list):
                self.report(at, f"{name} takes a list of conditions, got {kind_of(args)}")
                return None
            if not args:
                self.report(at, f"{name} needs at least one condition")
                return None
            children = [
                self.condition(child, index_path(at, index), scope, depth + 1)
                for index, child in enumerate(args)
            ]
            if any(child is None for child in children):
                return None
            return self._placed(kind(args, [c for c in children if c is not None]), at)
        if kind.takes_conditions == "one":
            if isinstance(args, list):
                self.report(
                    at, f"{name} takes one condition, not a list (wrap several in all or any)"
                )
                return None
            child = self.condition(args, at, scope, depth + 1)
            return None if child is None else self._placed(kind(args, [child]), at)
        findings = _argument_problems(name, args)
        condition = None if findings else kind(args)
        if condition is not None:
            findings = condition.problems(scope)
        for where, message in findings:
            self.report(join_path(at, where) if where else at, message)
        return None if findings or condition is None else self._placed(condition, at)

    def _placed(self, condition: Condition, path: str) -> Condition:
        condition.line = self.source.line(path)
        return condition


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _digest(item: dict[str, Any]) -> str:
    definition = {key: value for key, value in item.items() if key != "examples"}
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(REGISTRY[name].schema)


def _argument_problems(name: str, args: Any) -> list[tuple[str, str]]:
    """The arguments' schema violations, in words, each at its path within the arguments."""
    schema = REGISTRY[name].schema
    if not isinstance(args, dict):
        keys = ", ".join(schema.get("properties", {}))
        return [("", f"expected {name}'s arguments as a mapping ({keys}), got {kind_of(args)}")]
    found: list[tuple[str, str]] = []
    errors = sorted(_validator(name).iter_errors(args), key=lambda e: _where(e.absolute_path))
    for error in errors:
        where = _where(error.absolute_path)
        found += [(where, message) for message in _messages(error)]
    if not found:  # the usual case: no look for near misses (a rules library makes hundreds)
        return found
    # A misspelt argument is one mistake: "did you mean 'x'?" says what "missing 'x'" would.
    meant = {closest(key, schema.get("properties", {})) for key in args}
    return [
        (where, message)
        for where, message in found
        if not (
            where == ""
            and message.startswith("missing argument")
            and message.removeprefix("missing argument ").strip("'") in meant
        )
    ]


def _where(steps: Iterable[Any]) -> str:
    where = ""
    for step in steps:
        where = index_path(where, step) if isinstance(step, int) else join_path(where, step)
    return where


def _messages(error: ValidationError) -> list[str]:
    instance: Any = error.instance
    expected: Any = error.validator_value
    properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties":
        return [
            f"unknown argument {key!r}{suggest(key, properties)}"
            for key in instance
            if key not in properties
        ]
    if error.validator == "required":
        return [f"missing argument {key!r}" for key in expected if key not in instance]
    if error.validator == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return [f"expected {words}, got {kind_of(instance)}"]
    if error.validator == "minItems":
        return [f"needs at least {expected} item{'s' if expected != 1 else ''}"]
    if error.validator == "minLength":
        return ["must not be empty"]
    if error.validator == "minimum":
        return [f"must be at least {expected}, got {instance!r}"]
    if isinstance(error.schema, dict) and "errorMessage" in error.schema:
        return [str(error.schema["errorMessage"])]
    return [error.message]
