"""Changed files and lines from ``/diffs`` items."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.activities.diffs import changed_files, changed_paths, line_counts
from bot.activities.payloads import PayloadError
from tests.activities.factories import example


def test_the_documented_diffs() -> None:
    files = changed_files(example("merge_request_diffs"))
    assert files == [
        {
            "path": "README",
            "old_path": "README",
            "new_file": False,
            "deleted_file": False,
            "renamed_file": False,
            "generated_file": False,
            "added": 1,
            "removed": 1,
        },
        {
            "path": "VERSION",
            "old_path": "VERSION",
            "new_file": False,
            "deleted_file": False,
            "renamed_file": False,
            "generated_file": False,
            "added": 1,
            "removed": 1,
        },
    ]


@pytest.mark.parametrize(
    ("diff", "counts"),
    [
        ("@@ -1,2 +1,3 @@\n context\n+one\n+two\n-three", (2, 1)),
        ("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new", (1, 1)),  # unidiff headers
        ("@@ -0,0 +1 @@\n+++ an added line that starts with ++", (1, 0)),
        ("@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y", (1, 1)),
        ("@@ -1,3 +1,2 @@\n a\n-b\n c\n@@ -10 +9,2 @@\n+d\n+e", (2, 1)),
        ("", (0, 0)),
        ("Binary files a/x.png and b/x.png differ", (0, 0)),
    ],
)
def test_line_counts_skip_headers(diff: str, counts: tuple[int, int]) -> None:
    assert line_counts(diff) == counts


def test_new_deleted_renamed_and_generated_files() -> None:
    diffs = [
        {"old_path": "db/m.py", "new_path": "db/m.py", "new_file": True, "diff": "@@\n+a"},
        {"old_path": "old.md", "new_path": "old.md", "deleted_file": True, "diff": "@@\n-a\n-b"},
        {"old_path": "a.py", "new_path": "b.py", "renamed_file": True, "diff": ""},
        {"old_path": "poetry.lock", "new_path": "poetry.lock", "generated_file": True},
    ]
    files = changed_files(diffs)
    assert [(f["new_file"], f["deleted_file"], f["renamed_file"]) for f in files[:3]] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert files[2]["old_path"] == "a.py" and files[2]["path"] == "b.py"
    assert files[3]["generated_file"] and (files[3]["added"], files[3]["removed"]) == (0, 0)
    assert changed_paths(files) == ["db/m.py", "old.md", "b.py", "poetry.lock"]


def test_a_deleted_file_keeps_its_old_path() -> None:
    diffs = [{"old_path": "lib/gone.py", "new_path": "x", "deleted_file": True, "diff": ""}]
    assert changed_paths(changed_files(diffs)) == ["lib/gone.py"]


def test_counts_stored_instead_of_diff_text() -> None:
    slim = {"old_path": "a.py", "new_path": "a.py", "added": 7, "removed": 2}
    files = changed_files([slim, {**slim, "diff": "@@\n+x"}])  # diff text, when present, wins
    assert [(f["added"], f["removed"]) for f in files] == [(7, 2), (1, 0)]


def test_items_without_paths_are_refused() -> None:
    with pytest.raises(PayloadError, match=r"diffs\[0\]"):
        changed_files([{"diff": "@@\n+a"}])


def _line_by_line(diff: str) -> tuple[int, int]:
    """The definition ``line_counts`` must agree with, read one line at a time."""
    added = removed = 0
    in_hunk = False
    for line in diff.split("\n"):
        if line.startswith("@@"):
            in_hunk = True
        elif in_hunk and line.startswith("+"):
            added += 1
        elif in_hunk and line.startswith("-"):
            removed += 1
    return added, removed


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["\n", "+", "-", "@@", "@", " ", "x", "\r"]), max_size=40).map("".join)
)
def test_line_counts_agree_with_reading_line_by_line(diff: str) -> None:
    assert line_counts(diff) == _line_by_line(diff)
