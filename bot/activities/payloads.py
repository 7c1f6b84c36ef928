"""Reading GitLab REST payloads: required keys, times, users, labels, web URLs.

GitLab's conventions (FACTS A.1): ``null`` booleans mean false, timestamps are ISO 8601 with
``Z`` or an offset (a self-managed instance may answer in its own time zone), embedded users are
``UserBasic``, and ``labels`` are title strings unless ``with_labels_details=true`` made them
objects. A payload missing what the contract needs raises ``PayloadError`` naming it, since
that is a sync bug to fix, not data to skip.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


class PayloadError(ValueError):
    """A payload lacks something the activities contract needs; the message names it."""


def require(payload: Mapping[str, Any], key: str, what: str) -> Any:
    """``payload[key]``, which must be present and not null."""
    value = payload.get(key)
    if value is None:
        raise PayloadError(f"{what}: missing {key!r}")
    return value


def require_int(payload: Mapping[str, Any], key: str, what: str) -> int:
    value = require(payload, key, what)
    if not isinstance(value, int) or isinstance(value, bool):
        raise PayloadError(f"{what}: {key!r} is not an integer: {value!r}")
    return value


def parse_time(value: Any, what: str) -> datetime:
    """An ISO 8601 timestamp with ``Z`` or an offset, as an aware UTC datetime.

    A timestamp without an offset is refused: it could be in any of the instance's zones.
    """
    if not isinstance(value, str):
        raise PayloadError(f"{what}: not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{what}: not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise PayloadError(f"{what}: timestamp without a time zone: {value!r}")
    return parsed.astimezone(UTC)


def optional_time(payload: Mapping[str, Any], key: str, what: str) -> datetime | None:
    value = payload.get(key)
    return None if value is None else parse_time(value, f"{what} {key}")


def hours_between(start: datetime, end: datetime) -> float:
    """Hours from ``start`` to ``end``, two decimals (rules compare, nobody needs more)."""
    return round((end - start).total_seconds() / 3600, 2)


def user(payload: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """The user embedded under ``key``, or None when absent or null."""
    value = payload.get(key)
    return value if isinstance(value, Mapping) else None


def username(user_payload: Mapping[str, Any] | None) -> str | None:
    if user_payload is None:
        return None
    name = user_payload.get("username")
    return name if isinstance(name, str) else None


def flag(payload: Mapping[str, Any], key: str) -> bool:
    """A GitLab boolean, where null and absent mean false."""
    return payload.get(key) is True


def text(payload: Mapping[str, Any], key: str) -> str:
    """A text field, where null and absent mean the empty string."""
    value = payload.get(key)
    return value if isinstance(value, str) else ""


def labels(payload: Mapping[str, Any]) -> list[str]:
    """Label titles, whether GitLab sent strings or label objects."""
    titles: list[str] = []
    for label in payload.get("labels") or ():
        if isinstance(label, str):
            titles.append(label)
        elif isinstance(label, Mapping) and isinstance(label.get("name"), str):
            titles.append(label["name"])
    return titles


def web_url(
    payload: Mapping[str, Any],
    *,
    base_url: str | None,
    project_path: str,
    route: str,
    what: str,
) -> str:
    """The payload's ``web_url``, else ``<base_url>/<project_path>/-/<route>``."""
    url = payload.get("web_url")
    if isinstance(url, str) and url:
        return url
    if not base_url:
        raise PayloadError(f"{what}: no 'web_url' and no base_url to build it from")
    return f"{base_url.rstrip('/')}/{project_path.strip('/')}/-/{route}"
