"""Recognising accounts that are not people, from the user payloads GitLab embeds.

Embedded users are ``UserBasic``, which has no ``bot`` flag (only ``GET /users/:id`` says), so
besides the flag this goes by GitLab's own naming: the ghost user that inherits deleted users'
contributions (``ghost``, or ``ghost1``… when that name was taken), the internal users
(``lib/users/internal.rb``), project and group access-token users
(``project_<id>_bot_<hex>``; older instances ``project_<id>_bot`` with a numeric suffix when
taken) and service accounts' default names (``service_account_[group_<id>_|project_<id>_]<hex>``).
Teams add their own: configured usernames and ``fnmatch`` patterns, compared case-insensitively
(GitLab usernames are case-insensitive).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

INTERNAL_USERNAMES: frozenset[str] = frozenset(
    name.lower()
    for name in (
        "alert-bot",
        "support-bot",
        "migration-bot",
        "GitLab-Security-Bot",
        "automation-bot",
        "GitLab-Llm-Bot",
        "GitLabDuo",
        "GitLab-Admin-Bot",
    )
)
_GHOST = re.compile(r"ghost\d*", re.IGNORECASE | re.ASCII)
_TOKEN_USER = re.compile(r"(?:project|group)_\d+_bot(?:_[0-9a-f]+|\d+)?", re.IGNORECASE | re.ASCII)
_SERVICE_ACCOUNT = re.compile(
    r"service_account_(?:(?:group|project)_\d+_)?[0-9a-f]+", re.IGNORECASE | re.ASCII
)


def is_ghost(user: Mapping[str, Any]) -> bool:
    """True for GitLab's ghost user, who stands in for every deleted account."""
    username = user.get("username")
    return isinstance(username, str) and _GHOST.fullmatch(username) is not None


def is_bot(
    user: Mapping[str, Any],
    *,
    usernames: Collection[str] = (),
    patterns: Collection[str] = (),
) -> bool:
    """True when ``user`` (any GitLab user payload) is not a person.

    ``usernames`` and ``patterns`` (``fnmatch``, e.g. ``"*-bot"``) are the team's own bots. A
    payload without a username is not recognised as a bot: callers that need a username to
    name an actor reject it themselves.
    """
    if user.get("bot") is True:
        return True
    username = user.get("username")
    if not isinstance(username, str):
        return False
    name = username.lower()
    if _gitlabs_own(name):
        return True
    if any(name == configured.lower() for configured in usernames):
        return True
    return any(fnmatchcase(name, pattern.lower()) for pattern in patterns)


@lru_cache(maxsize=4096)
def _gitlabs_own(name: str) -> bool:
    """GitLab's own non-people by their lower-cased username: internal users, the ghost user,
    access-token users and service accounts. Remembered, as a sync asks for every note, and a
    team has a few hundred names at most."""
    return bool(
        name in INTERNAL_USERNAMES
        or _GHOST.fullmatch(name)
        or _TOKEN_USER.fullmatch(name)
        or _SERVICE_ACCOUNT.fullmatch(name)
    )
