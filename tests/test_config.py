"""The configuration file: loading, defaults, one-line errors that point at the right line,
the token kept out of sight, and ``ladder-bot config check``."""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.config import (
    KEYS,
    BotSettings,
    Config,
    DigestSettings,
    GitLabSettings,
    Person,
    SyncSettings,
    Watch,
    _Locator,
    load_config,
    resolve_config_path,
)
from bot.errors import ConfigError

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "config.example.toml"
DOCS = ROOT / "docs" / "configuration.md"

# A distinctive token: no test output, repr or message may ever contain it.
TOKEN = "glpat-Zq9TOKENv4lueX7w"

# The smallest valid file; cases below add to it, so its line numbers matter.
BASE = """\
[gitlab]
url = "https://gitlab.example.com"
token_env = "GITLAB_TOKEN"

[watch]
projects = ["acme/backend"]

[database]
url = "sqlite:///ladder-bot.db"
"""
# Lines of BASE, for cases that point into it.
GITLAB, GITLAB_URL, TOKEN_ENV, WATCH, PROJECTS, DATABASE, DATABASE_URL = 1, 2, 3, 5, 6, 8, 9

PEOPLE = """\
[[people]]
username = "alice"
level = 2

# [[people]] commented out: not an entry
[[people]]
username = "bob"
level = 3
digest_issue = "acme/growth#12"

[[people]]
username = "carol"
level = 5
"""
# PEOPLE appended to BASE: the three [[people]] headers, and the keys of the third entry.
P0, P1, P2 = 10, 15, 20
P2_USERNAME, P2_LEVEL = 21, 22


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    """The error for ``text`` without the file name: ``LINE: KEY: MESSAGE``."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:"), message
    assert "\n" not in message
    return message.removeprefix(f"{path}:").lstrip(" ")


def replace(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# -- what loads ------------------------------------------------------------------------------


def test_the_example_file_loads_with_every_key(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    assert config.path == EXAMPLE
    assert config.gitlab == GitLabSettings(
        url="https://gitlab.example.com",
        token_env="GITLAB_TOKEN",
        token_file=None,
        timeout_seconds=30.0,
    )
    assert config.watch == Watch(projects=("acme/backend",), groups=("acme",))
    assert config.database_url == "sqlite:///ladder-bot.db"
    assert config.people == (
        Person("alice", 2, "acme/growth#12"),
        Person("bob", 4, None),
    )
    assert config.bots == BotSettings(
        usernames=frozenset({"ci-helper"}), patterns=("*-bot", "renovate*", "dependabot*")
    )
    assert config.timezone == ZoneInfo("Europe/Berlin")
    assert config.opt_out == frozenset({"dave"})
    assert config.sync == SyncSettings(
        request_budget=20000, max_requests_per_minute=600, overlap_seconds=300, reconcile_days=7
    )
    assert config.digest == DigestSettings(
        post_to="issue",
        project="acme/growth",
        confidential_issues=True,
        send_weekday=0,
        send_time=time(9, 0),
        show_confidential_in_same_project=False,
        max_posts_per_minute=20,
    )
    assert config.digest.send_at == "monday 09:00"
    assert config.summary() == "1 project, 1 group, 2 people, database sqlite"


def test_the_example_sets_every_key_the_loader_knows() -> None:
    """Every key is in config.example.toml, set or (token_file, exclusive) commented out."""
    text = EXAMPLE.read_text()
    data = tomllib.loads(text)
    for table, keys in KEYS.items():
        for key in keys:
            if table == "":
                assert key in data, key
            elif table == "people":
                assert all(key in entry for entry in data["people"][:1]), key
            else:
                written = key in data[table]
                commented = re.search(rf"^#\s*{key}\s*=", text, re.M) is not None
                assert written or commented, f"{table}.{key}"


def test_docs_mention_every_key() -> None:
    docs = DOCS.read_text()
    for table, keys in KEYS.items():
        for key in keys:
            if table == "" and key in KEYS:
                name = "[[people]]" if key == "people" else f"[{key}]"
            elif table == "":
                name = key
            elif table == "people":
                name = f"people[].{key}"
            else:
                name = f"{table}.{key}"
            assert f"`{name}`" in docs, name


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE))
    assert config.gitlab.timeout_seconds == 30.0
    assert config.watch.groups == ()
    assert config.people == ()
    assert config.bots == BotSettings(usernames=frozenset(), patterns=())
    assert config.timezone == ZoneInfo("UTC")
    assert config.opt_out == frozenset()
    assert config.sync == SyncSettings(
        request_budget=0, max_requests_per_minute=600, overlap_seconds=300, reconcile_days=7
    )
    assert config.digest == DigestSettings(
        post_to="issue",
        project=None,
        confidential_issues=True,
        send_weekday=0,
        send_time=time(9, 0),
        show_confidential_in_same_project=False,
        max_posts_per_minute=20,
    )
    assert config.summary() == "1 project, 0 groups, 0 people, database sqlite"


def test_digest_settings(tmp_path: Path) -> None:
    text = BASE + (
        "[digest]\n"
        'post_to = "project"\n'
        'project = "acme/growth"\n'
        "confidential_issues = false\n"
        'send_at = "  Fri   7:30 "\n'
        "show_confidential_in_same_project = true\n"
        "max_posts_per_minute = 0\n"
    )
    digest = load_config(write(tmp_path, text)).digest
    assert digest == DigestSettings(
        post_to="project",
        project="acme/growth",
        confidential_issues=False,
        send_weekday=4,
        send_time=time(7, 30),
        show_confidential_in_same_project=True,
        max_posts_per_minute=0,
    )
    assert digest.send_at == "friday 07:30"
    sunday = load_config(write(tmp_path, BASE + '[digest]\nsend_at = "SUNDAY 23:59"\n')).digest
    assert (sunday.send_weekday, sunday.send_time, sunday.post_to) == (6, time(23, 59), "issue")


def test_the_same_settings_in_other_toml_spellings(tmp_path: Path) -> None:
    """Inline tables, dotted keys, quoted keys and multi-line arrays mean the same thing."""
    text = """\
