"""ladder-bot's configuration: one TOML file, loaded into frozen, typed settings.

:func:`load_config` reads and validates the whole file up front. Anything wrong with it, whatever
its shape, is one :class:`~bot.errors.ConfigError` that reads ``FILE:LINE: KEY: MESSAGE``::

    config.toml:14: people[1].level: expected an integer from 1 to 6, got "senior"
    config.toml:7: watch.group: unknown key (did you mean 'groups'?)

``tomllib`` gives no positions for keys, so :class:`_Locator` re-reads the (already valid)
source to map a key path to its line: the key's own line, an array item's line, or, for a key
that is missing, the line of its table header.

The GitLab token never passes through here: the file names an environment variable or a file,
and :meth:`GitLabSettings.token` reads it when asked. No message or ``repr`` ever holds a token,
and a database password is masked in ``repr``.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import fnmatch
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import ConfigError

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_CONFIG_NAME",
    "KEYS",
    "BotSettings",
    "Config",
    "DigestSettings",
    "GitLabSettings",
    "Person",
    "ScheduleSettings",
    "SyncSettings",
    "Watch",
    "load_config",
    "resolve_config_path",
]

CONFIG_ENV_VAR: Final = "LADDER_BOT_CONFIG"
DEFAULT_CONFIG_NAME: Final = "config.toml"
DEFAULT_TIMEOUT_SECONDS: Final = 30.0
DEFAULT_TIMEZONE: Final = "UTC"
LEVELS: Final = range(1, 7)
MIN_OVERLAP_SECONDS: Final = 60
MIN_SYNC_EVERY_MINUTES: Final = 5

# Every key the loader accepts, by table ("" is the top level, "people" one [[people]] entry).
# Unknown-key errors suggest from here; tests check the example file and docs against it.
KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "": (
        "timezone",
        "gitlab",
        "watch",
        "database",
        "people",
        "bots",
        "privacy",
        "sync",
        "rules",
        "digest",
        "schedule",
    ),
    "gitlab": ("url", "token_env", "token_file", "timeout_seconds"),
    "watch": ("projects", "groups"),
    "database": ("url",),
    "people": ("username", "level", "digest_issue"),
    "bots": ("usernames", "patterns"),
    "privacy": ("opt_out",),
    "sync": ("request_budget", "max_requests_per_minute", "overlap_seconds", "reconcile_days"),
    "rules": ("dir", "ladder", "fixtures"),
    "digest": (
        "post_to",
        "project",
        "confidential_issues",
        "send_at",
        "show_confidential_in_same_project",
        "max_posts_per_minute",
    ),
    "schedule": ("sync_every_minutes",),
}
WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# -- the settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GitLabSettings:
    """Where GitLab is and where its token comes from (never the token itself)."""

    url: str
    token_env: str | None
    token_file: Path | None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    # Where token_env / token_file was written, for errors raised by token().
    source: str = field(default="", repr=False, compare=False)
    token_line: int | None = field(default=None, repr=False, compare=False)

    def token(self, environ: Mapping[str, str] | None = None) -> str:
        """Read the token now, from the environment (``environ``, default ``os.environ``) or
        the token file, with surrounding whitespace stripped.

        Raises :class:`ConfigError` naming the config file, line and key, and what is missing;
        the message never holds the token or any part of it.
        """
        if self.token_env is not None:
            key = "gitlab.token_env"
            value = (os.environ if environ is None else environ).get(self.token_env)
            if value is None:
                raise self._fail(key, f"environment variable {self.token_env} is not set")
            where = f"environment variable {self.token_env}"
        elif self.token_file is not None:
            key = "gitlab.token_file"
            where = f"token file {self.token_file}"
            try:
                raw = self.token_file.read_bytes()
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise self._fail(key, f"cannot read {self.token_file}: {reason}") from None
            except ValueError:  # an embedded NUL in the path
                raise self._fail(key, f"cannot read {self.token_file}: invalid path") from None
            try:
                value = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise self._fail(key, f"{where} is not UTF-8 text") from None
        else:
            raise self._fail(
                "gitlab.token_env", "missing: set token_env or token_file to say where the token is"
            )
        token = value.strip()
        if not token:
            raise self._fail(key, f"{where} is empty")
        if any(char.isspace() or not char.isprintable() for char in token):
            raise self._fail(
                key, f"{where} holds more than a token (spaces, line breaks or control characters)"
            )
        return token

    def _fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.source or None, line=self.token_line, key=key)


@dataclass(frozen=True)
class Watch:
    """What to read from GitLab: projects by path, and groups with all their subgroups."""

    projects: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    """Someone on the ladder: a GitLab username and their level (1 to 6)."""

    username: str
    level: int
    digest_issue: str | None = None  # "group/project#iid"

    @property
    def digest_issue_ref(self) -> tuple[str, int] | None:
        """``digest_issue`` split into project path and issue iid."""
        if self.digest_issue is None:
            return None
        project, _, iid = self.digest_issue.rpartition("#")
        return project, int(iid)


@dataclass(frozen=True)
class BotSettings:
    """Accounts to treat as bots beyond GitLab's own bot flag, token bots and the ghost user.

    Both sets are held in lower case; :meth:`matches` compares without regard to case.
    """

    usernames: frozenset[str] = frozenset()
    patterns: tuple[str, ...] = ()  # fnmatch globs

    def matches(self, username: str) -> bool:
        """Whether ``username`` is listed or matches a pattern, in any case."""
        return username.lower() in self.usernames or self.matching_pattern(username) is not None

    def matching_pattern(self, username: str) -> str | None:
        """The first pattern ``username`` matches, in any case."""
        name = username.lower()
        return next((p for p in self.patterns if fnmatch.fnmatchcase(name, p)), None)


@dataclass(frozen=True)
class SyncSettings:
    """How hard and how often sync reads GitLab."""

    request_budget: int = 0  # GitLab requests per run; 0 is unlimited
    max_requests_per_minute: int = 600  # client-side pacing; 0 is none
    overlap_seconds: int = 300
    reconcile_days: int = 7


@dataclass(frozen=True)
class ScheduleSettings:
    """How often ``ladder-bot run`` syncs (the digests' time is ``[digest] send_at``)."""

    sync_every_minutes: int = 30


@dataclass(frozen=True)
class RulesSettings:
    """Where the ladder and the rules are (relative paths: to the config file's folder)."""

    dir: Path
    ladder: Path
    fixtures: Path


@dataclass(frozen=True)
class DigestSettings:
    """Where the weekly digests go, and when they are sent.

    ``post_to="issue"``: each person's ``digest_issue``. ``post_to="project"``: an issue the bot
    opens for each person in ``project`` (a person's own ``digest_issue`` still wins).
    """

    post_to: str = "issue"  # "issue" or "project"
    project: str | None = None  # required with post_to = "project"
    confidential_issues: bool = True  # the issues the bot opens in ``project``
    send_weekday: int = 0  # Monday; datetime.weekday() numbering
    send_time: time = time(9, 0)  # local time, in the configured timezone
    show_confidential_in_same_project: bool = False
    max_posts_per_minute: int = 20  # notes and issues the bot creates; 0 is no pacing

    @property
    def send_at(self) -> str:
        """``monday 09:00``, as written in the file."""
        return f"{WEEKDAYS[self.send_weekday]} {self.send_time:%H:%M}"


def _default_rules(base: Path) -> RulesSettings:
    return RulesSettings(
        dir=base / "rules", ladder=base / "ladder.yaml", fixtures=base / "rules" / "fixtures"
    )


def _utc() -> ZoneInfo:
    return ZoneInfo(DEFAULT_TIMEZONE)


@dataclass(frozen=True, repr=False)
class Config:
    """The whole configuration. Build it with :func:`load_config`."""

    path: Path
    gitlab: GitLabSettings
    watch: Watch
    database_url: str
    people: tuple[Person, ...] = ()
    bots: BotSettings = BotSettings()
    timezone: ZoneInfo = field(default_factory=_utc)
    opt_out: frozenset[str] = frozenset()  # lower case
    sync: SyncSettings = SyncSettings()
    rules: RulesSettings | None = None  # None: rules/, ladder.yaml beside the config file
    digest: DigestSettings = DigestSettings()
    schedule: ScheduleSettings = ScheduleSettings()

    @property
    def rules_settings(self) -> RulesSettings:
        return self.rules or _default_rules(self.path.parent)

    @cached_property
    def _by_name(self) -> dict[str, Person]:
        by_name: dict[str, Person] = {}
        for person in self.people:
            by_name.setdefault(person.username.lower(), person)
        return by_name

    def person(self, username: str) -> Person | None:
        """The ``[[people]]`` entry for ``username`` (any case), if there is one."""
        return self._by_name.get(username.lower())

    def opted_out(self, username: str) -> bool:
        """Whether ``username`` (any case) asked never to be collected."""
        return username.lower() in self.opt_out

    @property
    def database_kind(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    def summary(self) -> str:
        """``2 projects, 1 group, 5 people, database sqlite``."""
        return ", ".join(
            [
                _count(len(self.watch.projects), "project", "projects"),
                _count(len(self.watch.groups), "group", "groups"),
                _count(len(self.people), "person", "people"),
                f"database {self.database_kind}",
            ]
        )

    def __repr__(self) -> str:
        return (
            f"Config(path={self.path!r}, gitlab={self.gitlab!r}, watch={self.watch!r}, "
            f"database_url={_mask_password(self.database_url)!r}, people={self.people!r}, "
            f"bots={self.bots!r}, timezone={self.timezone!r}, opt_out={self.opt_out!r}, "
            f"sync={self.sync!r}, rules={self.rules_settings!r}, digest={self.digest!r}, "
            f"schedule={self.schedule!r})"
        )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _mask_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    authority, slash, tail = rest.partition("/")
    user, at, host = authority.rpartition("@")
    if not sep or not at or ":" not in user:
        return url
    return f"{scheme}://{user.partition(':')[0]}:***@{host}{slash}{tail}"


# -- finding and reading the file ------------------------------------------------------------


def resolve_config_path(option: Path | None, env: Mapping[str, str], cwd: Path) -> Path:
    """The config file to use: ``--config FILE``, else ``$LADDER_BOT_CONFIG``, else
    ``config.toml``; a relative path is taken relative to ``cwd``."""
    if option is not None:
        chosen = option
    elif env.get(CONFIG_ENV_VAR):
        chosen = Path(env[CONFIG_ENV_VAR])
    else:
        chosen = Path(DEFAULT_CONFIG_NAME)
    return cwd / chosen


def load_config(path: Path) -> Config:
    """Read and validate the config file at ``path``; the first problem is a ConfigError."""
    label = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"not found (use --config FILE or ${CONFIG_ENV_VAR})", file=label
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read: {exc.strerror or type(exc).__name__}", file=label
        ) from None
    except ValueError:  # an embedded NUL in the name
        raise ConfigError("cannot read: invalid file name", file=label) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text: byte {exc.start} is {raw[exc.start]:#04x}",
            file=label,
            line=raw.count(b"\n", 0, exc.start) + 1,
        ) from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors add
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(str(exc), text, label) from None
    except RecursionError:
        raise ConfigError("invalid TOML: nested too deeply", file=label) from None
    return _Loader(path, text).load(data)


_TOML_AT = re.compile(r" \(at line (\d+), column (\d+)\)$")
_TOML_END = " (at end of document)"
_TOML_HINTS = {"Cannot overwrite a value": "a key or table is defined twice"}


def _toml_error(message: str, text: str, label: str) -> ConfigError:
    line: int | None = None
    where = ""
    found = _TOML_AT.search(message)
    if found:
        line, where = int(found[1]), f" (column {found[2]})"
        message = message[: found.start()]
    elif message.endswith(_TOML_END):
        line, where = text.rstrip("\n").count("\n") + 1, " (at end of file)"
        message = message.removesuffix(_TOML_END)
    hint = _TOML_HINTS.get(message)
    message = message[:1].lower() + message[1:] + (f": {hint}" if hint else "")
    return ConfigError(f"invalid TOML: {_one_line(message)}{where}", file=label, line=line)


# -- validation ------------------------------------------------------------------------------

Part = str | int
KeyPath = tuple[Part, ...]
T = TypeVar("T")
Parser = Callable[[Any, KeyPath], Any]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SEGMENT = r"[A-Za-z0-9_.][A-Za-z0-9_.-]*"
_GROUP_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_PROJECT_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})+")
_ISSUE_REF = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})+#[1-9][0-9]*")
_USERNAME = re.compile(_SEGMENT)
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")
# The shapes of GitLab tokens (glpat-, gloas-, glrt-, ...) and of bare hex tokens.
_TOKEN_LIKE = re.compile(r"gl[a-z]{2,10}-|[0-9a-f]{32,}$", re.I)
# Anything shaped like a token, wherever it appears, is redacted from messages.
_TOKEN_SHAPED = re.compile(r"gl[a-z]{2,10}-[A-Za-z0-9_.-]{6,}|[0-9A-Fa-f]{32,}")
_URL_USERINFO = re.compile(r"[^:/?#]*://[^/?#]*@")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DB_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES_SCHEMES = ("postgresql+psycopg", "postgresql", "postgres")

