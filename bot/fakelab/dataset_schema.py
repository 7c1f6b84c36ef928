"""The JSON Schema of ``ladder-bot-dataset/1``.

This is the single source of the structural rules; ``docs/dataset.schema.json`` is generated from
it (``python -m bot.fakelab.dataset_schema > docs/dataset.schema.json``) and a test keeps the two
equal. Containers are closed (``additionalProperties: false``) so a misspelt key is caught;
GitLab payloads stay open, because GitLab adds fields with every release.
"""

from __future__ import annotations

import json
from typing import Any

FORMAT = "ladder-bot-dataset/1"

_TIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$",
}
_OPT_TIME = {"anyOf": [_TIME, {"type": "null"}]}
_USER_REF = {
    "type": "object",
    "description": 'A UserBasic payload, or just {"id": N}.',
    "anyOf": [{"required": ["id"]}, {"required": ["username"]}],
    "properties": {"id": {"type": "integer"}, "username": {"type": "string"}},
}
_OPT_USER_REF = {"anyOf": [_USER_REF, {"type": "null"}]}
_USER_LIST = {"type": "array", "items": _USER_REF}
_MEMBER = {
    "type": "object",
    "required": ["id", "access_level"],
    "properties": {
        "id": {"type": "integer"},
        "access_level": {"enum": [5, 10, 15, 20, 30, 40, 50]},
    },
}