timezone = "Europe/Berlin"
gitlab = { url = "https://gitlab.example.com/", "token_file" = "secrets/gitlab" }
watch.groups = [
    "acme",          # the whole group
    "Other/Team",
]
database.url = "postgres://ladder:pw@db/ladder"
people = [
    { username = "alice", level = 2 },
    { username = "Bob", level = 6, digest_issue = "acme/growth#3" },
]
privacy.opt_out = ["Dave", "erin"]
[sync]
overlap_seconds = 60
"""
    config = load_config(write(tmp_path, text))
    assert config.gitlab.url == "https://gitlab.example.com"
    assert config.gitlab.token_file == tmp_path / "secrets/gitlab"
    assert config.watch == Watch(projects=(), groups=("acme", "Other/Team"))
    assert config.database_url == "postgresql+psycopg://ladder:pw@db/ladder"
    assert config.database_kind == "postgresql"
    assert config.person("BOB") == Person("Bob", 6, "acme/growth#3")
    assert config.person("bob") is not None and config.person("zed") is None
    assert config.people[1].digest_issue_ref == ("acme/growth", 3)
    assert config.people[0].digest_issue_ref is None
    assert config.opt_out == frozenset({"dave", "erin"})
    assert config.opted_out("DAVE") and not config.opted_out("alice")
    assert config.sync.overlap_seconds == 60
    assert config.summary() == "0 projects, 2 groups, 2 people, database postgresql"


def test_opt_out_may_name_people_who_are_not_listed_and_people_who_are(tmp_path: Path) -> None:
    text = BASE + "[privacy]\nopt_out = ['alice', 'somebody-else']\n" + PEOPLE
    config = load_config(write(tmp_path, text))
    assert config.opted_out("alice") and config.opted_out("somebody-else")
    assert config.person("alice") is not None


def test_bot_matching_ignores_case() -> None:
    bots = BotSettings(usernames=frozenset({"ci-helper"}), patterns=("*-bot", "renovate*"))
    assert bots.matches("CI-Helper") and bots.matches("Deploy-BOT") and bots.matches("renovate")
    assert not bots.matches("alice") and not bots.matches("robot")
    assert bots.matching_pattern("deploy-bot") == "*-bot"
    assert bots.matching_pattern("ci-helper") is None


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_config(path).database_url == "sqlite:///ladder-bot.db"


# -- errors: one line, the right line, the right key -----------------------------------------

SENIOR = replace("level = 3", 'level = "senior"', PEOPLE)

ERRORS: list[tuple[str, str, str]] = [
    # (case, file text, expected "LINE: KEY: MESSAGE")
    (
        "people entry 2, wrong type",
        BASE + SENIOR,
        f'{P1 + 2}: people[1].level: expected an integer from 1 to 6, got "senior"',
    ),
    (
        "people entry 3, key missing: the entry's header line",
        BASE + replace("level = 5\n", "", PEOPLE),
        f"{P2}: people[2].level: required key is missing (expected an integer from 1 to 6)",
    ),
    (
        "people entry 3, level out of range",
        BASE + replace("level = 5", "level = 7", PEOPLE),
        f"{P2_LEVEL}: people[2].level: expected an integer from 1 to 6, got 7",
    ),
    (
        "people entry 3, boolean is not an integer",
        BASE + replace("level = 5", "level = true", PEOPLE),
        f"{P2_LEVEL}: people[2].level: expected an integer from 1 to 6, got true",
    ),
    (
        "people entry 3, duplicate username in another case",
        BASE + replace('"carol"', '"Alice"', PEOPLE),
        f'{P2_USERNAME}: people[2].username: person "Alice" is listed twice (first as people[0])',
    ),
    (
        "people entry 3, unknown key",
        BASE + PEOPLE + "levle = 1\n",
        f"{P2_LEVEL + 1}: people[2].levle: unknown key (did you mean 'level'?)",
    ),
    (
        "people entry 2, username with @",
        BASE + replace('"bob"', '"@bob"', PEOPLE),
        f'{P1 + 1}: people[1].username: expected a GitLab username without "@", got "@bob"',
    ),
    (
        "people entry 2, username not a username",
        BASE + replace('"bob"', '"bob smith"', PEOPLE),
        f"{P1 + 1}: people[1].username: expected a GitLab username "
        '(letters, digits, "_", "-", "."), got "bob smith"',
    ),
    (
        "people entry 2, digest issue without a project",
        BASE + replace('"acme/growth#12"', '"growth#12"', PEOPLE),
        f"{P1 + 3}: people[1].digest_issue: expected an issue reference such as "
        '"acme/growth#12", got "growth#12"',
    ),
    (
        "people entry 2, digest issue without an iid",
        BASE + replace('"acme/growth#12"', '"acme/growth"', PEOPLE),
        f"{P1 + 3}: people[1].digest_issue: expected an issue reference such as "
        '"acme/growth#12", got "acme/growth"',
    ),
    (
        "a subtable of people entry 2",
        BASE + replace('digest_issue = "acme/growth#12"\n', "[people.extra]\n", PEOPLE),
        f"{P1 + 3}: people[1].extra: unknown key",
    ),
    (
        "people as a plain table",
        BASE + '[people]\nusername = "alice"\n',
        "10: people: expected [[people]] entries, got a table: write [[people]]",
    ),
    (
        "people as an array of strings",
        'people = ["alice"]\n' + BASE,
        '1: people[0]: expected a [[people]] entry, got "alice"',
    ),
    (
        "people in an inline array over several lines",
        'people = [\n  { username = "a", level = 1 },\n  { username = "b", level = 0 },\n]\n'
        + BASE,
        "3: people[1].level: expected an integer from 1 to 6, got 0",
    ),
    (
        "a person who is a bot by name",
        BASE + '[bots]\nusernames = ["Carol"]\n' + PEOPLE,
        f'{P2_USERNAME + 2}: people[2].username: "carol" is listed in bots.usernames; '
        "bot accounts never earn evidence",
    ),
    (
        "a person who is a bot by pattern",
        BASE + "[bots]\npatterns = ['b*']\n" + PEOPLE,
        f'{P1 + 3}: people[1].username: "bob" matches the bot pattern "b*" in bots.patterns; '
        "bot accounts never earn evidence",
    ),
    (
        "unknown key with a near miss",
        replace("[watch]\n", "[watch]\ngroup = ['acme']\n"),
        f"{WATCH + 1}: watch.group: unknown key (did you mean 'groups'?)",
    ),
    (
        "unknown key that belongs elsewhere",
        BASE + "[bots]\nopt_out = ['dave']\n",
        "11: bots.opt_out: unknown key (opt_out belongs in [privacy])",
    ),
    (
        "unknown key in another case",
        replace('url = "sqlite', 'URL = "sqlite'),
        f"{DATABASE_URL}: database.URL: unknown key (did you mean 'url'?)",
    ),
    (
        "unknown table",
        BASE + "[sinc]\nreconcile_days = 3\n",
        "10: sinc: unknown key (did you mean 'sync'?)",
    ),
    (
        "unknown quoted key with a line break",
        BASE + '"odd\\nkey" = 1\n',
        '10: database."odd\\nkey": unknown key',
    ),
    (
        "timezone below a table header",
        BASE + '[sync]\ntimezone = "Europe/Berlin"\n',
        "11: sync.timezone: unknown key "
        "(timezone is a top-level key: put it above the first [table])",
    ),
    (
        "a top-level table's dotted key below another table",
        BASE + "sync.overlap_seconds = 120\n",
        "10: database.sync: unknown key (sync is a top-level table, not part of [database])",
    ),
    (
        "timezone misspelt",
        'timezone = "Europe/Berln"\n' + BASE,
        '1: timezone: expected an IANA time zone name such as "Europe/Berlin", '
        "got \"Europe/Berln\" (did you mean 'Europe/Berlin'?)",
    ),
    (
        "timezone not a zone",
        'timezone = "CEST-ish"\n' + BASE,
        '1: timezone: expected an IANA time zone name such as "Europe/Berlin", got "CEST-ish"',
    ),
    (
        "timezone a TOML date",
        "timezone = 2024-01-01\n" + BASE,
        "1: timezone: expected an IANA time zone name such as "
        '"Europe/Berlin", got a date (2024-01-01)',
    ),
    (
        "top-level dotted key",
        "sync.overlap_seconds = 30\n" + BASE,
        "1: sync.overlap_seconds: expected an integer number of seconds, at least 60, got 30",
    ),
    (
        "dotted key inside a table",
        replace("[watch]\n", "[watch]\nx.y = 1\n"),
        f"{WATCH + 1}: watch.x: unknown key",
    ),
    (
        "multi-line array, third item",
        replace(
            'projects = ["acme/backend"]',
            'projects = [\n  "acme/backend",  # ok\n\n  "acme/frontend",\n  "backend",\n]',
        ),
        f'{PROJECTS + 4}: watch.projects[2]: expected a project path such as "acme/backend", '
        'got "backend"',
    ),
    (
        "multi-line array, duplicate item",
        replace('projects = ["acme/backend"]', 'projects = [\n  "acme/a",\n  "ACME/A",\n]'),
        f'{PROJECTS + 2}: watch.projects[1]: project "ACME/A" is listed twice '
        "(first as watch.projects[0])",
    ),
    (
        "array item on one line",
        replace('projects = ["acme/backend"]', 'groups = ["acme", 42]'),
        f'{PROJECTS}: watch.groups[1]: expected a group path such as "acme" or '
        '"acme/platform", got 42',
    ),
    (
        "a string instead of an array",
        replace('projects = ["acme/backend"]', 'projects = "acme/backend"'),
        f'{PROJECTS}: watch.projects: expected an array of project paths, got "acme/backend"',
    ),
    (
        "nothing to watch: the header line",
        replace('projects = ["acme/backend"]', "projects = []\ngroups = []"),
        f"{WATCH}: watch: expected at least one project or group to watch",
    ),
    (
        "missing key: the header line",
        replace('url = "https://gitlab.example.com"\n', ""),
        f'{GITLAB}: gitlab.url: required key is missing (expected an http:// or https:// URL such as "https://gitlab.example.com")',
    ),
    (
        "missing key of an inline table",
        "database = {}\n" + replace('[database]\nurl = "sqlite:///ladder-bot.db"\n', ""),
        "1: database.url: required key is missing (expected a URL such as "
        '"sqlite:///ladder-bot.db" or "postgresql+psycopg://user@host/db")',
    ),
    (
        "a table's key below another table",
        replace("[database]\n", "database = {}\n"),
        f"{DATABASE}: watch.database: unknown key "
        "(database is a top-level table, not part of [watch])",
    ),
    (
        "missing table: no line",
        replace('[database]\nurl = "sqlite:///ladder-bot.db"\n', ""),
        "database: missing required table [database]",
    ),
    (
        "a table that is not one",
        'database = "sqlite://"\n' + replace('[database]\nurl = "sqlite:///ladder-bot.db"\n', ""),
        '1: database: expected a [database] table, got "sqlite://"',
    ),
    (
        "url without http(s)",
        replace('"https://gitlab.example.com"', '"gitlab.example.com"'),
        f'{GITLAB_URL}: gitlab.url: expected an http:// or https:// URL such as "https://gitlab.example.com", got "gitlab.example.com"',
    ),
    (
        "url with another scheme",
        replace('"https://gitlab.example.com"', '"ftp://gitlab.example.com"'),
        f'{GITLAB_URL}: gitlab.url: expected an http:// or https:// URL such as "https://gitlab.example.com", got "ftp://gitlab.example.com"',
    ),
    (
        "url of the API",
        replace('"https://gitlab.example.com"', '"https://gitlab.example.com/api/v4"'),
        f'{GITLAB_URL}: gitlab.url: expected GitLab\'s base URL, without "/api/v4", '
        'got "https://gitlab.example.com/api/v4"',
    ),
    (
        "url with a bad port",
        replace('"https://gitlab.example.com"', '"https://gitlab.example.com:https"'),
        f'{GITLAB_URL}: gitlab.url: expected an http:// or https:// URL such as "https://gitlab.example.com", got "https://gitlab.example.com:https"',
    ),
    (
        "both token_env and token_file",
        replace('token_env = "GITLAB_TOKEN"', 'token_env = "GITLAB_TOKEN"\ntoken_file = "t"'),
        f"{TOKEN_ENV + 1}: gitlab.token_file: set only one of token_env and token_file, not both",
    ),
    (
        "neither token_env nor token_file: the header line",
        replace('token_env = "GITLAB_TOKEN"\n', ""),
        f"{GITLAB}: gitlab.token_env: required key is missing: set token_env (an environment "
        "variable) or token_file (a file) to say where the GitLab token is",
    ),
    (
        "token_env not a variable name",
        replace('"GITLAB_TOKEN"', '"GITLAB TOKEN"'),
        f"{TOKEN_ENV}: gitlab.token_env: expected the name of an environment variable such as "
        '"GITLAB_TOKEN", never the token itself',
    ),
    (
        "timeout zero",
        replace('token_env = "GITLAB_TOKEN"', 'token_env = "GITLAB_TOKEN"\ntimeout_seconds = 0'),
        f"{TOKEN_ENV + 1}: gitlab.timeout_seconds: expected a number of seconds greater than 0, "
        "got 0",
    ),
    (
        "timeout a string",
        replace('token_env = "GITLAB_TOKEN"', 'token_env = "GITLAB_TOKEN"\ntimeout_seconds = "30"'),
        f"{TOKEN_ENV + 1}: gitlab.timeout_seconds: expected a number of seconds greater than 0, "
        'got "30"',
    ),
    (
        "timeout infinite",
        replace('token_env = "GITLAB_TOKEN"', 'token_env = "GITLAB_TOKEN"\ntimeout_seconds = inf'),
        f"{TOKEN_ENV + 1}: gitlab.timeout_seconds: expected a number of seconds greater than 0, "
        "got inf",
    ),
    (
        "database not sqlite or postgresql",
        replace('"sqlite:///ladder-bot.db"', '"mysql://root@db/ladder"'),
        f'{DATABASE_URL}: database.url: expected a URL such as "sqlite:///ladder-bot.db" or '
        '"postgresql+psycopg://user@host/db" (SQLite or PostgreSQL), got scheme "mysql"',
    ),
    (
        "database url without a scheme",
        replace('"sqlite:///ladder-bot.db"', '"ladder-bot.db"'),
        f'{DATABASE_URL}: database.url: expected a URL such as "sqlite:///ladder-bot.db" or '
        '"postgresql+psycopg://user@host/db", got a value without a scheme',
    ),
    (
        "sqlite with two slashes",
        replace('"sqlite:///ladder-bot.db"', '"sqlite://ladder-bot.db"'),
        f'{DATABASE_URL}: database.url: expected "sqlite:///relative/path.db" or '
        '"sqlite:////absolute/path.db" (three or four slashes)',
    ),
    (
        "bots.patterns empty pattern",
        BASE + "[bots]\npatterns = [\n  '*-bot',\n  '',\n]\n",
        '13: bots.patterns[1]: expected a glob pattern such as "*-bot", got ""',
    ),
    (
        "privacy.opt_out not usernames",
        BASE + "[privacy]\nopt_out = [3]\n",
        "11: privacy.opt_out[0]: expected a GitLab username "
        '(letters, digits, "_", "-", "."), got 3',
    ),
    (
        "sync.request_budget negative",
        BASE + "[sync]\nrequest_budget = -1\n",
        "11: sync.request_budget: expected an integer number of requests, 0 (unlimited) or "
        "more, got -1",
    ),
    (
        "sync.max_requests_per_minute negative",
        BASE + "[sync]\nmax_requests_per_minute = -5\n",
        "11: sync.max_requests_per_minute: expected an integer number of requests, 0 (no pacing) "
        "or more, got -5",
    ),
    (
        "sync.overlap_seconds below 60",
        BASE + "[sync]\n\n# re-read window\noverlap_seconds = 59\n",
        "13: sync.overlap_seconds: expected an integer number of seconds, at least 60, got 59",
    ),
    (
        "sync.overlap_seconds a float",
        BASE + "[sync]\noverlap_seconds = 300.0\n",
        "11: sync.overlap_seconds: expected an integer number of seconds, at least 60, got 300.0",
    ),
    (
        "sync.reconcile_days zero",
        BASE + "[sync]\nreconcile_days = 0\n",
        "11: sync.reconcile_days: expected an integer number of days, at least 1, got 0",
    ),
    (
        "multi-line strings and comments do not confuse the line count",
        'timezone = """\nnot\n[watch]\n"""\n' + BASE,
        '1: timezone: expected an IANA time zone name such as "Europe/Berlin", '
        'got "not\\n[watch]\\n"',
    ),
    (
        "digest.post_to not a choice",
        BASE + '[digest]\npost_to = "issues"\n',
        '11: digest.post_to: expected "issue" or "project", got "issues"',
    ),
    (
        "digest.project missing with post_to = project: the header line",
        BASE + '[digest]\npost_to = "project"\n',
        '10: digest.project: required key is missing with post_to = "project" '
        '(expected a project path such as "acme/growth")',
    ),
    (
        "digest.project not a project path",
        BASE + '[digest]\nproject = "growth"\n',
        '11: digest.project: expected a project path such as "acme/growth", got "growth"',
    ),
    (
        "digest.confidential_issues a string",
        BASE + '[digest]\nconfidential_issues = "yes"\n',
        '11: digest.confidential_issues: expected true or false, got "yes"',
    ),
    (
        "digest.show_confidential_in_same_project a number",
        BASE + "[digest]\nshow_confidential_in_same_project = 1\n",
        "11: digest.show_confidential_in_same_project: expected true or false, got 1",
    ),
    (
        "digest.send_at without a time",
        BASE + '[digest]\nsend_at = "monday"\n',
        '11: digest.send_at: expected a weekday and a 24-hour local time such as "monday 09:00", '
        'got "monday"',
    ),
    (
        "digest.send_at an impossible hour",
        BASE + '[digest]\nsend_at = "tue 24:00"\n',
        '11: digest.send_at: expected a weekday and a 24-hour local time such as "monday 09:00", '
        'got "tue 24:00"',
    ),
    (
        "digest.send_at not a weekday",
        BASE + '[digest]\nsend_at = "someday 09:00"\n',
        '11: digest.send_at: expected a weekday and a 24-hour local time such as "monday 09:00", '
        'got "someday 09:00"',
    ),
    (
        "digest.send_at a TOML time",
        BASE + "[digest]\nsend_at = 09:00:00\n",
        '11: digest.send_at: expected a weekday and a 24-hour local time such as "monday 09:00", '
        "got a time (09:00:00)",
    ),
    (
        "digest.max_posts_per_minute negative",
        BASE + "[digest]\nmax_posts_per_minute = -1\n",
        "11: digest.max_posts_per_minute: expected an integer number of posts, 0 (no pacing) "
        "or more, got -1",
    ),
    (
        "digest key misspelt",
        BASE + '[digest]\npost_too = "issue"\n',
        "11: digest.post_too: unknown key (did you mean 'post_to'?)",
    ),
    (
        "digest_issue in [digest] belongs to a person",
        BASE + '[digest]\ndigest_issue = "acme/growth#1"\n',
        "11: digest.digest_issue: unknown key (digest_issue belongs in [[people]])",
    ),
    (
        "TOML syntax error",
        replace('projects = ["acme/backend"]', "projects = [acme/backend]"),
        f"{PROJECTS}: invalid TOML: invalid value (column 13)",
    ),
    (
        "TOML duplicate key",
        replace('token_env = "GITLAB_TOKEN"', 'url = "https://other.example.com"'),
        f"{TOKEN_ENV}: invalid TOML: cannot overwrite a value: a key or table is defined twice "
        "(column 34)",
    ),
    (
        "TOML error at the end",
        BASE + 'timezone = """UTC',
        "10: invalid TOML: unterminated string (at end of file)",
    ),
    (
        "empty file",
        "",
        "gitlab: missing required table [gitlab]",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_errors_name_line_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(tmp_path, text) == expected


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: not found (use --config FILE or $LADDER_BOT_CONFIG)"


def test_unreadable_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == f"{tmp_path}: cannot read: Is a directory"
    path = tmp_path / "config.toml"
    path.write_bytes(BASE.encode() + b'timezone = "\xff"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}:10: not UTF-8 text: byte {len(BASE) + 12} is 0xff"


# -- the token -------------------------------------------------------------------------------


def with_token_file(tmp_path: Path, file: str) -> Config:
    text = replace('token_env = "GITLAB_TOKEN"', f'token_file = "{file}"')
    return load_config(write(tmp_path, text))


def test_token_from_the_environment_is_read_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    config = load_config(write(tmp_path, BASE))  # loading does not need the token
    monkeypatch.setenv("GITLAB_TOKEN", f"  {TOKEN}\n")
    assert config.gitlab.token() == TOKEN
    assert config.gitlab.token({"GITLAB_TOKEN": "other"}) == "other"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "environment variable GITLAB_TOKEN is not set"),
        ({"GITLAB_TOKEN": " \n"}, "environment variable GITLAB_TOKEN is empty"),
        (
            {"GITLAB_TOKEN": f"{TOKEN} {TOKEN}"},
            "environment variable GITLAB_TOKEN holds more than a token "
            "(spaces, line breaks or control characters)",
        ),
    ],
)
def test_token_from_the_environment_missing(
    tmp_path: Path, environ: dict[str, str], expected: str
) -> None:
    path = write(tmp_path, BASE)
    with pytest.raises(ConfigError) as caught:
        load_config(path).gitlab.token(environ)
    assert str(caught.value) == f"{path}:{TOKEN_ENV}: gitlab.token_env: {expected}"
    assert TOKEN not in str(caught.value)