_EXPECT_URL = 'an http:// or https:// URL such as "https://gitlab.example.com"'
_EXPECT_ENV = 'the name of an environment variable such as "GITLAB_TOKEN", never the token itself'
_EXPECT_DB = 'a URL such as "sqlite:///ladder-bot.db" or "postgresql+psycopg://user@host/db"'
_EXPECT_USERNAME = 'a GitLab username (letters, digits, "_", "-", ".")'


class _Loader:
    """Turns parsed TOML into a :class:`Config`, raising at the first problem."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.label = str(path)
        self.text = text
        self._locator: _Locator | None = None

    # -- errors

    def line(self, key: KeyPath) -> int | None:
        if self._locator is None:
            self._locator = _Locator(self.text)
        return self._locator.line(key)

    def error(self, key: KeyPath, message: str) -> ConfigError:
        return ConfigError(message, file=self.label, line=self.line(key), key=_dotted(key))

    def expected(self, key: KeyPath, what: str, value: Any) -> ConfigError:
        return self.error(key, f"expected {what}, got {_show(value)}")

    def unknown(self, key: KeyPath, table: str) -> ConfigError:
        return self.error(key, "unknown key" + _suggest(str(key[-1]), table))

    # -- shapes

    def table(
        self, value: Any, key: KeyPath, table: str, parsers: Mapping[str, Parser]
    ) -> dict[str, Any]:
        """Parse each key of a table in file order; unknown keys are errors."""
        if not isinstance(value, dict):
            header = f"[[{table}]] entry" if table == "people" else f"[{table}] table"
            raise self.expected(key, f"a {header}", value)
        fields: dict[str, Any] = {}
        for name, item in value.items():
            parser = parsers.get(name)
            if parser is None:
                raise self.unknown((*key, name), table)
            fields[name] = parser(item, (*key, name))
        return fields

    def require(self, fields: Mapping[str, Any], key: KeyPath, name: str, what: str) -> Any:
        if name not in fields:
            raise self.error((*key, name), f"required key is missing (expected {what})")
        return fields[name]

    def array(
        self, value: Any, key: KeyPath, item: Callable[[Any, KeyPath], T], what: str
    ) -> list[T]:
        if not isinstance(value, list):
            raise self.expected(key, f"an array of {what}", value)
        return [item(element, (*key, index)) for index, element in enumerate(value)]

    def string(self, value: Any, key: KeyPath, what: str, pattern: re.Pattern[str]) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise self.expected(key, what, value)
        return value

    def integer(self, value: Any, key: KeyPath, what: str, low: int, high: int | None) -> int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            raise self.expected(key, what, value)
        return value

    def unique(self, values: Sequence[str], key: KeyPath, what: str, suffix: KeyPath = ()) -> None:
        """Each value once (case-insensitively); a repeat names where it was first."""
        seen: dict[str, int] = {}
        for index, value in enumerate(values):
            first = seen.setdefault(value.lower(), index)
            if first != index:
                raise self.error(
                    (*key, index, *suffix),
                    f"{what} {_quote(value)} is listed twice (first as {_dotted((*key, first))})",
                )

    # -- the file

    def load(self, data: dict[str, Any]) -> Config:
        parsers: dict[str, Parser] = {
            "timezone": self.timezone,
            "gitlab": self.gitlab,
            "watch": self.watch,
            "database": self.database,
            "people": self.people,
            "bots": self.bots,
            "privacy": self.privacy,
            "sync": self.sync,
            "rules": self.rules,
            "digest": self.digest,
            "schedule": self.schedule,
        }
        fields = self.table(data, (), "", parsers)
        for name in ("gitlab", "watch", "database"):
            if name not in fields:
                raise ConfigError(f"missing required table [{name}]", file=self.label, key=name)
        people: tuple[Person, ...] = fields.get("people", ())
        bots: BotSettings = fields.get("bots", BotSettings())
        for index, person in enumerate(people):
            if person.username.lower() in bots.usernames:
                why = "is listed in bots.usernames"
            else:
                pattern = bots.matching_pattern(person.username)
                if pattern is None:
                    continue
                why = f"matches the bot pattern {_quote(pattern)} in bots.patterns"
            raise self.error(
                ("people", index, "username"),
                f"{_quote(person.username)} {why}; bot accounts never earn evidence",
            )
        return Config(
            path=self.path,
            gitlab=fields["gitlab"],
            watch=fields["watch"],
            database_url=fields["database"],
            people=people,
            bots=bots,
            timezone=fields.get("timezone") or _utc(),
            opt_out=fields.get("privacy", frozenset()),
            sync=fields.get("sync", SyncSettings()),
            rules=fields.get("rules"),
            digest=fields.get("digest", DigestSettings()),
            schedule=fields.get("schedule", ScheduleSettings()),
        )

    # -- [gitlab]

    def gitlab(self, value: Any, key: KeyPath) -> GitLabSettings:
        fields = self.table(
            value,
            key,
            "gitlab",
            {
                "url": self.gitlab_url,
                "token_env": self.token_env,
                "token_file": self.token_file,
                "timeout_seconds": self.timeout,
            },
        )
        url: str = self.require(fields, key, "url", _EXPECT_URL)
        token_env: str | None = fields.get("token_env")
        token_file: Path | None = fields.get("token_file")
        if token_env is not None and token_file is not None:
            raise self.error(
                (*key, "token_file"), "set only one of token_env and token_file, not both"
            )
        if token_env is None and token_file is None:
            raise self.error(
                (*key, "token_env"),
                "required key is missing: set token_env (an environment variable) or "
                "token_file (a file) to say where the GitLab token is",
            )
        return GitLabSettings(
            url=url,
            token_env=token_env,
            token_file=token_file,
            timeout_seconds=fields.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            source=self.label,
            token_line=self.line((*key, "token_env" if token_env is not None else "token_file")),
        )

    def gitlab_url(self, value: Any, key: KeyPath) -> str:
        if not isinstance(value, str):
            raise self.expected(key, _EXPECT_URL, value)
        if _URL_USERINFO.match(value):
            # Never echo it: the part before "@" may well be a token.
            raise self.error(
                key, "must not hold credentials; give the token with token_env or token_file"
            )
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            raise self.expected(key, _EXPECT_URL, value) from None
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not value.isprintable()
            or any(char.isspace() for char in value)
        ):
            raise self.expected(key, _EXPECT_URL, value)
        if parts.query or parts.fragment:
            # Never echo it: the query may hold ?private_token=...
            raise self.error(key, "expected GitLab's base URL, without a query or fragment")
        base = value.rstrip("/")
        if base.endswith("/api/v4"):
            raise self.expected(key, 'GitLab\'s base URL, without "/api/v4"', value)
        return base

    def token_env(self, value: Any, key: KeyPath) -> str:
        if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
            # Never echo it: a token pasted here by mistake must not reach a log.
            raise self.error(key, f"expected {_EXPECT_ENV}")
        return value

    def token_file(self, value: Any, key: KeyPath) -> Path:
        if isinstance(value, str) and _TOKEN_LIKE.match(value) and not set("/.") & set(value):
            # Never echo it: it looks like the token itself.
            raise self.error(
                key,
                "expected the path of a file holding the token, not the token itself "
                "(for a file named like a token, write ./NAME)",
            )
        if not isinstance(value, str) or not value.strip() or "\0" in value:
            raise self.expected(key, 'a file path such as "/run/secrets/gitlab"', value)
        return self.path.parent / value

    def timeout(self, value: Any, key: KeyPath) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise self.expected(key, "a number of seconds greater than 0", value)
        return float(value)

    # -- [watch]

    def watch(self, value: Any, key: KeyPath) -> Watch:
        fields = self.table(value, key, "watch", {"projects": self.projects, "groups": self.groups})
        watch = Watch(tuple(fields.get("projects", ())), tuple(fields.get("groups", ())))
        if not watch.projects and not watch.groups:
            raise self.error(key, "expected at least one project or group to watch")
        return watch

    def projects(self, value: Any, key: KeyPath) -> list[str]:
        what = 'a project path such as "acme/backend"'
        paths = self.array(
            value, key, lambda item, at: self.string(item, at, what, _PROJECT_PATH), "project paths"
        )
        self.unique(paths, key, "project")
        return paths

    def groups(self, value: Any, key: KeyPath) -> list[str]:
        what = 'a group path such as "acme" or "acme/platform"'
        paths = self.array(
            value, key, lambda item, at: self.string(item, at, what, _GROUP_PATH), "group paths"
        )
        self.unique(paths, key, "group")
        return paths

    # -- [database]

    def database(self, value: Any, key: KeyPath) -> str:
        fields = self.table(value, key, "database", {"url": self.database_url})
        url: str = self.require(fields, key, "url", _EXPECT_DB)
        return url

    def database_url(self, value: Any, key: KeyPath) -> str:
        # Only the scheme is ever echoed: the rest may hold a password.
        if not isinstance(value, str):
            raise self.expected(key, _EXPECT_DB, value)
        found = _DB_SCHEME.match(value)
        if found is None:
            raise self.error(key, f"expected {_EXPECT_DB}, got a value without a scheme")
        scheme, rest = found[1].lower(), value[found.end() :]
        if scheme in ("sqlite", "sqlite+pysqlite"):
            if rest and not rest.startswith("/"):
                raise self.error(
                    key,
                    'expected "sqlite:///relative/path.db" or "sqlite:////absolute/path.db" '
                    "(three or four slashes)",
                )
            return f"{scheme}://{rest}"
        if scheme in _POSTGRES_SCHEMES:
            return f"postgresql+psycopg://{rest}"
        raise self.error(
            key, f"expected {_EXPECT_DB} (SQLite or PostgreSQL), got scheme {_quote(found[1])}"
        )

    # -- [[people]]

    def people(self, value: Any, key: KeyPath) -> tuple[Person, ...]:
        if isinstance(value, dict):
            raise self.error(key, "expected [[people]] entries, got a table: write [[people]]")
        entries = self.array(value, key, self.person, "[[people]] tables")
        self.unique([p.username for p in entries], key, "person", ("username",))
        return tuple(entries)

    def person(self, value: Any, key: KeyPath) -> Person:
        fields = self.table(
            value,
            key,
            "people",
            {"username": self.username, "level": self.level, "digest_issue": self.digest_issue},
        )
        return Person(
            username=self.require(fields, key, "username", _EXPECT_USERNAME),
            level=self.require(fields, key, "level", "an integer from 1 to 6"),
            digest_issue=fields.get("digest_issue"),
        )

    def username(self, value: Any, key: KeyPath) -> str:
        if isinstance(value, str) and value.startswith("@") and _USERNAME.fullmatch(value[1:]):
            raise self.expected(key, 'a GitLab username without "@"', value)
        return self.string(value, key, _EXPECT_USERNAME, _USERNAME)

    def level(self, value: Any, key: KeyPath) -> int:
        low, high = LEVELS.start, LEVELS.stop - 1
        return self.integer(value, key, f"an integer from {low} to {high}", low, high)

    def digest_issue(self, value: Any, key: KeyPath) -> str:
        what = 'an issue reference such as "acme/growth#12"'
        return self.string(value, key, what, _ISSUE_REF)

    # -- [bots]

    def bots(self, value: Any, key: KeyPath) -> BotSettings:
        fields = self.table(
            value,
            key,
            "bots",
            {
                "usernames": lambda v, k: self.array(v, k, self.username, "usernames"),
                "patterns": lambda v, k: self.array(v, k, self.pattern, "glob patterns"),
            },
        )
        return BotSettings(
            usernames=frozenset(name.lower() for name in fields.get("usernames", ())),
            patterns=tuple(pattern.lower() for pattern in fields.get("patterns", ())),
        )

    def pattern(self, value: Any, key: KeyPath) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.expected(key, 'a glob pattern such as "*-bot"', value)
        return value

    # -- timezone, [privacy], [sync]

    def timezone(self, value: Any, key: KeyPath) -> ZoneInfo:
        what = 'an IANA time zone name such as "Europe/Berlin"'
        if not isinstance(value, str):
            raise self.expected(key, what, value)
        if _ZONE_NAME.fullmatch(value):
            try:
                return ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                pass
        hint = ""
        if len(value) <= 64:
            names = {name.lower(): name for name in available_timezones()}
            close = difflib.get_close_matches(value.lower(), names, n=1)
            match = names.get(value.lower()) or (names[close[0]] if close else None)
            hint = f" (did you mean {match!r}?)" if match else ""
        raise self.error(key, f"expected {what}, got {_show(value)}{hint}")

    def privacy(self, value: Any, key: KeyPath) -> frozenset[str]:
        fields = self.table(
            value,
            key,
            "privacy",
            {"opt_out": lambda v, k: self.array(v, k, self.username, "usernames")},
        )
        return frozenset(name.lower() for name in fields.get("opt_out", ()))

    def sync(self, value: Any, key: KeyPath) -> SyncSettings:
        def whole(what: str, low: int) -> Parser:
            return lambda v, k: self.integer(v, k, f"an integer number of {what}", low, None)

        fields = self.table(
            value,
            key,
            "sync",
            {
                "request_budget": whole("requests, 0 (unlimited) or more", 0),
                "max_requests_per_minute": whole("requests, 0 (no pacing) or more", 0),
                "overlap_seconds": whole(
                    f"seconds, at least {MIN_OVERLAP_SECONDS}", MIN_OVERLAP_SECONDS
                ),
                "reconcile_days": whole("days, at least 1", 1),
            },
        )
        return SyncSettings(**fields)

    # -- [rules]

    def rules(self, value: Any, key: KeyPath) -> RulesSettings:
        def place(what: str) -> Parser:
            def parse(v: Any, k: KeyPath) -> Path:
                if not isinstance(v, str) or not v.strip() or "\0" in v:
                    raise self.expected(k, f"the path of {what}", v)
                return self.path.parent / v

            return parse

        fields = self.table(
            value,
            key,
            "rules",
            {
                "dir": place("the folder of rule files"),
                "ladder": place("the ladder file"),
                "fixtures": place("the folder of rule fixture files"),
            },
        )
        default = _default_rules(self.path.parent)
        folder = fields.get("dir", default.dir)
        return RulesSettings(
            dir=folder,
            ladder=fields.get("ladder", default.ladder),
            fixtures=fields.get("fixtures", folder / "fixtures"),
        )

    # -- [digest]

    def digest(self, value: Any, key: KeyPath) -> DigestSettings:
        fields = self.table(
            value,
            key,
            "digest",
            {
                "post_to": self.post_to,
                "project": lambda v, k: self.string(v, k, _EXPECT_DIGEST_PROJECT, _PROJECT_PATH),
                "confidential_issues": self.boolean,
                "send_at": self.send_at,
                "show_confidential_in_same_project": self.boolean,
                "max_posts_per_minute": lambda v, k: self.integer(
                    v, k, "an integer number of posts, 0 (no pacing) or more", 0, None
                ),
            },
        )
        post_to = fields.get("post_to", "issue")
        if post_to == "project" and "project" not in fields:
            raise self.error(
                (*key, "project"),
                f'required key is missing with post_to = "project" (expected '
                f"{_EXPECT_DIGEST_PROJECT})",
            )
        weekday, at = fields.get("send_at", (0, time(9, 0)))
        return DigestSettings(
            post_to=post_to,
            project=fields.get("project"),
            confidential_issues=fields.get("confidential_issues", True),
            send_weekday=weekday,
            send_time=at,
            show_confidential_in_same_project=fields.get(
                "show_confidential_in_same_project", False
            ),
            max_posts_per_minute=fields.get("max_posts_per_minute", 20),
        )

    def post_to(self, value: Any, key: KeyPath) -> str:
        if value not in ("issue", "project"):
            raise self.expected(key, '"issue" or "project"', value)
        return str(value)

    def boolean(self, value: Any, key: KeyPath) -> bool:
        if not isinstance(value, bool):
            raise self.expected(key, "true or false", value)
        return value

    def send_at(self, value: Any, key: KeyPath) -> tuple[int, time]:
        found = _SEND_AT.fullmatch(value.strip().lower()) if isinstance(value, str) else None
        day = _weekday(found[1]) if found else None
        hour, minute = (int(found[2]), int(found[3])) if found else (-1, -1)
        if day is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise self.expected(
                key, 'a weekday and a 24-hour local time such as "monday 09:00"', value
            )
        return day, time(hour, minute)

    # -- [schedule]

    def schedule(self, value: Any, key: KeyPath) -> ScheduleSettings:
        fields = self.table(
            value,
            key,
            "schedule",
            {
                "sync_every_minutes": lambda v, k: self.integer(
                    v,
                    k,
                    f"an integer number of minutes, at least {MIN_SYNC_EVERY_MINUTES}",
                    MIN_SYNC_EVERY_MINUTES,
                    None,
                ),
            },
        )
        return ScheduleSettings(**fields)


_EXPECT_DIGEST_PROJECT = 'a project path such as "acme/growth"'
_SEND_AT = re.compile(r"([a-z]+)\s+([0-9]{1,2}):([0-9]{2})")


def _weekday(name: str) -> int | None:
    """0 for "monday" or "mon", ... 6 for "sunday" or "sun"."""
    for index, day in enumerate(WEEKDAYS):
        if name == day or name == day[:3]:
            return index
    return None


_SECRET_KEYS = frozenset({"token", "private_token", "access_token", "api_token", "password"})


def _suggest(name: str, table: str) -> str:
    """The hint after ``unknown key``: a near miss here, or where the key belongs."""
    known = KEYS[table]
    lowered = name.lower()
    if table == "gitlab" and lowered in _SECRET_KEYS:
        return " (never put the token in this file: use token_env or token_file)"
    close = difflib.get_close_matches(lowered, known, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if table and name == "timezone":
        return " (timezone is a top-level key: put it above the first [table])"
    if table and name in KEYS[""]:
        where = "[[people]] entry" if table == "people" else f"[{table}]"
        return f" ({name} is a top-level table, not part of {where})"
    owners = [other for other, keys in KEYS.items() if other not in ("", table) and name in keys]
    if len(owners) == 1:
        owner = "[[people]]" if owners[0] == "people" else f"[{owners[0]}]"
        return f" ({name} belongs in {owner})"
    return ""


def _dotted(key: KeyPath) -> str:
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            bare = part if _BARE_KEY.fullmatch(part) and part == _redact(part) else _quote(part)
            out += f".{bare}" if out else bare
    return out


def _redact(text: str) -> str:
    return _TOKEN_SHAPED.sub("[redacted]", text)


def _quote(text: str, limit: int = 60) -> str:
    """``text`` as a one-line double-quoted string, shortened past ``limit`` characters, with
    anything shaped like a token redacted."""
    text = _redact(text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return '"' + _one_line(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _one_line(text: str) -> str:
    """Escape what would break a one-line message: line breaks and other unprintables."""
    if text.isprintable():
        return text
    return "".join(
        char
        if char.isprintable()
        else _ESCAPES.get(char)
        or (f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        for char in text
    )


def _show(value: Any) -> str:
    """A value as the message's ``got ...``: scalars as written in TOML, else their kind."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime):
        return f"a date-time ({value.isoformat()})"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, time):
        return f"a time ({value.isoformat()})"
    return type(value).__name__


