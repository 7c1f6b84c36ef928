"""Who may earn activities: the sync layer's policy, with GitLab's own non-people always out."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.activities.bots import is_bot


class Actors(Protocol):
    """Supplied by sync: whether a user may earn activities.

    False for the team's bots, the ghost user and people who opted out. ``user`` is whatever
    user payload the activity's actor comes from (usually ``UserBasic``).
    """

    def eligible(self, user: Mapping[str, Any]) -> bool: ...


@dataclass(frozen=True)
class ActorPolicy:
    """A ready-made ``Actors``: configured bots (names and ``fnmatch`` patterns) and opt-outs.

    ``opted_out`` holds user ids, which stay stable when people rename themselves.
    """

    bot_usernames: Collection[str] = ()
    bot_patterns: Collection[str] = ()
    opted_out: Collection[int] = field(default_factory=frozenset)

    def eligible(self, user: Mapping[str, Any]) -> bool:
        if user.get("id") in self.opted_out:
            return False
        return not is_bot(user, usernames=self.bot_usernames, patterns=self.bot_patterns)


def may_act(user: Mapping[str, Any] | None, actors: Actors) -> bool:
    """Whether ``user`` may be an activity's actor.

    Belt and braces: a payload without an integer id and a username, GitLab's ghost and
    internal users, and access-token or service-account users are refused before ``actors``
    is even asked, so a permissive policy can never let them through.
    """
    if not isinstance(user, Mapping):
        return False
    user_id, username = user.get("id"), user.get("username")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not isinstance(username, str):
        return False
    return not is_bot(user) and actors.eligible(user)