def test_token_from_a_file_is_read_when_asked(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    config = with_token_file(tmp_path, str(secret))
    assert config.gitlab.token_file == secret
    secret.write_text(f"{TOKEN}\n")
    assert config.gitlab.token() == TOKEN
    secret.write_text("rotated\n")
    assert config.gitlab.token() == "rotated"


def test_a_relative_token_file_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "gitlab").write_text(TOKEN)
    config = with_token_file(tmp_path, "secrets/gitlab")
    assert config.gitlab.token_file == tmp_path / "secrets" / "gitlab"
    assert config.gitlab.token() == TOKEN


def test_token_file_problems(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    path = tmp_path / "config.toml"
    config = with_token_file(tmp_path, str(secret))
    where = f"{path}:{TOKEN_ENV}: gitlab.token_file"

    def problem() -> str:
        with pytest.raises(ConfigError) as caught:
            config.gitlab.token()
        assert TOKEN not in str(caught.value)
        return str(caught.value)

    assert problem() == f"{where}: cannot read {secret}: No such file or directory"
    secret.write_text("\n\n")
    assert problem() == f"{where}: token file {secret} is empty"
    secret.write_text(f"GITLAB_TOKEN={TOKEN}\nother line\n")
    assert problem() == (
        f"{where}: token file {secret} holds more than a token "
        "(spaces, line breaks or control characters)"
    )
    secret.write_bytes(b"\xff" + TOKEN.encode())
    assert problem() == f"{where}: token file {secret} is not UTF-8 text"
    secret.unlink()
    secret.mkdir()
    assert problem() == f"{where}: cannot read {secret}: Is a directory"


def test_the_token_never_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    config = load_config(write(tmp_path, BASE))
    assert config.gitlab.token() == TOKEN
    for shown in (repr(config), str(config), repr(config.gitlab), str(config.gitlab)):
        assert TOKEN not in shown
    (tmp_path / "t").write_text(TOKEN)
    from_file = with_token_file(tmp_path, "t")
    assert from_file.gitlab.token() == TOKEN
    assert TOKEN not in repr(from_file) and TOKEN not in str(from_file)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('token_env = "GITLAB_TOKEN"', f'token_env = "{TOKEN}"'),
        ('token_env = "GITLAB_TOKEN"', f'token_file = "{TOKEN}"'),
        ('token_env = "GITLAB_TOKEN"', f'token = "{TOKEN}"'),
        ('token_env = "GITLAB_TOKEN"', f'private_token = "{TOKEN}"'),
        ("https://gitlab", f"https://oauth2:{TOKEN}@gitlab"),
        ("https://gitlab", f"https://{TOKEN}@gitlab"),
        ('"sqlite:///ladder-bot.db"', f'"mysql://ladder:{TOKEN}@db/ladder"'),
        ('"sqlite:///ladder-bot.db"', f'"{TOKEN}"'),
        ("https://gitlab.example.com", f"https://gitlab.example.com/?private_token={TOKEN}"),
        ("https://gitlab.example.com", TOKEN),
        ('"acme/backend"', f'"{TOKEN}"'),
        ('token_env = "GITLAB_TOKEN"', f'token_env = "GITLAB_TOKEN"\n{TOKEN} = 1'),
    ],
)
def test_a_token_pasted_into_the_file_is_not_echoed(tmp_path: Path, old: str, new: str) -> None:
    message = error_of(tmp_path, replace(old, new))
    assert TOKEN not in message
    assert TOKEN[6:] not in message
    assert re.match(r"\d+: (gitlab|database|watch)\.", message), message


