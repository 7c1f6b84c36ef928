"""``ladder-bot explain URL``: every rule's verdict on one merge request, note or issue.

Explanations are computed from the stored activities and the current rules, so they answer
"why is (or isn't) this evidence?" for the rules as they are now, with the values seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import BotError
from bot.evidence.matcher import _COLUMNS, _NAMES
from bot.evidence.people import Earners
from bot.ladder import Ladder
from bot.rules import RuleSet
from bot.rules.conditions import Condition
from bot.rules.rule import Rule
from bot.store.models import Activity, Evidence


class NothingToExplain(BotError):
    """No stored activity has the URL asked about."""


def activities_at(session: Session, url: str) -> list[dict[str, Any]]:
    """The stored activities whose link is ``url`` (a trailing ``/`` is ignored)."""
    wanted = url.strip().rstrip("/")
    rows = session.execute(
        select(*_COLUMNS)
        .where(Activity.url.in_([wanted, wanted + "/"]))
        .order_by(Activity.occurred_at, Activity.key)
    )
    return [dict(zip(_NAMES, row, strict=True)) for row in rows]


def explain_url(
    session: Session, ruleset: RuleSet, ladder: Ladder, earners: Earners, url: str
) -> str:
    activities = activities_at(session, url)
    if not activities:
        raise NothingToExplain(
            f"no stored activity links to {url}: is it synced (ladder-bot sync), and is it a "
            "merge request, issue or note URL (notes end in #note_N)?"
        )
    stored = {
        (row.activity_key, row.rule, row.expectation)
        for row in session.execute(
            select(Evidence.activity_key, Evidence.rule, Evidence.expectation).where(
                Evidence.activity_key.in_([a["key"] for a in activities])
            )
        )
    }
    blocks = [_explain_one(a, ruleset, ladder, earners, stored) for a in activities]
    return "\n\n".join(blocks) + "\n"


def _explain_one(
    activity: Mapping[str, Any],
    ruleset: RuleSet,
    ladder: Ladder,
    earners: Earners,
    stored: set[tuple[str, str, str]],
) -> str:
    when = activity["occurred_at"].strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"{activity['kind']} by @{activity['actor_username']} on {when}: {activity['url']}"]
    verdicts = ruleset.explain(activity)
    for verdict in verdicts:
        rule = ruleset.get(verdict.rule)
        if rule is None:
            continue
        if rule.window is not None:
            # A window rule's verdict says whether this activity counts towards a window;
            # whether one completed here is in the stored evidence.
            kept = any((activity["key"], rule.id, e) in stored for e in rule.expectations)
            counts = "counts towards" if verdict.matched else "does not count towards"
            state = "and completed one here" if kept else "none completed here"
            mark = "✓" if kept else "·" if verdict.matched else "✗"
            lines.append(f"  {mark} {rule.id} (window rule: {counts} a window; {state})")
            lines.extend(_targets(rule.expectations, ladder))
            lines.extend(_checks(verdict.why.get("checks", []), 3, _sources(rule)))
            continue
        mark = "✓" if verdict.matched else "✗"
        lines.append(f"  {mark} {rule.id}")
        lines.extend(_targets(rule.expectations, ladder))
        lines.extend(_checks(verdict.why.get("checks", []), 3, _sources(rule)))
        if verdict.matched:
            earner = rule.earner_of(activity) or ""
            kept = any((activity["key"], rule.id, e) in stored for e in rule.expectations)
            if not earners.may_earn(earner):
                lines.append(
                    f"      no evidence for @{earner}: not on the ladder, opted out, or a bot"
                )
            elif not kept:
                lines.append("      not stored yet: run `ladder-bot match`")
    others = sum(1 for rule in ruleset.rules if activity["kind"] not in rule.kinds)
    if others:
        lines.append(f"  ({others} other rules look at other kinds of activity)")
    return "\n".join(lines)


def _targets(expectations: Sequence[str], ladder: Ladder) -> list[str]:
    lines = []
    for expectation_id in expectations:
        expectation = ladder.expectations.get(expectation_id)
        text = f": {expectation.text}" if expectation is not None else ""
        lines.append(f"      → {expectation_id}{text}")
    return lines


def _sources(rule: Rule) -> tuple[Condition | None, ...]:
    """The conditions behind a verdict's checks, in their order: the kind check, then the
    rule's condition (the checks after those, earner and window, have none)."""
    return (None,) if rule.when is None else (None, rule.when)


def _checks(
    checks: Sequence[Mapping[str, Any]],
    depth: int,
    sources: Sequence[Condition | None] = (),
) -> list[str]:
    """The checks as indented lines. ``sources`` are the conditions behind them, in order
    (every check of a whole explanation, children too, follows its condition's order): where
    a condition says what its pattern finds in words (`means`), the line under it gives the
    pattern itself, which is what the rule's author needs here."""
    lines = []
    pad = "  " * depth
    for index, check in enumerate(checks):
        source = sources[index] if index < len(sources) else None
        mark = "✓" if check.get("held") else "✗"
        text = str(check.get("text") or check.get("condition") or "")
        seen = ""
        if "seen" in check and not check.get("checks"):
            among = f" among {_shown(check['elements'])}" if check.get("elements") else ""
            seen = f" (seen {_shown(check['seen'])}{among})"
        lines.append(f"{pad}{mark} {text}{seen}")
        written = _written(source)
        if written:
            lines.append(f"{pad}    {written}")
        children = source.children if source is not None else ()
        lines.extend(_checks(check.get("checks") or [], depth + 1, children))
    return lines


def _written(condition: Condition | None) -> str:
    """The pattern or globs a condition with `means` stands for, as the rule file writes them."""
    args = condition.args if condition is not None else None
    if not isinstance(args, Mapping) or "means" not in args:
        return ""
    if "pattern" in args:
        return f"pattern: /{args['pattern']}/"
    if "matching" in args:
        return f"matching: /{args['matching']}/"
    if "globs" in args:
        return "globs: " + ", ".join(str(glob) for glob in args["globs"])
    return ""


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    return str(value)
