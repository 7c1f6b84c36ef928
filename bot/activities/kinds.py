"""The registry of activity kinds, their fields and their context: the contract as data.

Everything a rule may name is declared here exactly once: each kind (who acts, when, under which
key), each computed field (its type, one line of meaning, the kinds that carry it) and each
context key (per subject type). The rule language validates field names against this registry,
the tests check every produced activity against it, and ``docs/activities.md`` is generated from
it::

    python -m bot.activities.kinds > docs/activities.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.activities.activity import Activity


@dataclass(frozen=True)
class Kind:
    """One kind of activity: what happened, who the actor is, when it happened, its key."""

    name: str
    subject_type: str
    description: str
    actor: str
    occurred_at: str
    key: str


@dataclass(frozen=True)
class Field:
    """One computed field: ``type`` is a name from ``TYPES``, ``kinds`` the kinds carrying it."""

    name: str
    type: str
    description: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class ContextKey:
    """One key of ``Activity.context`` for activities of a subject type."""

    name: str
    type: str
    description: str


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_object_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Type name -> membership test. ``| null`` admits None; floats admit ints (JSON does not tell).
TYPES: dict[str, Any] = {
    "str": lambda v: isinstance(v, str),
    "str | null": lambda v: v is None or isinstance(v, str),
    "int": _is_int,
    "int | null": lambda v: v is None or _is_int(v),
    "float": lambda v: _is_int(v) or isinstance(v, float),
    "float | null": lambda v: v is None or _is_int(v) or isinstance(v, float),
    "bool": lambda v: isinstance(v, bool),
    "bool | null": lambda v: v is None or isinstance(v, bool),
    "list[str]": _is_str_list,
    "list[object]": _is_object_list,
}

MERGE_REQUEST = ("merge_request_authored", "merge_request_merged")
REVIEW_NOTES = ("review_comment", "review_reply")
ISSUE = ("issue_opened", "issue_closed")
NOTES = (*REVIEW_NOTES, "issue_comment")
PIPELINE = ("pipeline_failed", "pipeline_fixed")

KINDS: tuple[Kind, ...] = (
    Kind(
        "merge_request_authored",
        "merge_request",
        "The actor opened a merge request (drafts included; the fields follow later edits).",
        "the merge request's author",
        "the merge request's `created_at`",
        "mr:<project_id>:<iid>:authored",
    ),
    Kind(
        "merge_request_merged",
        "merge_request",
        "A merge request the actor authored was merged.",
        "the merge request's author (not the person who pressed merge: see `merge_user`)",
        "`merged_at` (`updated_at` when an old merge lacks it)",
        "mr:<project_id>:<iid>:merged",
    ),
    Kind(
        "approval_given",
        "merge_request",
        "The actor approved someone else's merge request.",
        "the approver; authors approving their own merge request earn nothing",
        "`approved_at`; else the approver's 'approved this merge request' system note; "
        "else the merge request's `updated_at`",
        "approval:<project_id>:<iid>:<user_id>",
    ),
    Kind(
        "review_requested",
        "merge_request",
        "Someone asked the actor to review a merge request (the actor is one of its reviewers).",
        "the reviewer; an author listed as their own reviewer earns nothing",
        "the earliest 'requested review from @actor' system note; else the merge request's "
        "`created_at`",
        "review_request:<project_id>:<iid>:<user_id>",
    ),
    Kind(
        "review_comment",
        "merge_request",
        "The actor commented on someone else's merge request (any non-system note, inline or "
        "not, thread starter or reply).",
        "the note's author",
        "the note's `created_at`",
        "note:<note_id>",
    ),
    Kind(
        "review_reply",
        "merge_request",
        "The author of a merge request commented on it: answering feedback, explaining, "
        "following up.",
        "the note's author, who is the merge request's author",
        "the note's `created_at`",
        "note:<note_id>",
    ),
    Kind(
        "issue_opened",
        "issue",
        "The actor opened an issue (any type: issue, incident, task, test case).",
        "the issue's author",
        "the issue's `created_at`",
        "issue:<project_id>:<iid>:opened",
    ),
    Kind(
        "issue_closed",
        "issue",
        "The actor closed an issue (directly, or by merging a merge request that closes it).",
        "the issue's `closed_by`",
        "the issue's `closed_at` (`updated_at` when it lacks one)",
        "issue:<project_id>:<iid>:closed",
    ),
    Kind(
        "issue_comment",
        "issue",
        "The actor commented on an issue (any non-system note).",
        "the note's author",
        "the note's `created_at`",
        "note:<note_id>",
    ),
    Kind(
        "pipeline_failed",
        "pipeline",
        "A pipeline the actor triggered failed.",
        "the pipeline's user, as `actor_of` reports it",
        "`finished_at`, else `updated_at`, else `created_at`",
        "pipeline:<id>:failed",
    ),
    Kind(
        "pipeline_fixed",
        "pipeline",
        "The actor's pipeline succeeded on a ref whose previous finished pipeline had failed.",
        "the successful pipeline's user, as `actor_of` reports it",
        "`finished_at`, else `updated_at`, else `created_at` of the successful pipeline",
        "pipeline:<id>:fixed",
    ),
)

FIELDS: tuple[Field, ...] = (
    # -- merge requests and issues: the item itself ------------------------------------------
    Field("title", "str", "Title of the merge request or issue.", (*MERGE_REQUEST, *ISSUE)),
    Field(
        "description",
        "str",
        "The description as written (Markdown); rules match words in it. An issue's is as "
        "confidential as the issue.",
        (*MERGE_REQUEST, *ISSUE),
    ),
    Field(
        "description_words",
        "int",
        "Words the author wrote in the description: not headings, code blocks, HTML comments "
        "(template placeholders), template guidance (a paragraph wholly in italics that opens a "
        "section, or one worded as instructions to whoever fills the template in: 'Describe the "
        "steps required to test the changes') or block quotes, nor, in a merge request, a "
        "checklist of three or more task items ('[x] Tests pass'); a bare URL is one word.",
        (*MERGE_REQUEST, *ISSUE),
    ),
    Field(
        "description_prose",
        "str",
        "The text of the paragraphs `description_words` counts, one per line: the author's own "
        "words, without headings, code, quotes, template guidance or the checklist. Rules that "
        "look for a reason or an effect read this, so a template's wording never passes for the "
        "author's.",
        MERGE_REQUEST,
    ),
    Field(
        "description_sections",
        "list[str]",
        "The description's Markdown headings, lower-cased, whitespace collapsed, in order.",
        (*MERGE_REQUEST, *ISSUE),
    ),
    Field(
        "empty_sections",
        "list[str]",
        "Headings (as in `description_sections`) followed by nothing but whitespace, HTML "
        "comments and template guidance before the next heading of the same or a higher level.",
        (*MERGE_REQUEST, *ISSUE),
    ),
    Field(
        "template_unfilled",
        "bool",
        "At least one description heading was left empty (`empty_sections` is not empty).",
        (*MERGE_REQUEST, *ISSUE),
    ),
    Field(
        "labels",
        "list[str]",
        "Label titles of the merge request or issue, as GitLab lists them.",
        (*MERGE_REQUEST, *ISSUE),
    ),
    Field(
        "mentions_users",
        "list[str]",
        "Users and groups @mentioned in the description or note (not in code, links or after "
        "a backslash), as written, first occurrence kept.",
        (*MERGE_REQUEST, *ISSUE, *NOTES),
    ),
    Field(
        "mentions_issues",
        "list[str]",
        "Every issue referenced (closing or not): `#12` for this project, `group/project#12` "
        "for others; issue URLs count too.",
        (*MERGE_REQUEST, *ISSUE, *NOTES),
    ),
    Field(
        "has_code",
        "bool",
        "The description or note contains a code span or a code block.",
        (*MERGE_REQUEST, *ISSUE, *NOTES),
    ),
    Field(
        "has_links",
        "bool",
        "The description or note contains a link (Markdown link, autolink or bare URL).",
        (*MERGE_REQUEST, *ISSUE, *NOTES),
    ),
    # -- merge requests -----------------------------------------------------------------------
    Field(
        "closes_issues",
        "list[str]",
        "Issues the description closes with GitLab's default closing pattern (`Closes #12`, "
        "`Fixes #3 and #4`, `Resolves group/project#5`), written as in `mentions_issues`.",
        MERGE_REQUEST,
    ),
    Field("draft", "bool", "The merge request is a draft.", MERGE_REQUEST),
    Field(
        "is_revert",
        "bool",
        'The merge request reverts another change: a `Revert "…"` title, or a description '
        "saying `This reverts merge request !N` or `This reverts commit <sha>`.",
        MERGE_REQUEST,
    ),
    Field(
        "files",
        "list[object]",
        "One object per changed file: `path`, `old_path`, `new_file`, `deleted_file`, "
        "`renamed_file`, `generated_file`, `added` and `removed` (diff lines).",
        MERGE_REQUEST,
    ),
    Field(
        "changed_paths",
        "list[str]",
        "Paths the merge request changes: the new path of each file, the old path of a deleted "
        "one.",
        MERGE_REQUEST,
    ),
    Field(
        "lines_added",
        "int",
        "Added lines over all files (`+` lines of the diffs, headers excluded).",
        MERGE_REQUEST,
    ),
    Field(
        "lines_removed",
        "int",
        "Removed lines over all files (`-` lines of the diffs, headers excluded).",
        MERGE_REQUEST,
    ),
    Field("files_changed", "int", "Number of changed files.", MERGE_REQUEST),
    Field("target_branch", "str", "Branch the merge request merges into.", MERGE_REQUEST),
    Field("source_branch", "str", "Branch the merge request merges from.", MERGE_REQUEST),
    Field(
        "merge_user",
        "str | null",
        "Username of whoever merged it (or set it to auto-merge); null while nobody has.",
        MERGE_REQUEST,
    ),
    Field(
        "hours_to_merge",
        "float | null",
        "Hours from creation to merge, two decimals; null unless merged.",
        MERGE_REQUEST,
    ),
    # -- reviews ------------------------------------------------------------------------------
    Field(
        "mr_author",
        "str | null",
        "Username of the merge request's author.",
        ("approval_given", "review_requested", *REVIEW_NOTES),
    ),
    Field(
        "requested_reviewer",
        "bool",
        "The actor is one of the merge request's reviewers (asked for this review, as opposed "
        "to reviewing unasked).",
        ("approval_given", "review_comment"),
    ),
    Field(
        "requested_by",
        "str | null",
        "Username of whoever requested the review, from GitLab's system note; null when no "
        "such note was supplied (`occurred_at` is then the merge request's creation).",
        ("review_requested",),
    ),
    # -- notes --------------------------------------------------------------------------------
    Field("body", "str", "The note's Markdown, as written.", NOTES),
    Field(
        "words",
        "int",
        "Words in the note: headings included; code blocks, HTML comments and block quotes "
        "(quoting someone else) not.",
        NOTES,
    ),
    Field(
        "is_question",
        "bool",
        "The note asks something: a sentence of its own (not quoted, not code) ends in `?`.",
        NOTES,
    ),
    Field(
        "is_reply",
        "bool | null",
        "The note answers in a thread (a DiscussionNote or DiffNote after the thread's first "
        "note); null when a threaded note came without thread information.",
        NOTES,
    ),
    Field(
        "resolvable",
        "bool",
        "The note belongs to a resolvable thread.",
        NOTES,
    ),
    Field("resolved", "bool", "The note's thread is resolved.", NOTES),
    Field(
        "internal",
        "bool",
        "An internal note, visible to Reporters and above only (the activity is confidential).",
        NOTES,
    ),
    Field(
        "inline",
        "bool",
        "A comment on a line of the diff (a DiffNote).",
        REVIEW_NOTES,
    ),
    Field(
        "path",
        "str | null",
        "File an inline comment is on (the position's new path, else its old path).",
        REVIEW_NOTES,
    ),
    Field(
        "has_suggestion",
        "bool",
        "The note proposes a change with a ```` ```suggestion ```` block.",
        REVIEW_NOTES,
    ),
    Field(
        "suggestion_count",
        "int",
        "Number of suggestions: GitLab's `suggestions` list when supplied, else the suggestion "
        "blocks in the body.",
        REVIEW_NOTES,
    ),
    Field(
        "suggestion_change",
        "str | null",
        "What the note's suggestions change, read off GitLab's `from_content` against "
        "`to_content`: `none`, `whitespace`, `punctuation`, `naming` (identifiers renamed one "
        "for one), `wording` (prose, or only the strings and comments of code, modestly) or "
        "`content` (anything else); the broadest when there are several. Null without a "
        "suggestion, or when GitLab did not say which lines a suggestion replaces.",
        REVIEW_NOTES,
    ),
    Field(
        "issue_author",
        "str | null",
        "Username of the issue's author.",
        ("issue_comment",),
    ),
    Field(
        "on_others_issue",
        "bool",
        "The actor is not the issue's author: helping in someone else's issue.",
        ("issue_comment",),
    ),
    # -- issues -------------------------------------------------------------------------------
    Field(
        "issue_type",
        "str",
        "GitLab's lower-case issue type: `issue`, `incident`, `test_case` or `task`.",
        ISSUE,
    ),
    Field("confidential", "bool", "The issue is confidential.", ISSUE),
    Field(
        "severity",
        "str | null",
        "GitLab's severity as sent (`CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `UNKNOWN` for "
        "non-incidents); null when the payload has none.",
        ISSUE,
    ),
    Field(
        "task_items",
        "int",
        "Task-list items (`- [ ]`, `- [x]`, `- [~]`) in the description.",
        ISSUE,
    ),
    Field(
        "task_issue_refs",
        "list[str]",
        "Issues referenced from task-list items (`- [ ] #12`): the issue broken into smaller ones.",
        ISSUE,
    ),
    Field(
        "hours_to_close",
        "float | null",
        "Hours from creation to closing, two decimals; null while open.",
        ISSUE,
    ),
    # -- pipelines ----------------------------------------------------------------------------
    Field("ref", "str", "Branch, tag or merge-request ref the pipeline ran for.", PIPELINE),
    Field("sha", "str", "Commit the pipeline ran for.", PIPELINE),
    Field(
        "source",
        "str | null",
        "What started the pipeline (`push`, `merge_request_event`, `schedule`, `web`, …).",
        PIPELINE,
    ),
    Field(
        "failed_pipeline_id",
        "int",
        "Id of the failed pipeline this success follows on the same ref.",
        ("pipeline_fixed",),
    ),
    Field(
        "failed_by",
        "str | null",
        "Username of whoever triggered that failed pipeline; null when unknown.",
        ("pipeline_fixed",),
    ),
    Field(
        "hours_to_fix",
        "float",
        "Hours from the failure to the fix (their `occurred_at`), two decimals.",
        ("pipeline_fixed",),
    ),
)

CONTEXT: dict[str, tuple[ContextKey, ...]] = {
    "merge_request": (
        ContextKey("iid", "int", "The merge request's number in its project (`!iid`)."),
        ContextKey("title", "str", "Its title."),
        ContextKey("author", "str | null", "Its author's username."),
        ContextKey("labels", "list[str]", "Its label titles."),
        ContextKey("state", "str", "`opened`, `closed`, `merged` or `locked`."),
        ContextKey("draft", "bool", "Whether it is a draft."),
        ContextKey("web_url", "str", "Its page."),
    ),
    "issue": (
        ContextKey("iid", "int", "The issue's number in its project (`#iid`)."),
        ContextKey("title", "str", "Its title (confidential when the issue is)."),
        ContextKey("author", "str | null", "Its author's username."),
        ContextKey("labels", "list[str]", "Its label titles."),
        ContextKey("state", "str", "`opened` or `closed`."),
        ContextKey("issue_type", "str", "`issue`, `incident`, `test_case` or `task`."),
        ContextKey("confidential", "bool", "Whether the issue is confidential."),
        ContextKey("web_url", "str", "Its page."),
    ),
    "pipeline": (
        ContextKey("id", "int", "The pipeline's global id."),
        ContextKey("iid", "int | null", "Its number in the project."),
        ContextKey("ref", "str", "The ref it ran for."),
        ContextKey("status", "str", "Its status (`failed`, `success`, …)."),
        ContextKey("web_url", "str", "Its page."),
    ),
}

KIND_NAMES: frozenset[str] = frozenset(kind.name for kind in KINDS)
_BY_KIND: dict[str, frozenset[str]] = {
    kind.name: frozenset(f.name for f in FIELDS if kind.name in f.kinds) for kind in KINDS
}


def kind(name: str) -> Kind:
    """The declared kind called ``name``; KeyError for an unknown one."""
    for declared in KINDS:
        if declared.name == name:
            return declared
    raise KeyError(name)


def field_names(kind_name: str) -> frozenset[str]:
    """The fields an activity of ``kind_name`` carries: all of them, no others."""
    return _BY_KIND[kind_name]


def problems(activity: Activity) -> list[str]:
    """What about ``activity`` breaks the registry (empty when it conforms).

    Checks the kind, its subject type, the exact field set, each field's type, the exact
    context keys and their types.
    """
    if activity.kind not in KIND_NAMES:
        return [f"{activity.key}: unknown kind {activity.kind!r}"]
    found: list[str] = []
    declared = kind(activity.kind)
    if activity.subject_type != declared.subject_type:
        found.append(f"{activity.key}: subject_type {activity.subject_type!r}")
    found += _mismatches(activity.key, "field", activity.fields, _fields_typed(activity.kind))
    context = {key.name: key.type for key in CONTEXT[declared.subject_type]}
    found += _mismatches(activity.key, "context", activity.context, context)
    return found


def _fields_typed(kind_name: str) -> dict[str, str]:
    return {f.name: f.type for f in FIELDS if kind_name in f.kinds}


def _mismatches(
    key: str, what: str, values: Mapping[str, Any], declared: Mapping[str, str]
) -> list[str]:
    found = [f"{key}: undeclared {what} {name!r}" for name in sorted(set(values) - set(declared))]
    found += [f"{key}: missing {what} {name!r}" for name in sorted(set(declared) - set(values))]
    for name, type_name in declared.items():
        if name in values and not TYPES[type_name](values[name]):
            found.append(f"{key}: {what} {name!r} is not {type_name}: {values[name]!r}")
    return found


# --- the generated reference -----------------------------------------------------------------

_PREAMBLE = """\
<!-- Generated by `python -m bot.activities.kinds > docs/activities.md`; edit
bot/activities/kinds.py instead. A test keeps the two equal. -->