def test_a_database_password_is_masked_in_repr(tmp_path: Path) -> None:
    text = replace('"sqlite:///ladder-bot.db"', f'"postgresql+psycopg://ladder:{TOKEN}@db/x"')
    config = load_config(write(tmp_path, text))
    assert config.database_url == f"postgresql+psycopg://ladder:{TOKEN}@db/x"
    assert TOKEN not in repr(config)
    assert "database_url='postgresql+psycopg://ladder:***@db/x'" in repr(config)


# -- which file ------------------------------------------------------------------------------


def test_resolve_config_path_precedence(tmp_path: Path) -> None:
    env = {"LADDER_BOT_CONFIG": "from-env.toml"}
    assert resolve_config_path(Path("opt.toml"), env, tmp_path) == tmp_path / "opt.toml"
    assert resolve_config_path(Path("/etc/lb.toml"), env, tmp_path) == Path("/etc/lb.toml")
    assert resolve_config_path(None, env, tmp_path) == tmp_path / "from-env.toml"
    assert resolve_config_path(None, {"LADDER_BOT_CONFIG": "/x/c.toml"}, tmp_path) == Path(
        "/x/c.toml"
    )
    assert resolve_config_path(None, {"LADDER_BOT_CONFIG": ""}, tmp_path) == (
        tmp_path / "config.toml"
    )
    assert resolve_config_path(None, {}, tmp_path) == tmp_path / "config.toml"


