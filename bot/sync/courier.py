"""The courier: merge requests' diffs fetched by a second process.

A first sync asks GitLab for every merge request's ``/diffs``: thousands of small requests,
each costing about 0.3 ms of CPU in ``requests``, ``urllib3`` and ``http.client``. On threads
of the syncing process that work competes for its interpreter lock with storing and deriving,
which would use all of it. The courier is a child process (``python -m bot.sync.courier``)
with its own ``GitLabClient``: same URL, token, timeout and retry policy, so every answer is
handled as in-process (retries with back-off, ``Retry-After``, ``RateLimit-*``, timeouts). It
takes the diff requests of a page of merge requests in one message, sends them
``DIFF_FETCHERS`` at a time, and answers with what the store keeps (``records.slim_diff``),
as many answers per message as are ready, so the syncing process wakes up rarely for it.

What stays one across both processes:

- **The budget.** The courier sends nothing without a permit from the syncing process's
  client (``GitLabClient.grant``), which counts the request there: a page's requests come with
  theirs, retries and further pages of an answer ask for more, and permits left unused are
  handed back on close. A refused permit fails that request with ``BudgetExhausted``, raised
  in the syncing process where the diff is needed, as if fetched there.
- **GitLab's rate limits**, which count both against the same token: each client honours
  every answer it gets.
- **Statistics and the log.** The courier's retries, statuses and waits are added to the
  client's at close; its log lines come out of this process's ``ladder_bot.gitlab`` logger.

It never outlives the syncing process: it runs in a session of its own (a Ctrl-C at the
terminal reaches the sync, which then closes it), takes its instructions from a pipe, and
exits when the pipe closes, whether the sync closed it or died. It stores nothing, so killing
either process at any point loses nothing a resumed sync would not fetch again.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bot.errors import BotError
from bot.sync.client import (
    BudgetExhausted,
    ClientSettings,
    ClientStats,
    GitLabClient,
    GitLabError,
)
from bot.sync.diffs import DIFF_FETCHERS, fetch_diffs

LOG = logging.getLogger("ladder_bot.gitlab")
Payload = dict[str, Any]
# Where ``bot`` is imported from, so the child finds the same code whatever the working
# directory or installation.
_CODE_ROOT = str(Path(__file__).resolve().parents[2])
# Permits a worker thread asks for when the ones that came with its jobs are spent.
_PERMITS_ASKED = 16


class CourierError(BotError):
    """The courier could not deliver: it stopped, or failed in a way that is not GitLab's."""


# -- the syncing process's side ---------------------------------------------------------------