# Activities

An **activity** is one thing a person did in GitLab, in a form rules can match: the contract
between sync (which fetches GitLab payloads) and rules (which turn activities into evidence).
`bot.activities` builds them with pure functions: GitLab REST payloads in, activities out; no
database, no HTTP, no clock.

| attribute | meaning |
| --- | --- |
| `key` | stable and unique across the store (see each kind); the same input gives the same key |
| `kind` | one of the kinds below |
| `actor_id`, `actor_username` | who did it; never a bot, the ghost user or an opted-out person |
| `occurred_at` | when, as an aware UTC datetime |
| `project_id`, `project_path` | where |
| `url` | the GitLab page; notes link to `<item>#note_<id>` |
| `subject_type`, `subject_iid` | `merge_request`, `issue` or `pipeline`, and its iid |
| `context` | the item it belongs to (keys below, per subject type) |
| `fields` | the computed fields rules match on: exactly the fields its kind declares, all JSON |
| `confidential` | from a confidential issue or an internal note: a posted comment must redact it |

## Building activities

- `merge_request_activities(mr, *, project_path, diffs, approvals, notes, actors, base_url=None, templates=())`
  takes a merge request list item (`MergeRequestBasic`) or the single merge request, its
  `/diffs` items (or the same items with integer `added`/`removed` counts in place of the
  `diff` text), its approvals (the `approved_by` items of `/approvals`, or that whole payload),
  and its notes; `templates` are the contents of the project's merge request description
  templates (`GET /projects/:id/templates/merge_requests/:name`), whose lines a description
  carries unchanged are not counted as the author's writing.