# -- ladder-bot config check -----------------------------------------------------------------


def test_config_check_ok(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, BASE + PEOPLE)
    result = CliRunner().invoke(main, ["config", "check"], env={"GITLAB_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: OK (1 project, 0 groups, 3 people, database sqlite)\n"
    assert result.stderr == ""
    assert TOKEN not in result.output


def test_config_check_finds_the_file_by_option_then_environment(tmp_path: Path) -> None:
    example = str(EXAMPLE)
    other = write(tmp_path, BASE, "other.toml")
    env = {"GITLAB_TOKEN": TOKEN, "LADDER_BOT_CONFIG": example}
    by_env = CliRunner().invoke(main, ["config", "check"], env=env)
    assert by_env.stdout == f"{example}: OK (1 project, 1 group, 2 people, database sqlite)\n"
    by_option = CliRunner().invoke(main, ["config", "check", "--config", str(other)], env=env)
    assert by_option.stdout == f"{other}: OK (1 project, 0 groups, 0 people, database sqlite)\n"


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        (
            BASE,
            {"GITLAB_TOKEN": None},
            f"{TOKEN_ENV}: gitlab.token_env: environment variable GITLAB_TOKEN is not set",
        ),
        (
            BASE + SENIOR,
            {"GITLAB_TOKEN": TOKEN},
            f'{P1 + 2}: people[1].level: expected an integer from 1 to 6, got "senior"',
        ),
    ],
)
def test_config_check_failure_is_one_line_and_exit_2(
    tmp_path: Path, text: str, env: dict[str, str | None], expected: str
) -> None:
    path = write(tmp_path, text)
    result = CliRunner().invoke(main, ["config", "check", "--config", str(path)], env=env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"ladder-bot: {path}:{expected}\n"
    assert "Traceback" not in result.output and TOKEN not in result.output


def test_config_check_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["config", "check"], env={"LADDER_BOT_CONFIG": None})
    assert result.exit_code == 2
    assert result.stderr == (
        f"ladder-bot: {tmp_path / 'config.toml'}: not found "
        "(use --config FILE or $LADDER_BOT_CONFIG)\n"
    )


