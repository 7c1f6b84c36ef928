"""Count the machine instructions the rules spend per activity, under callgrind.

Run with ``.venv/bin/python benchmarks/rules_instructions.py [--count 10000] [--offset 10000]``
(needs ``valgrind``; about two and a half minutes). ``benchmarks/rules_bench.py`` times the evaluator, and
its figures move with the machine: passes of the same code over the same activities have
ranged over ±30% within minutes on a shared machine. An instruction count does not move: it is
the same for the same code, inputs and interpreter whatever else the machine is doing, so it is
the measure to compare two versions of the evaluator by, even on different days.

1. The generated team of ``rules_bench.py`` (20 people x 52 weeks, seed 1) is synced through the
   offline GitLab, as there, and its 40,541 activities are written to a work file.
2. Two children run under ``valgrind --tool=callgrind``, each with the shipped rules loaded and
   the garbage collector set as ``ladder-bot match`` sets it. Each makes one warm-up pass of
   ``RuleSet.match`` over every activity (compiling each kind's function, teaching the element
   indexes, letting RE2 build its automata), uncounted. Then it runs the measured loop over
   activities ``offset`` to ``offset + count`` inside ``eval``, and callgrind counts only what
   runs under ``builtin_eval`` (``--toggle-collect``):
   - ``rules``: ``RuleSet.match`` on each activity, explanations included;
   - ``floor``: the bare loop of ``rules_bench.py`` that only reads each activity's kind.
3. It prints both counts, per activity, and their ratio.

With ``--against REV`` it also counts the rules loop with the rule files of commit ``REV``
(``git show``; today's evaluator and ladder, the same activities), and prints the ratio: what a
change of the rules costs, told apart from the machine's noise, which in timed passes on a
shared machine can exceed 10% between two runs of the same rules.
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TOGGLE = "builtin_eval*"


def _rules(match: Any, chunk: list[dict[str, Any]]) -> int:
    matched = 0
    for activity in chunk:
        matched += len(match(activity))
    return matched


def _floor(match: Any, chunk: list[dict[str, Any]]) -> int:
    # ``rules_bench.py``'s floor, as it runs there.
    kinds: Counter[str] = Counter()
    for activity in chunk:
        kinds[activity["kind"]] += 1
    return len(kinds)


LOOPS = {"rules": _rules, "floor": _floor}


def child(kind: str, data: Path, offset: int, count: int, rules: Path) -> None:
    from bot.evidence.memory import rarer_collections
    from bot.ladder import load_ladder
    from bot.rules import load_rules

    ladder = load_ladder(ROOT / "ladder.yaml")
    ruleset = load_rules(sorted(rules.glob("*.yaml")), list(ladder.expectations))
    activities: list[dict[str, Any]] = pickle.loads(data.read_bytes())
    chunk = activities[offset : offset + count]
    with rarer_collections():
        for activity in activities:
            ruleset.match(activity)
        # Only what runs under ``builtin_eval`` is counted (``--toggle-collect``).
        result = eval(
            "loop(match, chunk)", {"loop": LOOPS[kind], "match": ruleset.match, "chunk": chunk}
        )
    print(result)


def rules_of(revision: str, into: Path) -> Path:
    """The rule files of ``revision`` (``git show``), written into ``into``."""
    into.mkdir()
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", revision, "rules/"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        if name.endswith(".yaml"):
            shown = subprocess.run(
                ["git", "show", f"{revision}:{name}"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            (into / Path(name).name).write_text(shown.stdout, encoding="utf-8")
    return into


def counted(
    kind: str, data: Path, offset: int, count: int, work: Path, rules: Path = ROOT / "rules"
) -> int:
    out = work / f"callgrind.{kind}.{rules.name}"
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        f"--toggle-collect={TOGGLE}",
        sys.executable,
        __file__,
        "--child",
        kind,
        "--data",
        str(data),
        "--offset",
        str(offset),
        "--count",
        str(count),
        "--rules",
        str(rules),
    ]
    subprocess.run(command, check=True, capture_output=True)
    for line in out.read_text().splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise SystemExit(f"{out}: no totals line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="activities counted")
    parser.add_argument("--offset", type=int, default=10_000, help="first activity counted")
    parser.add_argument(
        "--against", metavar="REV", help="also count the rule files of this commit, same inputs"
    )
    parser.add_argument("--child", choices=sorted(LOOPS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.offset, args.count, args.rules)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("rules_instructions.py needs valgrind (apt install valgrind)")

    from rules_bench import machine, synced_activities

    work = Path(tempfile.mkdtemp(prefix="rules-instructions-"))
    try:
        _, activities = synced_activities(work)
        chunk = activities[args.offset : args.offset + args.count]
        if not chunk:
            raise SystemExit(f"--offset {args.offset}: only {len(activities):,} activities")
        data = work / "activities.pickle"
        data.write_bytes(pickle.dumps(activities))
        rules = counted("rules", data, args.offset, len(chunk), work)
        floor = counted("floor", data, args.offset, len(chunk), work)
        other = None
        if args.against:
            then = rules_of(args.against, work / "against")
            other = counted("rules", data, args.offset, len(chunk), work, then)
    finally:
        shutil.rmtree(work)
    first, last = args.offset, args.offset + len(chunk) - 1
    print(f"machine: {machine()}")
    print(f"## Instructions (callgrind), activities {first:,} to {last:,} after a warm-up pass")
    print(f"  RuleSet.match: {rules:,} ({rules / len(chunk):,.0f} per activity)")
    print(
        f"  a loop that only reads the kind: {floor:,} ({floor / len(chunk):,.0f} per activity;"
        f" ratio {rules / floor:.1f}x)"
    )
    if other is not None:
        print(
            f"  RuleSet.match with the rules of {args.against}: {other:,}"
            f" ({other / len(chunk):,.0f} per activity); now / then: {rules / other:.3f}"
        )


if __name__ == "__main__":
    main()