class Courier:
    """The syncing process's end: starts the child, sends it work, hands answers to futures."""

    CLEAN_WAIT_S = 30.0  # for the courier's last report after a run that went well
    ERROR_WAIT_S = 2.0  # after a failed or interrupted run: do not hold the error up

    def __init__(self, client: GitLabClient) -> None:
        self._client = client
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                part for part in (_CODE_ROOT, os.environ.get("PYTHONPATH")) if part
            ),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot.sync.courier"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._outbound = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._inbound = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._process.stdin.close()
        self._process.stdout.close()
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._pending: dict[int, Future[list[Payload]]] = {}
        self._ids = itertools.count()
        self._ready = threading.Event()
        self._gone = threading.Event()
        self._report: Future[tuple[int, ClientStats]] = Future()
        self._closed = False
        self._send(("init", client.settings(), LOG.getEffectiveLevel()))
        self._reader = threading.Thread(target=self._read, name="courier", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the child takes work (until then its work goes to threads); False when
        it stopped or the time ran out first."""
        deadline = time.monotonic() + timeout
        while not (self._ready.is_set() or self._gone.is_set()) and time.monotonic() < deadline:
            self._ready.wait(0.05)
        return self.usable

    @property
    def usable(self) -> bool:
        """Started, and neither stopped nor closed: new work may go to it."""
        return self._ready.is_set() and not self._gone.is_set() and not self._closed

    def start(self, paths: Sequence[str]) -> list[Future[list[Payload]]]:
        """Fetch the diffs at ``paths`` (``…/merge_requests/:iid/diffs``); one future each."""
        permits = self._client.grant(len(paths))  # fewer when the budget runs out
        futures: list[Future[list[Payload]]] = []
        jobs: list[tuple[int, str]] = []
        with self._lock:
            for path in paths:
                ident = next(self._ids)
                future: Future[list[Payload]] = Future()
                self._pending[ident] = future
                futures.append(future)
                jobs.append((ident, path))
        try:
            self._send(("jobs", jobs, permits))
        except OSError:
            self._client.release(permits)
        if self._gone.is_set():  # it stopped before these were pending: nobody will answer
            self._fail_pending(self._stopped())
        return futures

    def close(self, *, wait: float) -> None:
        """Stop the courier: it finishes the requests it is sending, drops the rest, and
        within ``wait`` seconds hands back its unused permits and its statistics."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):  # when it is gone already
            self._send(("close",))
        deadline = time.monotonic() + wait
        while not (self._report.done() or self._gone.is_set()) and time.monotonic() < deadline:
            self._gone.wait(0.01)
        if self._report.done():
            unused, stats = self._report.result()
            self._client.release(unused)
            self._client.absorb(stats)
        else:
            LOG.debug("the diff courier did not report back; its permits count as used")
        self._outbound.close()  # the child exits on end of input, if it has not already
        try:
            self._process.wait(timeout=self.ERROR_WAIT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=self.ERROR_WAIT_S)
        self._fail_pending("the diff courier was closed")

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            self._outbound.send(message)

    def _read(self) -> None:
        try:
            while True:
                message = self._inbound.recv()
                kind = message[0]
                if kind == "done":
                    self._deliver(message[1])
                elif kind == "permits":
                    self._send(("permits", self._client.grant(message[1])))
                elif kind == "log":
                    LOG.log(message[1], "%s", message[2])
                elif kind == "ready":
                    self._ready.set()
                elif kind == "closed":
                    self._report.set_result((message[1], ClientStats(**message[2])))
        except (EOFError, OSError):
            pass  # the child is gone: closed, or died
        finally:
            self._gone.set()
            self._inbound.close()
            self._fail_pending(self._stopped())

    def _stopped(self) -> str:
        try:
            code = self._process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return "the diff courier stopped answering"
        return f"the diff courier stopped (exit code {code})"

    def _deliver(self, answers: list[tuple[int, list[Payload] | None, Any]]) -> None:
        for ident, items, error in answers:
            with self._lock:
                future = self._pending.pop(ident, None)
            if future is None or future.done():
                continue
            if items is not None:
                future.set_result(items)
            else:
                future.set_exception(self._error(error))

    def _error(self, error: tuple[str, str, str, int | None]) -> BaseException:
        """The error the fetch raised in the child, as the syncing process raises it."""
        kind, message, path, status = error
        if kind == "budget":
            return BudgetExhausted(self._client.budget)
        if kind == "gitlab":
            return GitLabError(message, path=path, status=status)
        return CourierError(f"fetching diffs failed in the diff courier: {message}")

    def _fail_pending(self, reason: str) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(CourierError(reason))


# -- the child's side -------------------------------------------------------------------------


class _Closed(Exception):
    """The courier is closing: no more requests."""


class _Permits:
    """The child's permits to send, asked from the syncing process when they run out."""

    def __init__(self, ask: Any) -> None:
        self._ask = ask
        self._available = 0
        self._granted = 0
        self._asking = False
        self._refused = False
        self._closing = False
        self._condition = threading.Condition()

    @property
    def granted(self) -> int:
        return self._granted

    def add(self, count: int) -> None:
        with self._condition:
            self._available += count
            self._granted += count
            self._condition.notify_all()

    def answer(self, count: int) -> None:
        """The syncing process's answer to an ask: ``count`` more, or 0 for a spent budget."""
        with self._condition:
            self._asking = False
            self._refused = count == 0
            self._available += count
            self._granted += count
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self._closing = True
            self._condition.notify_all()

    def take(self) -> None:
        with self._condition:
            while True:
                if self._closing:
                    raise _Closed
                if self._available:
                    self._available -= 1
                    return
                if self._refused:
                    raise BudgetExhausted(0)
                if not self._asking:
                    self._asking = True
                    self._ask(_PERMITS_ASKED)
                self._condition.wait()


class _CourierClient(GitLabClient):
    """A ``GitLabClient`` that sends only with a permit; its waits end early on close."""

    def __init__(self, settings: ClientSettings, permits: _Permits, closing: threading.Event):
        def sleep(seconds: float) -> None:
            closing.wait(seconds)  # a back-off or a rate-limit wait ends when the courier closes

        super().__init__(
            settings.url,
            settings.token,
            timeout=settings.timeout,
            per_page=settings.per_page,
            max_per_minute=0,  # the courier only runs for syncs without pacing
            max_retries=settings.max_retries,
            backoff_s=settings.backoff_s,
            sleep=sleep,
        )
        self._permits = permits
        self._closing = closing

    def _admit(self, backoff: float, reason: str) -> None:
        if backoff:
            self._wait("backoff", backoff, reason)
        self._permits.take()
        super()._admit(0.0, "")


class _Forwarder(logging.Handler):
    """Sends the child's log records to the syncing process, which logs them as its own."""

    def __init__(self, send: Any) -> None:
        super().__init__()
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(OSError):  # the syncing process is gone; so will this one be
            self._send(("log", record.levelno, record.getMessage()))


def serve() -> None:
    """The child's main loop: ``python -m bot.sync.courier``, started by ``Courier``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the syncing process decides when to stop
    inbound = Connection(os.dup(0), writable=False)
    outbound = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # a stray print must not land in the message stream
    send_lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with send_lock:
            outbound.send(message)

    try:
        _, settings, level = inbound.recv()
    except EOFError:
        return
    LOG.setLevel(level)
    LOG.propagate = False
    LOG.addHandler(_Forwarder(send))
    closing = threading.Event()
    permits = _Permits(lambda count: send(("permits", count)))
    client = _CourierClient(settings, permits, closing)
    answers: queue.SimpleQueue[tuple[int, list[Payload] | None, Any] | None] = queue.SimpleQueue()

    def fetch(ident: int, path: str) -> None:
        try:
            answers.put((ident, fetch_diffs(client, path), None))
        except BudgetExhausted as exc:
            answers.put((ident, None, ("budget", str(exc), path, None)))
        except _Closed:
            answers.put((ident, None, ("closed", "closed", path, None)))
        except GitLabError as exc:
            answers.put((ident, None, ("gitlab", str(exc), exc.path, exc.status)))
        except Exception as exc:  # handed to the syncing process, which fails the run with it
            answers.put((ident, None, ("other", f"{type(exc).__name__}: {exc}", path, None)))

    def deliver() -> None:
        """Answers in as few messages as possible: all that are ready, each time."""
        while True:
            first = answers.get()
            if first is None:
                return
            batch = [first]
            while True:
                try:
                    more = answers.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    send(("done", batch))
                    return
                batch.append(more)
            send(("done", batch))

    sender = threading.Thread(target=deliver, name="courier answers", daemon=True)
    sender.start()
    pool = ThreadPoolExecutor(DIFF_FETCHERS, thread_name_prefix="diffs")
    send(("ready",))
    try:
        while True:
            message = inbound.recv()
            kind = message[0]
            if kind == "jobs":
                _, jobs, granted = message
                permits.add(granted)
                for ident, path in jobs:
                    pool.submit(fetch, ident, path)
            elif kind == "permits":
                permits.answer(message[1])
            elif kind == "close":
                break
    except EOFError:
        os._exit(0)  # the syncing process is gone: nobody waits for what is in flight
    closing.set()
    permits.close()
    pool.shutdown(wait=True, cancel_futures=True)
    answers.put(None)
    sender.join()
    stats = client.stats()
    report = {**asdict(stats), "by_status": dict(stats.by_status), "errors": dict(stats.errors)}
    send(("closed", permits.granted - client.requests, report))
    client.close()


if __name__ == "__main__":
    serve()