# -- anything at all: a ConfigError or a Config -----------------------------------------------

FRAGMENTS = [
    *"[]{}=,.#\"'\n \t-_0123456789",
    "[[",
    "]]",
    '"""',
    "'''",
    "\\",
    "true",
    "inf",
    "1979-05-27T07:32:00Z",
    *KEYS,
    *(key for keys in KEYS.values() for key in keys),
    "people",
    "https://gitlab.example.com",
    "acme/backend",
    "é",
    "\u2028",
    "\x00",
]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "config.toml"


def must_fail_cleanly(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    try:
        config = load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(str(path))
        assert len(message.splitlines()) == 1, message
    else:
        assert isinstance(config, Config)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join), st.text(max_size=80))
)
def test_random_toml_ish_text_only_ever_raises_config_error(scratch: Path, text: str) -> None:
    must_fail_cleanly(scratch, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=len(EXAMPLE.read_text())),
    st.integers(min_value=0, max_value=8),
    st.lists(st.sampled_from(FRAGMENTS), max_size=4).map("".join),
)
def test_a_damaged_example_only_ever_raises_config_error(
    scratch: Path, at: int, cut: int, insert: str
) -> None:
    text = EXAMPLE.read_text()
    must_fail_cleanly(scratch, text[:at] + insert + text[at + cut :])


