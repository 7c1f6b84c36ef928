"""Who is who: users fetched once each, and who may earn activities.

Only ``GET /users/:id`` tells whether a user is a bot (embedded users are ``UserBasic``), so
every user a payload mentions is looked up the first time it is seen and kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activities.bots import is_bot
from bot.errors import BotError
from bot.store.models import User
from bot.sync.client import GitLabClient, GitLabNotFound

USER_KEYS = ("author", "merge_user", "merged_by", "closed_by", "resolved_by", "user")
USER_LIST_KEYS = ("assignees", "reviewers")


def referenced_users(payload: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    """Every user embedded at the top level of a GitLab payload."""
    for key in USER_KEYS:
        value = payload.get(key)
        if isinstance(value, Mapping) and "id" in value:
            yield value
    for key in USER_LIST_KEYS:
        for value in payload.get(key) or ():
            if isinstance(value, Mapping) and "id" in value:
                yield value


class Directory:
    """The store's users plus the rules that keep bots and opted-out people out."""

    def __init__(
        self,
        client: GitLabClient | None,
        *,
        bot_usernames: Collection[str] = (),
        bot_patterns: Collection[str] = (),
        opt_out: Collection[str] = (),
    ) -> None:
        self.client = client
        self.bot_usernames = bot_usernames
        self.bot_patterns = bot_patterns
        self.opt_out = {name.lower() for name in opt_out}
        self._known: dict[int, User] = {}
        self._eligible: dict[tuple[Any, Any, Any], bool] = {}

    def load(self, session: Session) -> None:
        for user in session.scalars(select(User)):
            self._known[user.id] = user

    def ensure(self, session: Session, users: Iterable[Mapping[str, Any]], now: datetime) -> int:
        """Fetch the users not seen before; returns how many were fetched."""
        fetched = 0
        for basic in users:
            uid = int(basic["id"])
            if uid in self._known:
                continue
            endpoint = f"/users/{uid}"
            if self.client is None:
                raise BotError(f"user {uid} is not in the store, and this run may not ask GitLab")
            try:
                payload = self.client.get(endpoint)
            except GitLabNotFound:
                # Gone, or hidden from this token: keep what the embedding payload said.
                payload = dict(basic)
            user = User(
                id=uid,
                username=str(payload.get("username") or basic.get("username") or f"user-{uid}"),
                name=str(payload.get("name") or ""),
                state=str(payload.get("state") or "unknown"),
                is_bot=bool(payload.get("bot")),
                raw=payload,
                endpoint=endpoint,
                fetched_at=now,
                source_updated_at=None,
            )
            session.merge(user)
            self._known[uid] = user
            fetched += 1
        return fetched

    def bot(self, user: Mapping[str, Any]) -> bool:
        # Embedded users are UserBasic, without ``bot``: the stored GET /users/:id says it.
        stored = self._known.get(int(user.get("id") or 0))
        merged = dict(user)
        if stored is not None:
            merged["bot"] = bool(merged.get("bot")) or stored.is_bot
            merged.setdefault("username", stored.username)
        return is_bot(merged, usernames=self.bot_usernames, patterns=self.bot_patterns)

    def eligible(self, user: Mapping[str, Any]) -> bool:
        """May this user earn activities? Not bots, not the ghost user, not opted out."""
        # Asked for every note and approval; the answer for a user the directory holds does
        # not change within a run, so it is remembered.
        key = (user.get("id"), user.get("username"), user.get("bot"))
        answer = self._eligible.get(key)
        if answer is None:
            answer = not self.bot(user) and (
                str(user.get("username") or "").lower() not in self.opt_out
            )
            if isinstance(key[0], int) and key[0] in self._known:
                self._eligible[key] = answer
        return answer
