"""Stopping on SIGTERM and SIGINT: at the next safe point, never in the middle of a page.

A :class:`StopRequest` is shared by everything a run does. The signal handler only sets it; the
work checks it where stopping is safe: after each page a sync has committed (the progress
callback), in every wait of the GitLab client, and between the steps of a cycle. The step that
notices raises :class:`Stopped`, which unwinds like any other error: the open transaction rolls
back, everything committed before stays, and the next run resumes from the watermarks.

A second signal while stopping ends the process at once (exit code 128 + the signal number):
what was committed stays committed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from bot.errors import BotError
from bot.sync.context import NoProgress, Progress

log = logging.getLogger("ladder_bot.service")

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopped(BotError):
    """The run was asked to stop and did, at a safe point."""


class StopRequest:
    """Set once, by a signal or by the service itself; read by the work as it goes."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.RLock()  # a signal handler may run while it is held
        self._callbacks: list[Callable[[], None]] = []
        self.reason = ""

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self, reason: str) -> None:
        """Ask everything to stop; callbacks run once, in the calling thread."""
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when a stop is requested (at once if it already was)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True when a stop was requested."""
        return self._event.wait(seconds)

    def check(self) -> None:
        """Raise :class:`Stopped` when a stop was requested."""
        if self._event.is_set():
            raise Stopped(f"stopped on {self.reason}")

    def sleep(self, seconds: float) -> None:
        """A ``time.sleep`` that a stop request cuts short, by raising :class:`Stopped`."""
        if self._event.wait(max(seconds, 0.0)):
            raise Stopped(f"stopped on {self.reason} while waiting")


class StoppingProgress:
    """Sync progress that stops the sync after the page it just committed, when asked."""

    def __init__(self, stop: StopRequest, inner: Progress | None = None) -> None:
        self.stop = stop
        self.inner: Progress = inner or NoProgress()

    def start(self, project: str, resource: str) -> None:
        self.stop.check()
        self.inner.start(project, resource)

    def advance(self, count: int) -> None:
        self.inner.advance(count)
        self.stop.check()

    def finish(self) -> None:
        self.inner.finish()


@contextmanager
def handle_signals(stop: StopRequest | None = None) -> Iterator[StopRequest]:
    """Turn SIGTERM and SIGINT into ``stop`` while the block runs (main thread only)."""
    stop = stop or StopRequest()

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            # Asked twice: stop now. Committed pages stay; the open transaction is dropped.
            log.warning("%s again: stopping at once", name)
            os._exit(128 + signum)
        log.info("%s: stopping after the current page", name, extra={"signal": name})
        stop.set(name)

    previous: dict[int, Any] = {}
    for number in SIGNALS:
        previous[number] = signal.signal(number, handler)
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