# -- the locator on documents whose lines are known -------------------------------------------


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[tuple[Any, ...], int]]:
    """A TOML document in mixed styles, with the line of every key and array item."""
    lines: list[str] = []
    expected: dict[tuple[Any, ...], int] = {}
    names = st.sampled_from(["a", "b-c", "d_e", "key", "9", '"q.k"', "'lit'"])

    def name_of(raw: str) -> str:
        return raw.strip("'\"")

    def emit(text: str) -> int:
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# [x] = 1", "   # note"])))
        start = len(lines) + 1
        lines.extend(text.split("\n"))
        return start

    def pairs(table: tuple[Any, ...]) -> None:
        keys = draw(st.lists(names, min_size=1, max_size=4, unique_by=name_of))
        for raw in keys:
            key = (*table, name_of(raw))
            style = draw(st.sampled_from(["int", "str", "ml", "arr", "multiarr", "inline"]))
            if style == "int":
                expected[key] = emit(f"{raw} = 1")
            elif style == "str":
                expected[key] = emit(f'{raw} = "x # [y] \\" ]"  # c')
            elif style == "ml":
                expected[key] = emit(f'{raw} = """\n[fake]\n"""')
            elif style == "arr":
                expected[key] = emit(f'{raw} = [1, "a,b", [2]]')
                for index in range(3):
                    expected[(*key, index)] = expected[key]
            elif style == "multiarr":
                expected[key] = emit(f"{raw} = [")
                for index in range(draw(st.integers(0, 3))):
                    expected[(*key, index)] = emit(f'  "item {index}",  # comment ]')
                emit("]")
            else:
                expected[key] = emit(f'{raw} = {{ x = 1, y.z = "}}" }}')
                expected[(*key, "x")] = expected[(*key, "y", "z")] = expected[key]

    pairs(())
    for index, raw in enumerate(draw(st.lists(names, max_size=3, unique_by=name_of))):
        table = (f"t{index}", name_of(raw))
        expected[table] = emit(f"[t{index} . {raw}]")
        pairs(table)
    for index in range(draw(st.integers(0, 3))):
        expected[("people", index)] = emit("[[people]]")
        pairs(("people", index))
    return "\n".join(lines) + "\n", expected


