"""Faults on demand: rate limits, server errors, latency and dropped connections.

Every decision is a pure function of the seed and the request's sequence number, so a run
with the same seed and the same request order meets the same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from bot.errors import ConfigError
from bot.fakelab.model import Payload


class FaultSettingError(ConfigError, ValueError):
    """A fault setting with a bad name or value; ``str()`` names the setting."""


@dataclass(frozen=True)
class FaultConfig:
    """What to inject. The defaults inject nothing, like a healthy self-managed GitLab."""

    seed: int = 0
    error_rate: float = 0.0  # share of API requests answered with a 5xx
    error_statuses: tuple[int, ...] = (500, 502, 503)
    latency_ms: float = 0.0  # added to every API request
    drop_rate: float = 0.0  # share of API requests whose connection is closed without an answer
    rate_limit: int = 0  # requests per window per token; 0 disables throttling and its headers
    rate_window_s: int = 60
    notes_per_minute: int = 300  # GitLab's default note-creation limit per user; 0 disables

    def updated(self, changes: Payload) -> FaultConfig:
        """A copy with ``changes`` applied; ``ValueError`` naming the key for a bad one."""
        allowed = set(self.__dataclass_fields__)
        unknown = set(changes) - allowed
        if unknown:
            raise FaultSettingError(
                f"unknown fault setting (expected some of: {', '.join(sorted(allowed))})",
                key=", ".join(sorted(unknown)),
            )
        return replace(self, **{key: _checked(key, value) for key, value in changes.items()})

    def __post_init__(self) -> None:
        for key in self.__dataclass_fields__:
            _checked(key, getattr(self, key))

    def as_dict(self) -> Payload:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


_SHARES = ("error_rate", "drop_rate")
_COUNTS = {"seed": None, "rate_limit": 0, "rate_window_s": 1, "notes_per_minute": 0}


def _checked(key: str, value: Any) -> Any:
    """``value`` for setting ``key``, or a :class:`FaultSettingError` that names the key.

    Checked here so that a bad value is refused when it is set, not by every later request.
    """
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key in _SHARES:
        if not number or not 0 <= value <= 1:
            raise FaultSettingError(f"expected a number from 0 to 1, got {value!r}", key=key)
        return float(value)
    if key == "latency_ms":
        if not number or not 0 <= value <= 600_000:
            raise FaultSettingError(
                f"expected milliseconds from 0 to 600000, got {value!r}", key=key
            )
        return float(value)
    if key in _COUNTS:
        least = _COUNTS[key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise FaultSettingError(f"expected an integer, got {value!r}", key=key)
        if least is not None and value < least:
            raise FaultSettingError(
                f"expected an integer of at least {least}, got {value!r}", key=key
            )
        return value
    # error_statuses
    statuses = value if isinstance(value, list | tuple) else None
    if (
        not statuses
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in statuses)
        or not all(400 <= s <= 599 for s in statuses)
    ):
        raise FaultSettingError(
            f"expected a non-empty list of HTTP error statuses, got {value!r}", key=key
        )
    return tuple(statuses)


NOTE_INTERVAL_S = 60  # the notes_create limit's interval: 1.minute


@dataclass(frozen=True)
class Decision:
    status: int | None = None  # a 5xx to answer with
    drop: bool = False
    delay_s: float = 0.0


@dataclass
class _Window:
    start: int
    count: int = 0


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    _windows: dict[str, _Window] = field(default_factory=dict)
    _notes: dict[int, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, sequence: int) -> Decision:
        config = self.config
        if not (config.error_rate or config.drop_rate or config.latency_ms):
            return Decision()
        rng = random.Random(f"{config.seed}:{sequence}")
        roll = rng.random()
        delay = config.latency_ms / 1000.0
        if roll < config.drop_rate:
            return Decision(drop=True, delay_s=delay)
        if roll < config.drop_rate + config.error_rate:
            return Decision(status=rng.choice(config.error_statuses), delay_s=delay)
        return Decision(delay_s=delay)

    def throttle(self, key: str, now: datetime) -> tuple[dict[str, str], int | None]:
        """Count a request against ``key``'s window: (headers, Retry-After seconds if over)."""
        config = self.config
        if config.rate_limit <= 0:
            return {}, None
        epoch = int(now.timestamp())
        start = epoch - epoch % config.rate_window_s
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.start != start:
                window = self._windows[key] = _Window(start)
            window.count += 1
            observed = window.count
        reset = start + config.rate_window_s
        headers = {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(config.rate_limit),
            "RateLimit-Observed": str(observed),
            "RateLimit-Remaining": str(max(config.rate_limit - observed, 0)),
            "RateLimit-Reset": str(reset),
        }
        if observed <= config.rate_limit:
            return headers, None
        retry = max(reset - epoch, 1)
        headers["RateLimit-ResetTime"] = format_datetime(
            datetime.fromtimestamp(reset, UTC), usegmt=True
        )
        headers["Retry-After"] = str(retry)
        return headers, retry

    def allow_note(self, user_id: int, now: datetime) -> int | None:
        """Note creation's own limit; returns Retry-After seconds when over it.

        As ``Gitlab::ApplicationRateLimiter`` (``IncrementPerAction``): one counter per user,
        incremented by every attempt, refused ones included, and expiring one interval after
        its first increment. The refusal's ``Retry-After`` is that whole interval
        (``check_rate_limit!`` sends ``retry_after: interval_value``), not the time left.
        """
        limit = self.config.notes_per_minute
        if limit <= 0:
            return None
        moment = now.timestamp()
        with self._lock:
            start, count = self._notes.get(user_id, (moment, 0))
            if moment >= start + NOTE_INTERVAL_S:
                start, count = moment, 0
            count += 1
            self._notes[user_id] = (start, count)
        return NOTE_INTERVAL_S if count > limit else None

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._notes.clear()

    def describe(self) -> dict[str, Any]:
        return self.config.as_dict()
