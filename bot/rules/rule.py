"""A checked rule, ready to match: its compiled condition, earner and summary template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.rules.conditions import Condition, Predicate
from bot.rules.examples import Example
from bot.rules.explain import shorten
from bot.rules.fields import getter
from bot.rules.template import Template
from bot.rules.window import Window

ACTOR = "actor"
EARNERS = ("actor", "mr_author", "issue_author")


def _always(activity: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True, eq=False)
class Rule:
    """One rule from a rule file, as ``rules check`` accepted it.

    ``digest`` is the SHA-256 of the rule's definition without its examples (canonical JSON):
    it changes exactly when what the rule matches or says changes.
    """

    id: str
    description: str
    expectations: tuple[str, ...]
    kinds: tuple[str, ...]
    earner: str
    summary: str
    window: Window | None
    file: str
    line: int
    digest: str
    when: Condition | None = field(default=None, repr=False)
    template: Template = field(default_factory=lambda: Template("", ()), repr=False)
    examples: tuple[Example, ...] = field(default=(), repr=False)
    test: Predicate = field(default=_always, repr=False)

    @classmethod
    def build(
        cls,
        *,
        id: str,
        description: str,
        expectations: tuple[str, ...],
        kinds: tuple[str, ...],
        earner: str,
        template: Template,
        window: Window | None,
        when: Condition | None,
        file: str,
        line: int,
        digest: str,
        examples: tuple[Example, ...] = (),
    ) -> Rule:
        """A rule with its condition compiled, together with the earner being known."""
        test = _compiled(when, earner)
        return cls(
            id=id,
            description=description,
            expectations=expectations,
            kinds=kinds,
            earner=earner,
            summary=template.text,
            window=window,
            file=file,
            line=line,
            digest=digest,
            when=when,
            template=template,
            examples=examples,
            test=test,
        )

    def compile(self) -> Predicate:
        """A fresh ``test``: after the rule's conditions joined a rule set's text screens."""
        return _compiled(self.when, self.earner)

    def _earner(self, activity: Mapping[str, Any]) -> Any:
        return getter(self.earner)(activity)

    def earner_of(self, activity: Mapping[str, Any]) -> str | None:
        """Who earns the evidence: the actor, or the username in the ``earner`` field."""
        if self.earner == ACTOR:
            username = activity.get("actor_username")
        else:
            username = self._earner(activity)
        return username if isinstance(username, str) and username else None

    def checks(self, activity: Mapping[str, Any], *, brief: bool = False) -> list[dict[str, Any]]:
        """The explanation's checks: the kind, the ``when`` condition's, and the earner's when
        it is a field (the evidence needs someone to go to).

        The kind comes first so that even a rule without ``when`` says what it matched on.
        ``brief`` (for an activity the rule matched, as stored with its evidence) gives of each
        ``any`` only the first condition that held: why it matched, without every alternative
        that did not (``ladder-bot explain`` shows those).
        """
        kind = activity.get("kind")
        found = [
            {
                "condition": "kind",
                "field": "kind",
                "text": "kind is " + " or ".join(self.kinds),
                "seen": kind,
                "held": kind in self.kinds,
            }
        ]
        if self.when is not None:
            found.append(self.when.brief(activity) if brief else self.when.explain(activity))
        if self.earner != ACTOR:
            value = self._earner(activity)
            found.append(
                {
                    "condition": "earner",
                    "field": self.earner,
                    "text": f"{self.earner} is known (the evidence goes to them)",
                    "seen": shorten(value),
                    "held": isinstance(value, str) and bool(value),
                }
            )
        return found


def _compiled(when: Condition | None, earner: str) -> Predicate:
    test = when.compile() if when is not None else _always
    if earner != ACTOR:
        test = _with_earner(test, getter(earner))
    return test


def _with_earner(test: Predicate, earner: Any) -> Predicate:
    def holds(activity: Mapping[str, Any]) -> bool:
        if not test(activity):
            return False
        username = earner(activity)
        return isinstance(username, str) and bool(username)

    return holds


def window_check(rule: Rule, activity: Mapping[str, Any]) -> dict[str, Any]:
    """A window rule's last check: whether the activity has a value to count towards it."""
    assert rule.window is not None
    window = rule.window
    value = getter(window.distinct)(activity)
    return {
        "condition": "window",
        "field": window.distinct,
        "text": (
            f"{window.distinct} counts towards {window.at_least} distinct values "
            f"within {window.days} days"
        ),
        "seen": shorten(value),
        "held": value is not None and value != "",
    }