@settings(max_examples=200, deadline=None)
@given(documents())
def test_the_locator_finds_every_key_and_item(
    document: tuple[str, dict[tuple[Any, ...], int]],
) -> None:
    text, expected = document
    tomllib.loads(text)  # the generator writes valid TOML
    locator = _Locator(text)
    for key, line in expected.items():
        assert locator.line(key) == line, (key, text)


# -- [schedule] (ladder-bot run) ---------------------------------------------------------------


def test_schedule_settings(tmp_path: Path) -> None:
    from bot.config import ScheduleSettings

    assert load_config(EXAMPLE).schedule == ScheduleSettings(sync_every_minutes=30)
    assert load_config(write(tmp_path, BASE)).schedule == ScheduleSettings(sync_every_minutes=30)
    every = load_config(write(tmp_path, BASE + "[schedule]\nsync_every_minutes = 5\n"))
    assert every.schedule.sync_every_minutes == 5
    assert "schedule=ScheduleSettings(sync_every_minutes=5)" in repr(every)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BASE + "[schedule]\nsync_every_minutes = 4\n",
            "11: schedule.sync_every_minutes: expected an integer number of minutes, at least 5, "
            "got 4",
        ),
        (
            BASE + '[schedule]\nsync_every_minutes = "30"\n',
            "11: schedule.sync_every_minutes: expected an integer number of minutes, at least 5, "
            'got "30"',
        ),
        (
            BASE + '[schedule]\nsend_at = "monday 09:00"\n',
            "11: schedule.send_at: unknown key (send_at belongs in [digest])",
        ),
        (
            BASE + "[sync]\nsync_every_minutes = 30\n",
            "11: sync.sync_every_minutes: unknown key (sync_every_minutes belongs in [schedule])",
        ),
    ],
    ids=["too often", "a string", "send_at is the digest's", "in [sync]"],
)
def test_schedule_errors(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(tmp_path, text) == expected
