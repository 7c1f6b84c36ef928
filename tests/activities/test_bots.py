"""Bot detection and who may act: GitLab's non-people are out whatever the policy says."""

from __future__ import annotations

from typing import Any

import pytest

from bot.activities import ActorPolicy, is_bot, is_ghost, may_act
from tests.activities.factories import EVERYONE, Nobody, example, user

GITLAB_BOTS = [
    "ghost",
    "ghost1",
    "Ghost12",
    "alert-bot",
    "support-bot",
    "migration-bot",
    "GitLab-Security-Bot",
    "gitlab-security-bot",
    "automation-bot",
    "GitLab-Llm-Bot",
    "GitLabDuo",
    "GitLab-Admin-Bot",
    "project_1_bot_2a3af4d46b0a18e8830e07bc1e398f10",
    "group_345_bot_6018816a18e515214e0c34c2b33523fc",
    "project_123_bot",
    "project_123_bot1",
    "service_account_6018816a",
    "service_account_group_345_6018816a18e515214e0c34c2b33523fc",
    "service_account_project_345_6018816a18e515214e0c34c2b33523fc",
]
PEOPLE = [
    "john_smith",
    "ghostwriter",
    "ghost_rider",
    "project_manager",
    "my_project_1_bot_abc",
    "project_1_bots",
    "robot",
    "alert-bot-fan",
    "service_account_holder",
]


@pytest.mark.parametrize("username", GITLAB_BOTS)
def test_gitlabs_own_non_people_are_bots(username: str) -> None:
    assert is_bot(user(99, username), usernames=(), patterns=())


@pytest.mark.parametrize("username", PEOPLE)
def test_people_are_not_bots(username: str) -> None:
    assert not is_bot(user(99, username), usernames=(), patterns=())


def test_the_bot_flag_of_a_full_user_payload_decides() -> None:
    person = example("user_single")
    assert person["bot"] is False
    assert not is_bot(person, usernames=(), patterns=())
    assert is_bot({**person, "bot": True}, usernames=(), patterns=())


@pytest.mark.parametrize(
    ("username", "usernames", "patterns", "expected"),
    [
        ("renovate-bot", ["Renovate-Bot"], [], True),
        ("RENOVATE-BOT", ["renovate-bot"], [], True),
        ("ci-bot", [], ["*-bot"], True),
        ("CI-Bot", [], ["ci-*"], True),
        ("dependabot", [], ["*-bot"], False),
        ("renovate", ["renovate-bot"], [], False),
    ],
)
def test_configured_names_and_patterns_ignore_case(
    username: str, usernames: list[str], patterns: list[str], expected: bool
) -> None:
    assert is_bot(user(99, username), usernames=usernames, patterns=patterns) is expected


def test_a_payload_without_username_is_not_recognised() -> None:
    assert not is_bot({"id": 3}, usernames=(), patterns=["*"])


def test_ghost() -> None:
    assert is_ghost({"username": "ghost"}) and is_ghost({"username": "ghost3"})
    assert not is_ghost({"username": "ghostly"}) and not is_ghost({})


@pytest.mark.parametrize("username", GITLAB_BOTS)
def test_gitlabs_bots_never_act_even_when_the_policy_lets_everyone_through(
    username: str,
) -> None:
    assert not may_act(user(99, username), EVERYONE)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {"username": "alice"},
        {"id": 1},
        {"id": "1", "username": "alice"},
        {"id": True, "username": "alice"},
    ],
)
def test_an_actor_needs_an_integer_id_and_a_username(payload: Any) -> None:
    assert not may_act(payload, EVERYONE)


def test_the_policy_has_the_last_word_on_people() -> None:
    alice = user(11, "alice")
    assert may_act(alice, EVERYONE)
    assert not may_act(alice, Nobody())


def test_actor_policy() -> None:
    policy = ActorPolicy(bot_usernames=["renovate-bot"], bot_patterns=["*-ci"], opted_out={12})
    assert policy.eligible(user(11, "alice"))
    assert not policy.eligible(user(12, "bob"))  # opted out, by id
    assert not policy.eligible(user(13, "Renovate-Bot"))
    assert not policy.eligible(user(14, "deploy-ci"))
    assert not policy.eligible(user(15, "project_9_bot_ab"))
    assert not policy.eligible({**user(16, "carol"), "bot": True})
