"""A set of checked rules, indexed by kind: matching, explaining, and window rules.

``match`` is the hot path (``ladder-bot match --rebuild`` runs it over every stored activity):
it runs the one generated function of the activity's kind (``bot.rules.codegen``), which
decides which rules match and works out, for each of those, earner, summary and explanation.
The rules' text conditions share one RE2 screen per text field (``bot.rules.screen``), so a
field is scanned once for all of its patterns, and one element index per list field
(``bot.rules.items``), so each distinct path or label is tested once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.rules.codegen import (
    Emitter,
    KindMatcher,
    compile_kind,
    evidence_expression,
    rule_expression,
)
from bot.rules.explain import shorten, why
from bot.rules.fields import getter
from bot.rules.rule import Rule, window_check
from bot.rules.screen import Screens
from bot.rules.texts import Compactor, expand, texts_of
from bot.rules.window import completed_windows


class Match(NamedTuple):
    """Evidence a rule found: who earned it, for which expectations, and why.

    A named tuple: a rebuild makes hundreds of thousands, and a tuple is the cheapest
    immutable record to make.
    """

    rule: str
    expectations: tuple[str, ...]
    earner: str  # username
    activity_key: str
    summary: str
    why: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    """One rule's answer for one activity, matched or not, with the checks behind it.

    For a window rule, ``matched`` says whether the activity counts towards a window (its
    conditions hold and it has a value to count); whether a window completes depends on the
    person's other activities (``RuleSet.match_window``).
    """

    rule: str
    matched: bool
    why: dict[str, Any]


class RuleSet:
    """Rules ready to match, indexed by the kinds they list."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        screens = Screens()
        for rule in self.rules:
            if rule.when is not None:
                rule.when.screen(screens)
        # Plain rules match per kind; window rules count a person's activities with one
        # generated test per kind (``_counting_test``).
        every: dict[str, list[Rule]] = {}
        plain: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for kind in rule.kinds:
                every.setdefault(kind, []).append(rule)
                if rule.window is None:
                    plain.setdefault(kind, []).append(rule)
        self._every = {kind: tuple(rules) for kind, rules in every.items()}
        self._plain = {kind: tuple(rules) for kind, rules in plain.items()}
        self._kinds: dict[str, KindMatcher] = {}  # compiled on first use (``_compiled``)
        self._windows = tuple(rule for rule in self.rules if rule.window is not None)
        self._window_kinds = frozenset(kind for rule in self._windows for kind in rule.kinds)
        self._counting: dict[str, KindMatcher] = {}  # compiled on first use (``_counting_test``)
        self._by_id = {rule.id: rule for rule in self.rules}
        # Each rule's fixed texts: ``match`` gives explanations without them
        # (``bot.rules.texts``); ``whole`` puts them back.
        self.texts = {rule.id: Compactor(texts_of(rule)) for rule in self.rules}
        self._texts = {c.texts.key: c.texts for c in self.texts.values()}

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        """The rule called ``rule_id``, if any."""
        return self._by_id.get(rule_id)

    def match(self, activity: Mapping[str, Any]) -> list[Match]:
        """Evidence from the rules without a window that match ``activity``; each ``why``
        in its short form (``whole`` gives it whole)."""
        matcher = self._kinds.get(activity["kind"])
        if matcher is None:
            matcher = self._compiled(activity["kind"])
        return matcher(activity)

    def _compiled(self, kind: str) -> KindMatcher:
        """The generated function of ``kind``: the evidence of each of its plain rules that
        matches, from one reading of the activity (``bot.rules.codegen``). Compiled when the
        kind is first met, so loading a rule set to check or explain costs none of it."""
        rules = self._plain.get(kind, ())
        code = Emitter()
        expressions = [rule_expression(rule, code) for rule in rules]
        results = [evidence_expression(rule, code, Match, self.texts[rule.id]) for rule in rules]
        matcher = self._kinds[kind] = compile_kind(rules, expressions, code, results)
        return matcher

    def whole(self, why: Mapping[str, Any]) -> dict[str, Any]:
        """An explanation ``match`` or ``match_window`` gave, with its rule's texts put back:
        as ``Rule.checks`` gives it."""
        return expand(why, self._texts)

    def explain(self, activity: Mapping[str, Any]) -> list[Verdict]:
        """Every rule listing the activity's kind, matched or not, with every check."""
        verdicts = []
        for rule in self._every.get(activity.get("kind", ""), ()):
            checks = rule.checks(activity)
            if rule.window is not None:
                checks.append(window_check(rule, activity))
            matched = all(check["held"] for check in checks)
            verdicts.append(Verdict(rule.id, matched, why(rule.id, rule.description, checks)))
        return verdicts

    def window_rules(self) -> tuple[Rule, ...]:
        """The rules matched over a person's activities over time (``match_window``)."""
        return self._windows

    def match_window(self, rule: Rule, activities: Sequence[Mapping[str, Any]]) -> list[Match]:
        """Evidence from ``rule``'s completed windows over one person's activities.

        ``activities`` are one person's activities of the rule's kinds, oldest first (others
        are skipped). One match per completed window, on the activity that completed it.
        """
        if rule.window is None:
            raise ValueError(f"rule {rule.id!r} has no window")
        return self.match_windows((rule,), activities)

    def match_windows(
        self, rules: Sequence[Rule], activities: Sequence[Mapping[str, Any]]
    ) -> list[Match]:
        """``match_window`` for each of ``rules`` (window rules of this set) in turn, each
        activity tested once for all of them: one generated test per kind answers which of
        its window rules the activity counts towards."""
        counting: dict[str, list[Mapping[str, Any]]] = {rule.id: [] for rule in rules}
        tests = self._counting
        for activity in activities:
            kind = activity.get("kind")
            test = tests.get(kind) if isinstance(kind, str) else None
            if test is None:
                if not isinstance(kind, str) or kind not in self._window_kinds:
                    continue
                test = self._counting_test(kind)
            for rule_id in test(activity):
                counted = counting.get(rule_id)
                if counted is not None:
                    counted.append(activity)
        matches = []
        for rule in rules:
            matches += self._completed(rule, counting[rule.id])
        return matches

    def _counting_test(self, kind: str) -> KindMatcher:
        """The generated test of ``kind``: the ids of its window rules an activity counts
        towards (their conditions hold and the earner is known), in rule order. Compiled on
        first use, then kept."""
        known = self._counting.get(kind)
        if known is not None:
            return known
        rules = [rule for rule in self._windows if kind in rule.kinds]
        code = Emitter()
        expressions = [rule_expression(rule, code) for rule in rules]
        results = [code.const(rule.id) for rule in rules]
        test = self._counting[kind] = compile_kind(rules, expressions, code, results)
        return test

    def _completed(self, rule: Rule, counting: Sequence[Mapping[str, Any]]) -> list[Match]:
        """Evidence from the windows ``counting`` (what counts towards them) completes."""
        window = rule.window
        assert window is not None
        matches = []
        for done in completed_windows(window, counting, getter(window.distinct)):
            activity = done.activity
            checks = [*rule.checks(activity), window_check(rule, activity)]
            about = {
                "days": window.days,
                "distinct": [shorten(value) for value in done.values],
                "activities": list(done.keys),
            }
            summary = rule.template.render(
                activity, {"distinct": len(done.values), "days": window.days}
            )
            matches.append(
                Match(
                    rule=rule.id,
                    expectations=rule.expectations,
                    earner=rule.earner_of(activity) or "",
                    activity_key=str(activity.get("key", "")),
                    summary=summary,
                    why=self.texts[rule.id].compact(why(rule.id, rule.description, checks, about)),
                )
            )
        return matches
