"""Activities: what people did in GitLab, in the form rules match on.

The contract between sync (GitLab payloads) and rules (evidence). Pure functions turn GitLab
REST payloads, exactly as the API returns them, into ``Activity`` records: no database, no
HTTP, no clock. The kinds, their fields and their context are declared as data in
``bot.activities.kinds``, which also generates ``docs/activities.md``.

    merge_requests   authored, merged, approvals, review requests, review comments and replies
    issues           opened, closed, comments
    pipelines        failed, fixed
    notes            threads, system notes, note fields
    text             Markdown features of descriptions and notes
    diffs            changed files and lines
    bots, actors     who may earn activities
"""

from bot.activities.activity import Activity
from bot.activities.actors import ActorPolicy, Actors, may_act
from bot.activities.bots import is_bot, is_ghost
from bot.activities.issues import issue_activities
from bot.activities.merge_requests import merge_request_activities
from bot.activities.notes import notes_from_discussions
from bot.activities.payloads import PayloadError
from bot.activities.pipelines import pipeline_activities

__all__ = [
    "Activity",
    "ActorPolicy",
    "Actors",
    "PayloadError",
    "is_bot",
    "is_ghost",
    "issue_activities",
    "may_act",
    "merge_request_activities",
    "notes_from_discussions",
    "pipeline_activities",
]
