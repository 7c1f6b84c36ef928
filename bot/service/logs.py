"""Log lines for ``ladder-bot run``: plain text, or one JSON object per line (``--log-json``).

A JSON line holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, any ``extra``
fields the call passed (``step``, ``status``, ``job``...), and ``exception`` with the traceback
when there is one. Whatever the format, every line goes through :class:`Redacting`: the secrets
it was given (the GitLab token) are replaced by ``[redacted]`` wherever they appear, so not even
an exception message quoting a request can leak one.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "[redacted]"
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# What every LogRecord has; anything else on a record came in through ``extra=``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_") and name not in entry:
                entry[name] = _plain(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    """A value JSON can hold as it is, else its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


class Redacting(logging.Formatter):
    """Another formatter's output with every secret replaced by ``[redacted]``."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.add(secret)
                forms.add(json.dumps(secret)[1:-1])  # as it appears inside a JSON string
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted(forms, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


# Loggers whose INFO lines are noise in a service log (Alembic announces its plugins).
QUIET = ("alembic",)


class LogSetup:
    """The handler :func:`configure_logging` installed; :meth:`close` removes it again."""

    def __init__(
        self, handler: logging.Handler, replaced: list[logging.Handler], levels: dict[str, int]
    ) -> None:
        self.handler = handler
        self.replaced = replaced  # the root's handlers before, put back on close
        self.levels = levels  # logger name ("" is the root) -> its level before

    def close(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        for handler in self.replaced:
            root.addHandler(handler)
        for name, level in self.levels.items():
            logging.getLogger(name).setLevel(level)
        self.handler.close()


def configure_logging(
    *,
    json_lines: bool = False,
    level: int = logging.INFO,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> LogSetup:
    """Send log records of ``level`` and up to ``stream`` (stderr), as JSON or plain lines.

    Replaces the root logger's handlers for as long as the returned setup is open: a service
    owns its process's logging.
    """
    inner: logging.Formatter = JsonFormatter() if json_lines else logging.Formatter(PLAIN_FORMAT)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(Redacting(inner, secrets))
    root = logging.getLogger()
    replaced = list(root.handlers)
    for existing in replaced:
        root.removeHandler(existing)
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("", *QUIET)}
    setup = LogSetup(handler, replaced, levels)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return setup