# -- where keys are ----------------------------------------------------------------------------


class _Locator:
    """The line of each key, table and array item in TOML source text.

    Paths are those of the parsed data: ``("people", 1, "level")`` is ``level`` in the second
    ``[[people]]`` entry, ``("watch", "projects", 2)`` the third item of that array. Handles
    ``[table]``, ``[[array]]`` (nested too), dotted and quoted keys, inline tables, comments and
    arrays and strings over several lines. Meant for text ``tomllib`` accepted; on anything else
    it stops where it gets lost and keeps what it found.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.found: dict[KeyPath, int] = {}  # headers, keys, array items
        self.implied: dict[KeyPath, int] = {}  # tables a dotted key or header brings about
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._last: dict[KeyPath, int] = {}  # array of tables -> index of its last entry
        with contextlib.suppress(IndexError, ValueError, RecursionError):
            self._document()

    def line(self, key: KeyPath) -> int | None:
        """The line of ``key``, else of the nearest enclosing thing that has one."""
        for end in range(len(key), 0, -1):
            found = self.found.get(key[:end]) or self.implied.get(key[:end])
            if found is not None:
                return found
        return None

    def _line(self) -> int:
        return bisect.bisect_right(self._starts, self.pos)

    def _peek(self, size: int = 1) -> str:
        return self.text[self.pos : self.pos + size]

    def _note(self, key: KeyPath, line: int, *, implied: bool = False) -> None:
        (self.implied if implied else self.found).setdefault(key, line)

    def _document(self) -> None:
        table: KeyPath = ()
        while True:
            self._skip(newlines=True)
            start = self.pos
            if start >= len(self.text):
                return
            line = self._line()
            if self._peek(2) == "[[":
                self.pos += 2
                parts = self._key()
                array = (*self._resolve(parts[:-1]), parts[-1])
                index = self._last.get(array, -1) + 1
                self._last[array] = index
                table = (*array, index)
                self._note_prefixes(array, line)
                self._note(array, line)
                self._note(table, line)
                self._expect("]]")
            elif self._peek() == "[":
                self.pos += 1
                table = self._resolve(self._key())
                self._note_prefixes(table, line)
                self._note(table, line)
                self._expect("]")
            else:
                self._key_value(table, line)
            if self.pos <= start:  # lost: skip the line
                end = self.text.find("\n", start)
                self.pos = len(self.text) if end < 0 else end + 1

    def _resolve(self, parts: list[str]) -> KeyPath:
        """A header's key, with the current index of each array of tables on the way."""
        key: KeyPath = ()
        for part in parts:
            key = (*key, part)
            if key in self._last:
                key = (*key, self._last[key])
        return key

    def _note_prefixes(self, key: KeyPath, line: int) -> None:
        for end in range(1, len(key)):
            self._note(key[:end], line, implied=True)

    def _expect(self, token: str) -> None:
        self._skip()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)

    def _key_value(self, table: KeyPath, line: int) -> None:
        parts = self._key()
        key = (*table, *parts)
        for end in range(len(table) + 1, len(key)):
            self._note(key[:end], line, implied=True)
        self._note(key, line)
        self._expect("=")
        self._skip()
        self._value(key)

    def _key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self._skip()
            char = self._peek()
            if char == '"':
                start = self.pos
                self._basic_string()
                parts.append(_decode_key(self.text[start : self.pos]))
            elif char == "'":
                end = self.text.index("'", self.pos + 1)
                parts.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            else:
                bare = _BARE_KEY.match(self.text, self.pos)
                if bare is None:
                    raise ValueError("not a key")
                parts.append(bare.group())
                self.pos = bare.end()
            self._skip()
            if self._peek() != ".":
                return parts
            self.pos += 1

    def _value(self, key: KeyPath) -> None:
        char = self._peek()
        if self._peek(3) in ('"""', "'''"):
            self._multiline_string(self._peek(3))
        elif char == '"':
            self._basic_string()
        elif char == "'":
            self.pos = self.text.index("'", self.pos + 1) + 1
        elif char == "[":
            self._container(key, "]", self._array_item)
        elif char == "{":
            self._container(key, "}", self._inline_pair)
        else:  # number, boolean, date-time (which may hold one space)
            start = self.pos
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}#\r\n":
                self.pos += 1
            if self.pos == start:
                raise ValueError("not a value")

    def _container(self, key: KeyPath, close: str, item: Callable[[KeyPath, int], None]) -> None:
        self.pos += 1
        index = 0
        while True:
            self._skip(newlines=True)
            if self.pos >= len(self.text) or self._peek() == close:
                self.pos += 1
                return
            start = self.pos
            item(key, index)
            self._skip(newlines=True)
            if self._peek() == ",":
                self.pos += 1
                index += 1
            elif self.pos <= start or self._peek() != close:
                raise ValueError("lost in a container")

    def _array_item(self, key: KeyPath, index: int) -> None:
        self._note((*key, index), self._line())
        self._value((*key, index))

    def _inline_pair(self, key: KeyPath, index: int) -> None:
        self._key_value(key, self._line())

    def _basic_string(self) -> None:
        end = self.pos + 1
        while end < len(self.text) and self.text[end] not in '"\n':
            end += 2 if self.text[end] == "\\" else 1
        self.pos = end + 1

    def _multiline_string(self, quotes: str) -> None:
        text = self.text
        search = self.pos + 3
        while True:
            end = text.find(quotes, search)
            if end < 0:
                raise ValueError("unterminated string")
            backslashes = 0
            while quotes == '"""' and text[end - 1 - backslashes] == "\\":
                backslashes += 1
            if backslashes % 2:  # an escaped quote
                search = end + 1
                continue
            run = 3  # up to two quotes just before the closing three belong to the string
            while run < 5 and text[end + run : end + run + 1] == quotes[0]:
                run += 1
            self.pos = end + run
            return

    def _skip(self, *, newlines: bool = False) -> None:
        """Skip blanks and comments, and line breaks too when ``newlines``."""
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                return


def _decode_key(quoted: str) -> str:
    """A quoted basic-string key as tomllib reads it (escapes and all)."""
    try:
        decoded = tomllib.loads(f"k = {quoted}")["k"]
    except (tomllib.TOMLDecodeError, KeyError):
        return quoted[1:-1]
    return decoded if isinstance(decoded, str) else quoted[1:-1]
