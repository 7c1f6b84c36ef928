"""What a merge request changes, from its ``GET …/merge_requests/:iid/diffs`` items.

The items of the deprecated ``/changes`` endpoint's ``changes`` list have the same shape and
work too. Line counts come from the ``diff`` text: ``+`` and ``-`` lines after the first hunk
header, so ``---``/``+++`` file headers (present with ``unidiff=true``) are not counted while
an added line that happens to start with ``++`` is. A diff GitLab left empty (too large, binary,
collapsed) counts zero lines; the file still counts as changed.

A sync may store counts instead of diff text (diffs are most of a sync's bytes): an item
without ``diff`` but with integer ``added`` and ``removed`` keys uses those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.activities.payloads import PayloadError, flag


def line_counts(diff: str) -> tuple[int, int]:
    """(added, removed) lines of one file's diff text: ``+`` and ``-`` lines from the first
    hunk header (``@@`` at the start of a line) on; file headers before it do not count.

    Counted with ``str.count`` rather than line by line: a sync counts every changed line of
    every merge request, and this was a tenth of its fetching time.
    """
    first = 0 if diff.startswith("@@") else diff.find("\n@@")
    if first < 0:
        return 0, 0
    body = diff[first:]
    return body.count("\n+"), body.count("\n-")


def changed_files(diffs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One JSON object per changed file: paths, GitLab's flags, added and removed lines."""
    files: list[dict[str, Any]] = []
    for index, item in enumerate(diffs):
        new_path, old_path = item.get("new_path"), item.get("old_path")
        if not isinstance(new_path, str) or not isinstance(old_path, str):
            raise PayloadError(f"diffs[{index}]: missing 'new_path' or 'old_path'")
        added, removed = _counts(item)
        files.append(
            {
                "path": new_path,
                "old_path": old_path,
                "new_file": flag(item, "new_file"),
                "deleted_file": flag(item, "deleted_file"),
                "renamed_file": flag(item, "renamed_file"),
                "generated_file": flag(item, "generated_file"),
                "added": added,
                "removed": removed,
            }
        )
    return files


def _counts(item: Mapping[str, Any]) -> tuple[int, int]:
    diff, added, removed = item.get("diff"), item.get("added"), item.get("removed")
    if isinstance(diff, str):
        return line_counts(diff)
    if isinstance(added, int) and isinstance(removed, int):
        return added, removed
    return 0, 0


def changed_paths(files: Sequence[Mapping[str, Any]]) -> list[str]:
    """The path each file has after the change; a deleted file's old path."""
    return [file["old_path"] if file["deleted_file"] else file["path"] for file in files]