- `issue_activities(issue, *, project_path, notes, actors, base_url=None, templates=())`, with
  the project's issue templates (`…/templates/issues/:name`) likewise.
- `pipeline_activities(pipelines, *, project_path, actor_of, actors, base_url=None)` takes
  pipeline list items and `actor_of(pipeline)`, which returns the pipeline's user payload (list
  items carry none: fetch the single pipeline) or None.

Notes may come from `/notes`, from `/discussions` (flatten them with `notes_from_discussions`,
which adds `discussion_id` and `thread_position` so replies are recognised; with `discussion_id`
alone, positions follow `created_at` among the notes given) or embedded in `commented on`
events. A note of another item is refused (`PayloadError`), as is a payload missing what a
kind needs. System notes are never activities, but review-request and approval
system notes date `review_requested` and `approval_given`: pass them along.

`actors.eligible(user)` decides who may earn activities (sync supplies it: bots, opted-out
people). Whatever it says, GitLab's ghost user, internal users, project and group access-token
users and service accounts never become actors. `web_url` comes from the payloads; `base_url`
(the instance root) builds it when a payload lacks it. Times with `Z` or offsets become UTC.
"""


def render_markdown() -> str:
    """The reference for ``docs/activities.md``: every kind, field and context key, one by one."""
    lines = [_PREAMBLE, "## Kinds", ""]
    for declared in KINDS:
        names = ", ".join(f"`{name}`" for name in sorted(field_names(declared.name)))
        lines += [
            f"### `{declared.name}`",
            "",
            declared.description,
            "",
            f"- subject: `{declared.subject_type}`",
            f"- actor: {declared.actor}",
            f"- occurred at: {declared.occurred_at}",
            f"- key: `{declared.key}`",
            f"- fields: {names}",
            "",
        ]
    lines += ["## Fields", ""]
    for field in sorted(FIELDS, key=lambda f: f.name):
        kinds = ", ".join(f"`{name}`" for name in field.kinds)
        lines += [
            f"### `{field.name}`",
            "",
            field.description,
            "",
            f"- type: `{field.type}`",
            f"- kinds: {kinds}",
            "",
        ]
    lines += ["## Context", ""]
    for subject_type, keys in CONTEXT.items():
        lines += [f"### `{subject_type}`", "", "| key | type | meaning |", "| --- | --- | --- |"]
        lines += [f"| `{key.name}` | `{key.type}` | {key.description} |" for key in keys]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _check_registry(kinds: Iterable[Kind], fields: Iterable[Field]) -> None:
    """Fail at import on a registry mistake: a field of an unknown kind, a bad type, a twin."""
    names = [f.name for f in fields]
    twins = {name for name in names if names.count(name) > 1}
    if twins:
        raise ValueError(f"fields declared twice: {sorted(twins)}")
    known = {k.name for k in kinds}
    for f in fields:
        if f.type not in TYPES or not f.kinds or not set(f.kinds) <= known:
            raise ValueError(f"field {f.name!r}: bad type or kinds")


_check_registry(KINDS, FIELDS)

if __name__ == "__main__":
    sys.stdout.write(render_markdown())