def _payload(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _closed(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


_NOTE = _payload(
    ["body", "author", "created_at"],
    {
        "id": {"type": "integer"},
        "body": {"type": "string"},
        "author": _USER_REF,
        "created_at": _TIME,
        "updated_at": _OPT_TIME,
        "type": {"enum": [None, "DiscussionNote", "DiffNote", "LegacyDiffNote", "Note"]},
        "system": {"type": "boolean"},
        "internal": {"type": "boolean"},
        "confidential": {"type": "boolean"},
        "resolvable": {"type": "boolean"},
        "resolved": {"type": ["boolean", "null"]},
        "resolved_by": _OPT_USER_REF,
        "resolved_at": _OPT_TIME,
        "position": {"type": ["object", "null"]},
        "discussion_id": {"type": "string", "minLength": 1},
    },
)
_AWARD = _payload(
    ["name", "user", "created_at"],
    {
        "id": {"type": "integer"},
        "name": {"type": "string", "minLength": 1},
        "user": _USER_REF,
        "created_at": _TIME,
        "awardable_type": {"enum": ["MergeRequest", "Issue", "Note"]},
        "awardable_id": {"type": "integer"},
    },
)
_MERGE_REQUEST = _payload(
    ["iid", "title", "author", "created_at"],
    {
        "id": {"type": "integer"},
        "iid": {"type": "integer", "minimum": 1},
        "title": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "state": {"enum": ["opened", "closed", "merged", "locked"]},
        "author": _USER_REF,
        "assignees": _USER_LIST,
        "reviewers": _USER_LIST,
        "merge_user": _OPT_USER_REF,
        "merged_by": _OPT_USER_REF,
        "closed_by": _OPT_USER_REF,
        "created_at": _TIME,
        "updated_at": _OPT_TIME,
        "merged_at": _OPT_TIME,
        "closed_at": _OPT_TIME,
        "labels": {"type": "array", "items": {"type": "string"}},
        "draft": {"type": "boolean"},
    },
)
_ISSUE = _payload(
    ["iid", "title", "author", "created_at"],
    {
        "id": {"type": "integer"},
        "iid": {"type": "integer", "minimum": 1},
        "title": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "state": {"enum": ["opened", "closed"]},
        "author": _USER_REF,
        "assignees": _USER_LIST,
        "closed_by": _OPT_USER_REF,
        "created_at": _TIME,
        "updated_at": _OPT_TIME,
        "closed_at": _OPT_TIME,
        "labels": {"type": "array", "items": {"type": "string"}},
        "confidential": {"type": "boolean"},
        "issue_type": {"enum": ["issue", "incident", "test_case", "task"]},
    },
)
_PIPELINE = _payload(
    ["id", "status", "ref", "sha", "created_at"],
    {
        "id": {"type": "integer"},
        "iid": {"type": "integer"},
        "status": {"type": "string", "minLength": 1},
        "source": {"type": "string"},
        "ref": {"type": "string"},
        "sha": {"type": "string"},
        "user": _OPT_USER_REF,
        "created_at": _TIME,
        "updated_at": _OPT_TIME,
        "started_at": _OPT_TIME,
        "finished_at": _OPT_TIME,
    },
)
_EVENT = _payload(
    ["action_name", "created_at"],
    {
        "id": {"type": "integer"},
        "action_name": {"type": "string"},
        "created_at": _TIME,
        "author_id": {"type": ["integer", "null"]},
    },
)

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://ladder-bot.dev/schemas/dataset-1.json",
    "title": "ladder-bot dataset",
    "description": "An offline GitLab: users, groups, projects and their activity as REST payloads.",
    **_closed(
        ["format", "users", "projects"],
        {
            "format": {"const": FORMAT},
            "meta": {"type": "object"},
            "instance": {
                "type": "object",
                "properties": {"version": {"type": "string"}, "revision": {"type": "string"}},
            },
            "users": {
                "type": "array",
                "items": _payload(
                    ["id", "username"],
                    {
                        "id": {"type": "integer", "minimum": 1},
                        "username": {"type": "string", "minLength": 1},
                        "name": {"type": "string"},
                        "state": {"type": "string"},
                        "bot": {"type": "boolean"},
                        "is_admin": {"type": "boolean"},
                    },
                ),
            },
            "tokens": {
                "type": "array",
                "items": _closed(
                    ["token", "username"],
                    {
                        "token": {"type": "string", "minLength": 8},
                        "username": {"type": "string"},
                    },
                ),
            },
            "groups": {
                "type": "array",
                "items": _closed(
                    ["group"],
                    {
                        "group": _payload(
                            ["id", "path"],
                            {
                                "id": {"type": "integer", "minimum": 1},
                                "path": {"type": "string", "minLength": 1},
                                "parent_id": {"type": ["integer", "null"]},
                                "visibility": {"enum": ["private", "internal", "public"]},
                            },
                        ),
                        "members": {"type": "array", "items": _MEMBER},
                    },
                ),
            },
            "projects": {
                "type": "array",
                "items": _closed(
                    ["project"],
                    {
                        "project": _payload(
                            ["id", "path_with_namespace"],
                            {
                                "id": {"type": "integer", "minimum": 1},
                                "path_with_namespace": {
                                    "type": "string",
                                    "pattern": r"^[^/\s]+(/[^/\s]+)+$",
                                },
                                "visibility": {"enum": ["private", "internal", "public"]},
                                "default_branch": {"type": "string"},
                            },
                        ),
                        "members": {"type": "array", "items": _MEMBER},
                        "merge_requests": {
                            "type": "array",
                            "items": _closed(
                                ["merge_request"],
                                {
                                    "merge_request": _MERGE_REQUEST,
                                    "notes": {"type": "array", "items": _NOTE},
                                    "approvals": {
                                        "type": "object",
                                        "properties": {
                                            "approvals_required": {"type": "integer"},
                                            "approved_by": {
                                                "type": "array",
                                                "items": _payload(
                                                    ["user"],
                                                    {"user": _USER_REF, "approved_at": _OPT_TIME},
                                                ),
                                            },
                                        },
                                    },
                                    "reviewers": {
                                        "type": "array",
                                        "items": _payload(
                                            ["user"],
                                            {
                                                "user": _USER_REF,
                                                "state": {"type": "string"},
                                                "created_at": _OPT_TIME,
                                            },
                                        ),
                                    },
                                    "diffs": {
                                        "type": "array",
                                        "items": _payload(
                                            ["new_path"],
                                            {
                                                "old_path": {"type": "string"},
                                                "new_path": {"type": "string"},
                                                "diff": {"type": "string"},
                                            },
                                        ),
                                    },
                                    "commits": {
                                        "type": "array",
                                        "items": _payload(
                                            ["id", "title"],
                                            {"id": {"type": "string"}, "title": {"type": "string"}},
                                        ),
                                    },
                                    "versions": {"type": "array", "items": {"type": "object"}},
                                    "award_emoji": {"type": "array", "items": _AWARD},
                                },
                            ),
                        },
                        "issues": {
                            "type": "array",
                            "items": _closed(
                                ["issue"],
                                {
                                    "issue": _ISSUE,
                                    "notes": {"type": "array", "items": _NOTE},
                                    "award_emoji": {"type": "array", "items": _AWARD},
                                },
                            ),
                        },
                        "pipelines": {"type": "array", "items": _PIPELINE},
                        "events": {"type": "array", "items": _EVENT},
                        # Description templates: type -> template name -> Markdown content.
                        "templates": _closed(
                            [],
                            {
                                kind: {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                }
                                for kind in ("issues", "merge_requests")
                            },
                        ),
                    },
                ),
            },
        },
    ),
}


def main() -> None:
    print(json.dumps(SCHEMA, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
