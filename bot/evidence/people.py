"""Who may earn evidence: the people on the ladder, never a bot, never someone who opted out."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activities.bots import is_bot
from bot.config import Config
from bot.store.models import User


@dataclass
class Earners:
    """Decides whether a username may earn evidence, and knows its GitLab user id.

    ``people`` is the ``[[people]]`` list (lower case); when it is empty every person may earn
    evidence, which suits trying ladder-bot out. Bots (GitLab's flag, token and service
    users, the ghost, the configured usernames and patterns) and opted-out people never do,
    whatever a rule's ``earner`` says.
    """

    people: Collection[str] = ()
    opt_out: Collection[str] = ()
    bot_usernames: Collection[str] = ()
    bot_patterns: Collection[str] = ()
    users: Mapping[str, tuple[int, bool]] = field(default_factory=dict)  # lower name → (id, bot)

    def __post_init__(self) -> None:
        self.people = frozenset(name.lower() for name in self.people)
        self.opt_out = frozenset(name.lower() for name in self.opt_out)
        self._answers: dict[str, bool] = {}

    @classmethod
    def from_store(
        cls,
        session: Session,
        *,
        people: Collection[str] = (),
        opt_out: Collection[str] = (),
        bot_usernames: Collection[str] = (),
        bot_patterns: Collection[str] = (),
    ) -> Earners:
        users = {
            username.lower(): (int(uid), bool(flag))
            for uid, username, flag in session.execute(select(User.id, User.username, User.is_bot))
        }
        return cls(people, opt_out, bot_usernames, bot_patterns, users)

    @classmethod
    def for_config(cls, session: Session, config: Config) -> Earners:
        """The earners ``config`` describes: its ``[[people]]``, opt-outs and bots."""
        return cls.from_store(
            session,
            people=[person.username for person in config.people],
            opt_out=config.opt_out,
            bot_usernames=config.bots.usernames,
            bot_patterns=config.bots.patterns,
        )

    def user_id(self, username: str) -> int | None:
        known = self.users.get(username.lower())
        return known[0] if known else None

    def may_earn(self, username: str | None) -> bool:
        if not username:
            return False
        name = username.lower()
        answer = self._answers.get(name)
        if answer is None:
            known = self.users.get(name)
            flagged = bool(known and known[1])
            answer = not (
                flagged
                or is_bot(
                    {"username": username},
                    usernames=self.bot_usernames,
                    patterns=self.bot_patterns,
                )
                or name in self.opt_out
                or (bool(self.people) and name not in self.people)
            )
            self._answers[name] = answer
        return answer
