"""The lines a unified diff shows: what the fake knows of a file's content.

The fake keeps no repository, only each merge request's ``/diffs``; a file's line is known where
a hunk shows it (context or added), which is where reviewers comment and suggest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@functools.lru_cache(maxsize=4096)
def _new_side(text: str) -> tuple[tuple[int, str], ...]:
    lines: list[tuple[int, str]] = []
    number = 0
    for row in text.split("\n"):
        hunk = _HUNK.match(row)
        if hunk:
            number = int(hunk.group(1))
        elif number and row[:1] in (" ", "+"):
            lines.append((number, row[1:]))
            number += 1
    return tuple(lines)


def new_side(text: str) -> dict[int, str]:
    """Line number -> text on the new side of a unified diff (context and added lines).

    >>> new_side("@@ -4,2 +4,3 @@\\n a\\n-b\\n+c\\n+d")
    {4: 'a', 5: 'c', 6: 'd'}
    """
    return dict(_new_side(text))


def shown_lines(diffs: Iterable[Mapping[str, Any]], path: Any) -> dict[int, str]:
    """The new-side lines of ``path`` that a merge request's ``/diffs`` items show: the ones a
    suggestion can replace, and the only ones the offline GitLab knows."""
    for diff in diffs:
        if diff.get("new_path") == path:
            return new_side(str(diff.get("diff") or ""))
    return {}
